//! schemata-core: the pure heart of schemata. Schema model, canonical and normalized forms,
//! compatibility engines for Avro, JSON Schema and Protobuf, the Confluent wire format, the Confluent REST
//! API bodies and the `_schemas` storage records.
//!
//! Architecture invariant: nothing here does I/O or pulls an async runtime. Functions go from data
//! to data and return every finding they make, never only the first.

pub mod api;
pub mod avro;
pub mod budget;
pub mod compat;
pub mod context;
pub mod contract;
pub mod diff;
pub mod fold;
pub mod guid;
pub mod ids;
pub mod json_schema;
pub mod locate;
pub mod protobuf;
pub mod records;
pub mod schema;
pub mod wire;

pub use budget::{Budget, BudgetExceeded};
pub use compat::{CompatibilityLevel, Direction, Finding, Incompatibility, JsonPolicy, Report};
pub use contract::{Contract, Metadata, Rule, RuleSet};
pub use guid::Guid;
pub use ids::{SchemaId, Subject, Version, VersionSpec};
pub use records::Mode;
pub use schema::{ParseError, ReferencedSchema, Schema, SchemaReference, SchemaType};
