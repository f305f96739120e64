//! The `Schema` trait: what a typed event knows about itself at compile time (its Avro schema,
//! JSON Schema, full name and subject), implemented by `#[derive(Schema)]` and `include_schema!`.

use std::fmt;

use schemata_core::Metadata;
use serde_json::Value;

#[cfg(test)]
mod codegen_tests;
#[cfg(test)]
mod interop_tests;
#[cfg(test)]
mod tests;

/// How a serializer names the subject a type's schema is registered under (Confluent's
/// `key.subject.name.strategy` / `value.subject.name.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SubjectNameStrategy {
    /// `<topic>-key` or `<topic>-value`: one schema lineage per topic (Confluent's default).
    #[default]
    TopicName,
    /// `<full name>`: one lineage per type, shared by every topic carrying it.
    RecordName,
    /// `<topic>-<full name>`: one lineage per type per topic.
    TopicRecordName,
}

impl SubjectNameStrategy {
    /// The subject for `topic`, for a record key (`is_key`) or value whose schema is `full_name`.
    pub fn subject(self, topic: &str, full_name: &str, is_key: bool) -> String {
        match self {
            SubjectNameStrategy::TopicName => {
                format!("{topic}-{}", if is_key { "key" } else { "value" })
            }
            SubjectNameStrategy::RecordName => full_name.to_owned(),
            SubjectNameStrategy::TopicRecordName => format!("{topic}-{full_name}"),
        }
    }
}

impl fmt::Display for SubjectNameStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubjectNameStrategy::TopicName => "TopicNameStrategy",
            SubjectNameStrategy::RecordName => "RecordNameStrategy",
            SubjectNameStrategy::TopicRecordName => "TopicRecordNameStrategy",
        })
    }
}

