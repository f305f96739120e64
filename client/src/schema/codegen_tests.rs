//! `include_schema!` round trip: for every file in `schemas/`, the type generated from the file
//! derives a schema equal to the file's: for Avro in the Parsing Canonical Form (core's) and the
//! normalized form, for JSON Schema as JSON values.

use std::path::Path;

use crate::Schema;
use schemata_core::SchemaType;

mod orders_v1 {
    crate::include_schema!("../schemas/orders-value/v1.avsc");
}
mod orders_v2 {
    crate::include_schema!("../schemas/orders-value/v2.avsc");
}
mod orders_v3 {
    crate::include_schema!("../schemas/orders-value/v3.avsc");
}
mod payments_v1 {
    crate::include_schema!("../schemas/payments-value/v1.avsc");
}
mod payments_v2 {
    crate::include_schema!("../schemas/payments-value/v2.avsc");
}
mod users_v1 {
    crate::include_schema!("../schemas/users-value/v1.avsc");
}
mod users_v2 {
    crate::include_schema!("../schemas/users-value/v2.avsc");
}
mod clickstream_v1 {
    crate::include_schema!("../schemas/clickstream-value/v1.avsc");
}
mod clickstream_v2 {
    crate::include_schema!("../schemas/clickstream-value/v2.avsc");
}
mod clickstream_v3 {
    crate::include_schema!("../schemas/clickstream-value/v3.avsc");
}
mod clickstream_json_v1 {
    crate::include_schema!("../schemas/clickstream-json-value/v1.json");
}
mod clickstream_json_v2 {
    crate::include_schema!("../schemas/clickstream-json-value/v2.json");
}
mod customers_v1 {
    crate::include_schema!("../schemas/customers-json-value/v1.json");
}
mod customers_v2 {
    crate::include_schema!("../schemas/customers-json-value/v2.json");
}

/// (file under `schemas/`, the generated root type's JSON Schema)
fn generated_json() -> Vec<(&'static str, &'static serde_json::Value)> {
    vec![
        ("clickstream-json-value/v1.json", clickstream_json_v1::PageView::json_schema()),
        ("clickstream-json-value/v2.json", clickstream_json_v2::PageView::json_schema()),
        ("customers-json-value/v1.json", customers_v1::Customer::json_schema()),
        ("customers-json-value/v2.json", customers_v2::Customer::json_schema()),
    ]
}

#[test]
fn generated_types_derive_the_json_schema_file() {
    for (file, derived) in generated_json() {
        let text = std::fs::read_to_string(schemas_dir().join(file)).unwrap();
        let from_file: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(derived, &from_file, "{file}: derived JSON Schema differs");
    }
}

/// (file under `schemas/`, the generated root type's schema)
pub(crate) fn generated() -> Vec<(&'static str, &'static serde_json::Value)> {
    vec![
        ("orders-value/v1.avsc", orders_v1::com::acme::orders::Order::avro_schema()),
        ("orders-value/v2.avsc", orders_v2::com::acme::orders::Order::avro_schema()),
        ("orders-value/v3.avsc", orders_v3::com::acme::orders::Order::avro_schema()),
        ("payments-value/v1.avsc", payments_v1::com::acme::payments::Payment::avro_schema()),
        ("payments-value/v2.avsc", payments_v2::com::acme::payments::Payment::avro_schema()),
        ("users-value/v1.avsc", users_v1::com::acme::users::User::avro_schema()),
        ("users-value/v2.avsc", users_v2::com::acme::users::User::avro_schema()),
        (
            "clickstream-value/v1.avsc",
            clickstream_v1::com::acme::clickstream::ClickEvent::avro_schema(),
        ),
        (
            "clickstream-value/v2.avsc",
            clickstream_v2::com::acme::clickstream::ClickEvent::avro_schema(),
        ),
        (
            "clickstream-value/v3.avsc",
            clickstream_v3::com::acme::clickstream::ClickEvent::avro_schema(),
        ),
    ]
}

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn parse(text: &str, what: &str) -> schemata_core::Schema {
    schemata_core::Schema::parse(SchemaType::Avro, text)
        .unwrap_or_else(|err| panic!("{what} does not parse: {err}"))
}

#[test]
fn generated_types_derive_the_file_schema() {
    for (file, derived) in generated() {
        let text = std::fs::read_to_string(schemas_dir().join(file)).unwrap();
        let from_file = parse(&text, file);
        let from_type = parse(&derived.to_string(), &format!("the type generated from {file}"));
        let canonical = |s: &schemata_core::Schema| s.as_avro().unwrap().canonical_form();
        assert_eq!(canonical(&from_type), canonical(&from_file), "{file}: canonical forms differ");
        // Stronger than the canonical form: docs, defaults and logical types survive too.
        assert_eq!(
            from_type.normalized(),
            from_file.normalized(),
            "{file}: normalized forms differ"
        );
    }
}

#[test]
fn every_schema_file_is_round_tripped() {
    let mut files = Vec::new();
    for subject in std::fs::read_dir(schemas_dir()).unwrap() {
        let subject = subject.unwrap().path();
        if !subject.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&subject).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "avsc" || e == "json") {
                let relative = file.strip_prefix(schemas_dir()).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    let mut covered: Vec<String> = generated().iter().map(|(f, _)| (*f).to_owned()).collect();
    covered.extend(generated_json().iter().map(|(f, _)| (*f).to_owned()));
    covered.sort();
    assert_eq!(covered, files, "add an include_schema! case for every file in schemas/");
}

#[test]
fn generated_values_use_schema_defaults() {
    let user: users_v2::com::acme::users::User = serde_json::from_str(
        r#"{"user_id": 7, "email": "a@example.com", "display_name": "A", "birth_date": null}"#,
    )
    .unwrap();
    assert_eq!(user.locale, "en");
    assert!(!user.email_verified);
    assert!(user.tags.is_empty());
    let customer: customers_v2::Customer = serde_json::from_str(
        r#"{"customerId": "00000000-0000-0000-0000-000000000007", "name": "A", "email": "a@x",
            "tier": "gold", "addresses": [], "loyaltyPoints": 3, "signedUp": "2024-02-29"}"#,
    )
    .unwrap();
    assert!(!customer.marketing_opt_in && customer.phone.is_none());
    assert_eq!(customer.tier, customers_v2::Tier::gold);
    let status = orders_v3::com::acme::orders::OrderStatus::Refunded;
    assert_eq!(serde_json::to_string(&status).unwrap(), r#""REFUNDED""#);
}
