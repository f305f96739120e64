//! Round trip of derived types through the client's Avro codec: a value encoded under the type's
//! derived schema decodes (through a resolution plan from that schema to itself) to the same value.
//! The encoded samples are also handed to fastavro by the interop test.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::avro::{Compiled, Plan};

/// One encoded value: its type's schema, its bytes, and, where Avro's JSON reading of the datum
/// is the same as serde_json's writing of the value, that JSON to compare with.
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) schema: &'static Value,
    pub(crate) bytes: Vec<u8>,
    pub(crate) json: Option<Value>,
}

/// Encodes `value`, decodes it back and compares; returns the sample or what went wrong.
fn sample<T: Schema + Serialize + DeserializeOwned>(
    value: T,
    same_json: bool,
) -> Result<Sample, String> {
    let name = T::full_name().to_owned();
    let schema = T::avro_schema();
    let compiled = Compiled::from_json(schema).map_err(|e| format!("{name}: compile: {e}"))?;
    let mut bytes = Vec::new();
    crate::avro::encode(&compiled, &value, &mut bytes)
        .map_err(|e| format!("{name}: encode: {e}"))?;
    let reader = Compiled::from_json(schema).map_err(|e| format!("{name}: compile: {e}"))?;
    let plan = Plan::new(Arc::new(compiled), &reader)
        .map_err(|e| format!("{name}: plan: {}", e.join("; ")))?;
    let decoded: T =
        crate::avro::decode(&plan, &bytes).map_err(|e| format!("{name}: decode: {e}"))?;
    let before = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    let after = serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
    if before != after {
        return Err(format!("{name}: decoded {after} from {before}"));
    }
    Ok(Sample { name, schema, bytes, json: same_json.then_some(before) })
}

fn address() -> Address {
    Address { street: "Main St 1".to_owned(), city: "Springfield".to_owned() }
}

/// Every sample that round trips, and every failure.
pub(crate) fn samples() -> (Vec<Sample>, Vec<String>) {
    let results = vec![
        sample(
            Primitives {
                flag: true,
                tiny: -8,
                small: 300,
                int: -70_000,
                long: 1 << 40,
                byte: 255,
                word: 65_535,
                dword: 4_000_000_000,
                ratio: 0.5,
                precise: 2.25,
                text: "héllo".to_owned(),
                letter: 'x',
                size: -1,
            },
            true,
        ),
        sample(Bytes { payload: vec![0, 255], digest: [7; 16], sha: [1; 32] }, false),
        sample(Optionals { nickname: None, scores: Some(vec![1, -2]), nested: None }, true),
        sample(
            Collections {
                tags: vec!["a".to_owned(), "b".to_owned()],
                counts: HashMap::from([("a".to_owned(), 1)]),
                buckets: BTreeMap::from([("b".to_owned(), vec![2, 3])]),
                unique: ["u".to_owned()].into(),
            },
            true,
        ),
        sample(Order { id: "o-1".to_owned(), shipping: address(), billing: address() }, true),
        sample(Tree { value: 1, children: vec![Tree { value: 2, children: Vec::new() }] }, true),
        sample(Linked { value: 1, next: Some(Box::new(Linked { value: 2, next: None })) }, true),
        sample(Color::Green, true),
        sample(Status::OutOfStock, true),
        sample(Currency::Other, true),
        sample(Payment::Cash, false),
        sample(Payment::Card(Card { last4: "4242".to_owned() }), false),
        sample(
            Payment::Transfer { iban: "DE00".to_owned(), reference: Some("r".to_owned()) },
            false,
        ),
        sample(MaybeShape { shape: Some(Shape::Square { side: 2.0 }) }, true),
        sample(MaybeShape { shape: None }, true),
        sample(OrderId("o-1".to_owned()), true),
        sample(Wrapped(address()), true),
        sample(Transparent { millis: 5 }, true),
        sample(WideIntegers { offset: 1, index: Some(2), huge: 3, signed: -4 }, false),
        // fastavro reads the uuid logical type as a UUID object, not the JSON string.
        sample(Ids { id: uuid::Uuid::from_u128(7), parent: None }, false),
        sample(
            Chrono {
                at: chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
                at_millis: chrono::DateTime::from_timestamp_millis(1_700_000_000_123).unwrap(),
                local: chrono::NaiveDateTime::default(),
                day: chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
                clock: chrono::NaiveTime::from_hms_micro_opt(12, 30, 1, 5).unwrap(),
                clock_millis: None,
            },
            false,
        ),
        sample(
            Time {
                at: time::OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000)
                    .unwrap(),
                // Within Python's datetime range: fastavro reads these samples too.
                local: time::PrimitiveDateTime::new(
                    time::Date::from_ordinal_date(1, 1).unwrap(),
                    time::Time::MIDNIGHT,
                ),
                day: time::Date::from_ordinal_date(2024, 60).unwrap(),
                clock: time::Time::from_hms_milli(12, 30, 1, 5).unwrap(),
            },
            false,
        ),
        sample(Money { amount: rust_decimal::Decimal::new(1234, 2), rate: None }, false),
        sample(Annotated { full_name: "Ada".to_owned() }, true),
        sample(
            CamelCase { first_name: "a".to_owned(), last_login_at: 1, id: "i".to_owned() },
            true,
        ),
        sample(
            Defaults {
                retries: 1,
                currency: "EUR".to_owned(),
                display_currency: "USD".to_owned(),
                limits: HashMap::new(),
                level: Some(3),
                blob: vec![1],
            },
            false,
        ),
        sample(ContainerDefault { host: "h".to_owned(), port: 1 }, true),
        sample(
            Flattened {
                id: "f".to_owned(),
                audit: Audit { created_by: "me".to_owned(), created_at: 1 },
            },
            true,
        ),
        sample(EnumFields::UserDeleted { user_id: "u".to_owned() }, false),
        sample(RawIdent { r#type: "t".to_owned() }, true),
        sample(VariantRenames::Large(address()), false),
        sample(
            RecordMap {
                by_city: BTreeMap::from([("x".to_owned(), address())]),
                fallback: address(),
            },
            true,
        ),
        sample(TwoFixed { a: [1, 2, 3, 4], b: [5, 6, 7, 8], c: Some([9; 8]) }, false),
        sample(
            NestedOptions {
                maybe_list: vec![None, Some("x".to_owned())],
                maybe_map: HashMap::from([("k".to_owned(), None)]),
            },
            true,
        ),
    ];
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for result in results {
        match result {
            Ok(sample) => samples.push(sample),
            Err(failure) => failures.push(failure),
        }
    }
    (samples, failures)
}

/// Where the client's codec (client/src/avro) does not yet handle a derived mapping, asserted
/// so that a fix shows up here and the gap is removed from this list: (type, error excerpt).
const CODEC_GAPS: &[(&str, &str)] = &[];

#[test]
fn derived_types_round_trip_through_the_avro_codec() {
    let (samples, failures) = samples();
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| {
            !CODEC_GAPS.iter().any(|(ty, excerpt)| f.starts_with(ty) && f.contains(excerpt))
        })
        .collect();
    assert!(unexpected.is_empty(), "round trips failed:\n{unexpected:#?}");
    let fixed: Vec<_> =
        CODEC_GAPS.iter().filter(|(ty, _)| !failures.iter().any(|f| f.starts_with(ty))).collect();
    assert!(fixed.is_empty(), "these now round trip; remove them from CODEC_GAPS: {fixed:?}");
    assert!(samples.len() >= 27, "only {} samples round trip", samples.len());
}
