//! schemata: the crate users depend on. Typed events whose schemas are known at compile time
//! (`#[derive(Schema)]`, `include_schema!`), the check that keeps them compatible with their
//! committed history, the registry client (`RegistryClient`), the Confluent-framed Avro and
//! JSON Schema serializers, typed rdkafka producers and consumers (feature `kafka`), and the core
//! re-exported. The repository's README has a tour.

pub use schemata_core as core;

// Lets the crate's own tests use the derive, whose output names `::schemata`.
#[cfg(test)]
extern crate self as schemata;

pub mod admin;
mod component;
pub mod history;
mod schema;

pub mod avro;
pub mod json;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod protobuf;
pub mod registry;
pub mod serdes;

pub use json::{JsonDeserializer, JsonSerializer};
pub use protobuf::{ProtobufDeserializer, ProtobufSerializer};
pub use registry::{BlockingRegistryClient, Error, RegistryClient, Result};
pub use schema::{Schema, SubjectNameStrategy};
pub use serdes::{AvroDeserializer, AvroSerializer, DynamicDeserializer, SerializerConfig};

/// `#[derive(Schema)]`: the Avro and JSON Schema of a Rust type. Attributes: see the crate docs.
#[cfg(feature = "derive")]
pub use schemata_derive::Schema;

/// `include_schema!("schemas/orders-value/v2.avsc")`: Rust types generated from an Avro schema
/// file (path relative to the crate's manifest), namespaces as nested modules at the call site.
/// Call it once per module, since each call defines the namespace modules it needs.
#[cfg(feature = "derive")]
pub use schemata_derive::include_schema;

/// What generated code reaches for. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::component::{
        AvroCtx, Component, Flatten, Hints, JsonCtx, JsonObject, avro, container_default,
        default_from_json, json, json_default, root_avro, root_json, schema_full_name,
        serde_default,
    };
    pub use crate::{
        __schemata_if_chrono as if_chrono, __schemata_if_rust_decimal as if_rust_decimal,
        __schemata_if_uuid as if_uuid,
    };
    #[cfg(feature = "chrono")]
    pub use chrono;
    #[cfg(feature = "rust_decimal")]
    pub use rust_decimal;
    pub use serde;
    pub use serde_json::{self, Value};
    pub use std::sync::OnceLock;
    #[cfg(feature = "time")]
    pub use time;
    #[cfg(feature = "uuid")]
    pub use uuid;
}

// `if_FEATURE! { { items } else { fallback } }`: the items when this crate was built with the
// feature, else the fallback. `include_schema!` wraps types that need a feature in it, so a
// missing feature is one error that names it. (Written out: a macro cannot define macros with
// repetitions on stable Rust.)

#[cfg(feature = "uuid")]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_uuid {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
}

#[cfg(not(feature = "uuid"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_uuid {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
}

#[cfg(feature = "chrono")]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_chrono {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
}

#[cfg(not(feature = "chrono"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_chrono {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
}

#[cfg(feature = "rust_decimal")]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_rust_decimal {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
}

#[cfg(not(feature = "rust_decimal"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __schemata_if_rust_decimal {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
}
