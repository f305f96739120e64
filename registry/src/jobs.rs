//! The write jobs: every change to the registry is one of these functions, run by the single
//! writer (`writer.rs`) against the state, emitting the `_schemas` records that make it. Handlers
//! only read the request and submit a job; the rules of each write live here, one module per
//! kind of write.

pub(crate) mod delete;
pub(crate) mod register;
pub(crate) mod settings;
