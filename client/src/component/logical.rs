//! Avro logical types for the crates users reach for: uuid, chrono, time and rust_decimal, each
//! behind the feature of the same name so nobody compiles a crate they do not use.
//!
//! The JSON Schema side says what serde_json writes for each type with the features enabled here.

#[allow(unused_imports, reason = "every import is used by at least one feature")]
use serde_json::{Value, json};

#[allow(unused_imports, reason = "every import is used by at least one feature")]
use super::{AvroCtx, Component, Hints, JsonCtx};

/// `timestamp-*`/`local-timestamp-*` and `time-*` in the unit the field asked for (micros unless
/// `#[schemata(timestamp = "millis")]`): micros is the default because it loses nothing chrono and
/// time hold in practice, and millis is what many JVM producers write.
#[allow(dead_code, reason = "used only with the chrono or time features")]
fn timestamp(kind: &str, hints: &Hints) -> Value {
    let unit = if hints.timestamp_millis { "millis" } else { "micros" };
    json!({"type": "long", "logicalType": format!("{kind}-{unit}")})
}

#[allow(dead_code, reason = "used only with the chrono or time features")]
fn time_of_day(hints: &Hints) -> Value {
    if hints.timestamp_millis {
        json!({"type": "int", "logicalType": "time-millis"})
    } else {
        json!({"type": "long", "logicalType": "time-micros"})
    }
}

#[allow(dead_code, reason = "used only with the chrono or time features")]
fn date() -> Value {
    json!({"type": "int", "logicalType": "date"})
}

#[cfg(feature = "uuid")]
impl Component for uuid::Uuid {
    fn avro(_: &mut AvroCtx, _: &Hints) -> Value {
        json!({"type": "string", "logicalType": "uuid"})
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string", "format": "uuid"})
    }
}

#[cfg(feature = "chrono")]
impl<Tz: chrono::TimeZone> Component for chrono::DateTime<Tz> {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        timestamp("timestamp", hints)
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string", "format": "date-time"})
    }
}

#[cfg(feature = "chrono")]
impl Component for chrono::NaiveDateTime {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        timestamp("local-timestamp", hints)
    }
    // No offset in the text, so it is not an RFC 3339 `date-time`.
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string"})
    }
}

#[cfg(feature = "chrono")]
impl Component for chrono::NaiveDate {
    fn avro(_: &mut AvroCtx, _: &Hints) -> Value {
        date()
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string", "format": "date"})
    }
}

#[cfg(feature = "chrono")]
impl Component for chrono::NaiveTime {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        time_of_day(hints)
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string"})
    }
}

/// time's serde support without its `serde-human-readable` feature writes a tuple of integers,
/// also to serde_json, so the JSON Schema says array; the Avro side is the logical type.
#[cfg(feature = "time")]
fn time_tuple() -> Value {
    json!({"type": "array", "items": {"type": "integer"}})
}

#[cfg(feature = "time")]
impl Component for time::OffsetDateTime {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        timestamp("timestamp", hints)
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        time_tuple()
    }
}

#[cfg(feature = "time")]
impl Component for time::PrimitiveDateTime {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        timestamp("local-timestamp", hints)
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        time_tuple()
    }
}

#[cfg(feature = "time")]
impl Component for time::Date {
    fn avro(_: &mut AvroCtx, _: &Hints) -> Value {
        date()
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        time_tuple()
    }
}

#[cfg(feature = "time")]
impl Component for time::Time {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        time_of_day(hints)
    }
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        time_tuple()
    }
}

/// Avro decimals have one scale for every value, rust_decimal has one per value: the field must
/// say which (`#[schemata(precision = P, scale = S)]`). The derive refuses a `Decimal` field
/// without it; a `Decimal` hidden behind an alias gets here without hints and stops loudly.
#[cfg(feature = "rust_decimal")]
impl Component for rust_decimal::Decimal {
    fn avro(_: &mut AvroCtx, hints: &Hints) -> Value {
        let Some((precision, scale)) = hints.decimal else {
            panic!(
                "schemata: a rust_decimal::Decimal field needs #[schemata(precision = P, scale = S)]"
            );
        };
        super::avro::decimal_bytes(precision, scale)
    }
    // rust_decimal's default serde representation is a string.
    fn json(_: &mut JsonCtx, _: &Hints) -> Value {
        json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"})
    }
}
