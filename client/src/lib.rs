//! schemata: the crate users depend on. Typed events whose schemas are known at compile time
//! (`#[derive(Schema)]`, `include_schema!`), the check that keeps them compatible with their
//! committed history, and the core re-exported; the registry client, serializers and Kafka
//! support arrive with their issues.

pub use schemata_core as core;

// Lets the crate's own tests use the derive, whose output names `::schemata`.
#[cfg(test)]
extern crate self as schemata;

mod component;
pub mod history;
mod schema;

pub use schema::{Schema, SubjectNameStrategy};

/// `#[derive(Schema)]`: the Avro and JSON Schema of a Rust type. Attributes: see the crate docs.
#[cfg(feature = "derive")]
pub use schemata_derive::Schema;

/// What generated code reaches for. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::component::{
        AvroCtx, Component, Flatten, Hints, JsonCtx, JsonObject, avro, container_default, json,
        json_default, root_avro, root_json, schema_full_name, serde_default,
    };
    pub use serde;
    pub use serde_json::{self, Value};
    pub use std::sync::OnceLock;
}