/// A Rust type whose schema is known at compile time. Derive it (`#[derive(schemata::Schema)]`)
/// or generate it from a schema file (`schemata::include_schema!`); the schemas are built on first
/// use and cached for the life of the process.
///
/// ```
/// use schemata::{Schema, SubjectNameStrategy};
///
/// /// An order was placed.
/// #[derive(serde::Serialize, serde::Deserialize, Schema)]
/// #[schemata(namespace = "com.acme.orders")]
/// #[serde(rename_all = "camelCase")]
/// struct OrderPlaced {
///     order_id: String,
///     amount_cents: i64,
///     note: Option<String>,
/// }
///
/// assert_eq!(OrderPlaced::full_name(), "com.acme.orders.OrderPlaced");
/// assert_eq!(
///     OrderPlaced::subject(SubjectNameStrategy::TopicName, "orders", false),
///     "orders-value"
/// );
/// let fields = &OrderPlaced::avro_schema()["fields"];
/// assert_eq!(fields[0]["name"], "orderId");
/// assert_eq!(fields[2]["type"], serde_json::json!(["null", "string"]));
/// assert_eq!(OrderPlaced::json_schema()["required"], serde_json::json!(["orderId", "amountCents"]));
/// ```
///
/// # Mapping
///
/// | Rust | Avro | JSON Schema (what serde_json writes) |
/// |---|---|---|
/// | `bool` | `boolean` | `boolean` |
/// | `i8`, `i16`, `i32`, `u8`, `u16` | `int` | `integer` with the type's range |
/// | `u32`, `i64`, `isize` | `long` | `integer` |
/// | `u64`, `usize`, `u128`, `i128` | compile error unless `#[schemata(avro = "long")]` (range checked when serializing) or `#[schemata(avro = "decimal", precision = P, scale = S)]` | `integer` |
/// | `f32` / `f64` | `float` / `double` | `number` |
/// | `String`, `&str`, `Cow<str>`, `char` | `string` | `string` |
/// | `Vec<u8>`, `&[u8]` | `bytes` | array of 0..=255 |
/// | `[u8; N]` | `fixed` named `fixed_N` in the enclosing namespace (or `#[schemata(fixed_name = "...")]`) | array of N bytes |
/// | `Option<T>` | `["null", T]`, default `null` | `oneOf` null/T, not required |
/// | `Vec<T>`, `VecDeque<T>`, `HashSet<T>`, `BTreeSet<T>` | `array` | `array` |
/// | `HashMap<String, T>`, `BTreeMap<String, T>` | `map` (other key types: compile error) | `object` with `additionalProperties` |
/// | `Box<T>`, `Rc<T>`, `Arc<T>`, `&T` | T | T |
/// | struct with named fields | `record` (recursion by name) | `object`, named types in `definitions` |
/// | newtype struct, `#[serde(transparent)]` | the inner type | the inner type |
/// | enum of unit variants | `enum` | string `enum` |
/// | enum with data (serde's external tagging, or `untagged`) | union with one branch per variant: a unit or struct variant is a record named after the variant, a newtype variant is its inner type | `oneOf` as serde writes it |
/// | `uuid::Uuid` (feature `uuid`) | `string`/`uuid` | `string`/`uuid` |
/// | chrono `DateTime`, `NaiveDateTime` (feature `chrono`) | `long`/`timestamp-micros`, `local-timestamp-micros` (`#[schemata(timestamp = "millis")]` for millis) | `string` |
/// | chrono `NaiveDate`, `NaiveTime` | `int`/`date`, `long`/`time-micros` (or `int`/`time-millis`) | `string` |
/// | time `OffsetDateTime`, `PrimitiveDateTime`, `Date`, `Time` (feature `time`) | as chrono | array (time's non-human-readable serde form) |
/// | `rust_decimal::Decimal` (feature `rust_decimal`) | `bytes`/`decimal`, with the required `#[schemata(precision = P, scale = S)]` | `string` |
///
/// Tuples, tuple structs and variants, unit structs, `()`, `Option<Option<T>>`, generic type
/// parameters and unions are compile errors with the reason and a way out.
///
/// # Attributes
///
/// - On the type: `#[schemata(namespace = "com.acme", name = "Order", doc = "...", alias =
///   "...")]`. The namespace is this attribute or the crate default
///   `[package.metadata.schemata] namespace = "com.acme"` in the crate's Cargo.toml; never the
///   module path, so refactors cannot rename a schema. Without either, the derive fails and says
///   both ways; `namespace = ""` opts into the null namespace.
/// - On a field: `#[schemata(doc, alias, default = <literal>, default_json = "<json>", avro,
///   precision, scale, timestamp, fixed_name, rename)]`; `rename` may only restate serde's name.
/// - serde's `rename`, `rename_all`, `rename_all_fields`, `alias` (becomes an Avro alias),
///   `skip` (or both `skip_serializing` and `skip_deserializing`), `default` (the default value is
///   serialized into the schema), `flatten` (of a struct that derives `Schema`),
///   `transparent`, `untagged` and `deny_unknown_fields` (closes the JSON Schema) are honoured.
///   What serde would write but a schema cannot say is a compile error: `tag`/`content`,
///   `with`/`serialize_with`/`deserialize_with`, `skip_serializing_if`, `into`/`from`, one-way
///   skips and renames, flattening a map or an Option.
/// - Doc comments become `doc`.
///
/// # Generating from schema files
///
/// `schemata::include_schema!("schemas/orders-value/v2.avsc")` generates the types of an Avro
/// file (namespaces as nested modules at the call site, one call per module); a `.json` file
/// (JSON Schema in the draft 7 shape this derive writes: `title`d objects, named types under
/// `definitions`, `oneOf` null/T for options) generates its types at the call site. Either way
/// the generated type derives the file's schema again; the tests check this for `schemas/`.
///
/// # Checking history
///
/// [`crate::history::assert_compatible`] checks, in `cargo test`, that the derived schema is
/// compatible with the versions committed under `schemas/<subject>/`, and writes the next version
/// when `SCHEMATA_WRITE_SCHEMAS=1`.
pub trait Schema {
    /// The Avro schema, with every named type defined once and referred to by full name after.
    fn avro_schema() -> &'static Value;

    /// The JSON Schema (draft 7) describing what serde_json writes for the type.
    fn json_schema() -> &'static Value;

    /// The Avro full name (`namespace.Name`); for a newtype of a primitive, the primitive's name.
    fn full_name() -> &'static str;

    /// The Avro schema as compact JSON text, as registered.
    fn avro_schema_text() -> String {
        Self::avro_schema().to_string()
    }

    /// The data contract metadata registered with the schema (`#[schemata(metadata(k = "v"))]`
    /// on the type): properties such as an owner or a major version, which
    /// `use.latest.with.metadata` consumers select by. `None` when the type has none.
    fn metadata() -> Option<&'static Metadata> {
        None
    }

    /// The subject this type's schema lives under for `topic` with the given strategy.
    fn subject(strategy: SubjectNameStrategy, topic: &str, is_key: bool) -> String {
        strategy.subject(topic, Self::full_name(), is_key)
    }
}
