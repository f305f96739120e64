//! schemata: schema-registry-backed serialization for Kafka. Rust types whose Avro and JSON
//! Schemas are known at compile time, a client of the Confluent Schema Registry REST API, typed
//! serializers in the Confluent wire format, and (feature `kafka`) a typed producer and consumer.
//!
//! # A tour
//!
//! **Types and their schemas.** `#[derive(Schema)]` (feature `derive`, on by default) gives a
//! serde type its Avro schema and JSON Schema, checked at compile time against what serde will
//! write; [`include_schema!`] generates types from `.avsc` and JSON Schema files instead. The
//! [`Schema`] trait names the subject a type's schema lives under for a topic
//! ([`SubjectNameStrategy`]), and [`history::assert_compatible`] checks in `cargo test` that a
//! type stays compatible with the versions committed under `schemas/<subject>/`.
//!
//! **The registry.** [`RegistryClient`] registers, looks up and fetches schemas, with failover
//! across URLs, auth, retries and bounded caches; [`BlockingRegistryClient`] is the same without
//! an async runtime. It speaks in typed values: [`SchemaId`], [`Version`] and [`VersionSpec`],
//! [`CompatibilityLevel`] inside a [`Config`], [`Mode`], and parsed schemas ([`ParsedSchema`]).
//! Flags travel in option structs with defaults ([`RegisterOptions`], [`LookupOptions`],
//! [`ReadOptions`], [`DeleteOptions`], [`CheckOptions`], [`SettingOptions`], [`ModeOptions`]).
//!
//! **Serialization.** [`AvroSerializer`] and [`JsonSerializer`] write values framed with their
//! schema id (magic byte `0`, the id in 4 big-endian bytes, the payload), finding the id as a
//! [`SerializerConfig`] says: auto-registration, the subject's latest version, a fixed id, with
//! or without normalization. [`AvroDeserializer`] reads records written with any compatible
//! writer schema into your type; [`JsonDeserializer`] reads and validates JSON documents.
//! [`DynamicSerializer`] and [`DynamicDeserializer`] go between framed records and
//! `serde_json::Value` for tools that do not know the types.
//!
//! **Kafka** (feature `kafka`). [`kafka::Producer`] and [`kafka::Consumer`] send and receive
//! typed records with any of the serializers above, tombstones as `None`, commits after handling
//! and a policy for records that cannot be decoded.
//!
//! ```no_run
//! # async fn demo() -> Result<(), schemata::Error> {
//! use schemata::{AvroDeserializer, AvroSerializer, RegistryClient, Schema, SerializerConfig};
//!
//! #[derive(Debug, PartialEq, Schema, serde::Serialize, serde::Deserialize)]
//! #[schemata(namespace = "com.acme.orders")]
//! struct OrderPlaced { id: i64, customer: String }
//!
//! let registry = RegistryClient::new("http://localhost:8081")?;
//! let serializer = AvroSerializer::<OrderPlaced>::new(registry.clone(), SerializerConfig::default())?;
//! let deserializer = AvroDeserializer::<OrderPlaced>::new(registry.clone())?;
//! let order = OrderPlaced { id: 7, customer: "ada".into() };
//! let bytes = serializer.serialize("orders", false, &order).await?;
//! assert_eq!(deserializer.deserialize("orders", &bytes).await?, order);
//! let latest = registry.latest("orders-value").await?; // typed: SchemaId, Version, SchemaType
//! println!("orders-value v{} is schema {}", latest.version, latest.id);
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! `derive` (default): the derive and `include_schema!`. `uuid`, `chrono`, `time`,
//! `rust_decimal`: schemas for those crates' types. `tls`: https registries with a custom CA.
//! `kafka`: the producer and consumer (builds librdkafka).

#![warn(missing_docs)]

// Lets the crate's own tests use the derive, whose output names `::schemata`.
#[cfg(test)]
extern crate self as schemata;

pub mod admin;
mod avro;
#[allow(missing_docs, reason = "reached only through the hidden `__private`")]
mod component;
pub mod history;
mod json;
#[cfg(feature = "kafka")]
pub mod kafka;
mod protobuf;
mod registry;
mod schema;
mod serdes;

pub use json::{JsonDeserializer, JsonSerializer};
pub use protobuf::{
    ProtobufDeserializer, ProtobufSerializer, parse_proto_with_versions, register_proto_imports,
    split_protobuf_frame,
};
pub use registry::{
    BlockingRegistryClient, CheckOptions, CompatibilityVerdict, Config, DeleteOptions, Error,
    Export, LookupOptions, ModeOptions, ReadOptions, RegisterOptions, RegisteredSchema,
    RegistryClient, RegistryClientBuilder, Result, SchemaRecord, SettingOptions, SubjectSchema,
    SubjectVersion,
};
pub use schema::{Schema, SubjectNameStrategy};
pub use serdes::{
    AvroDeserializer, AvroSerializer, DynamicDeserializer, DynamicSerializer, KEY_SCHEMA_ID_HEADER,
    SchemaIdFraming, SerializerConfig, VALUE_SCHEMA_ID_HEADER, schema_id_header, split_frame,
};

/// The vocabulary shared with the registry: typed ids, versions, levels and modes, and the data
/// contract a version carries (metadata and rule set).
pub use schemata_core::{
    CompatibilityLevel, Guid, Incompatibility, JsonPolicy, Metadata, Mode, ParseError, Rule,
    RuleSet, SchemaId, SchemaReference, SchemaType, Version, VersionSpec, wire::WireError,
};

/// A schema parsed by `schemata-core` (Avro or JSON Schema, references resolved): what the
/// registry client registers and looks up. Distinct from the [`Schema`] trait of Rust types.
pub use schemata_core::Schema as ParsedSchema;

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
#[allow(missing_docs, reason = "hidden: only generated code uses it")]
pub mod __private {
    pub use crate::component::{
        AvroCtx, Component, Flatten, Hints, JsonCtx, JsonObject, avro, container_default,
        default_from_json, json, json_default, metadata, root_avro, root_json, schema_full_name,
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
    pub use schemata_core::Metadata;
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
