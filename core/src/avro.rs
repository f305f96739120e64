//! Avro: parsing (our located validation walk, then apache-avro), the Parsing Canonical Form and
//! its Rabin fingerprint, the normalized form the registry de-duplicates on, and our own
//! compatibility engine following the specification's resolution rules as Java applies them.

mod canonical;
mod changes;
mod compat;
mod java_text;
mod model;
mod parse;

#[cfg(test)]
mod tests;

pub use self::changes::{AvroChange, field_changes};
pub use self::compat::{
    CHECK_BUDGET_EXCEEDED, FIXED_SIZE_MISMATCH, MISSING_ENUM_SYMBOLS, MISSING_UNION_BRANCH,
    NAME_MISMATCH, READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH,
};

use crate::budget::{Budget, BudgetExceeded};
use crate::compat::Finding;
use crate::schema::{ParseError, ResolvedReference, SchemaType};

/// The text of a valid Avro schema as Avro's Java `Schema.toString()` prints it: what Confluent
/// stores and returns for it (see `java_text.rs`). `None` if `text` is not JSON.
pub fn java_text(text: &str) -> Option<String> {
    java_text::java_text(text)
}

/// As [`java_text`], with the named types of the resolved `references` written in full at their
/// first use, so the text stands alone (Confluent's `format=resolved`).
pub fn java_text_resolved(text: &str, references: &[ResolvedReference]) -> Option<String> {
    java_text::java_text_resolved(text, references)
}

/// A parsed, valid Avro schema with the named types of its references.
#[derive(Debug, Clone)]
pub struct AvroSchema {
    /// Our resolved model: what the printers and the compatibility engine read.
    model: model::Model,
    /// apache-avro's view of the same schema, for encoding and decoding data.
    apache: apache_avro::Schema,
    /// apache-avro's view of the referenced schemas, whose named types `apache` uses by name.
    referenced: Vec<apache_avro::Schema>,
}

impl AvroSchema {
    /// Parses `text`. `references` come in dependency order; each is a schema whose named types
    /// the main schema (and later references) may use by name. Within the default work budget.
    pub fn parse(text: &str, references: &[ResolvedReference]) -> Result<AvroSchema, ParseError> {
        AvroSchema::parse_with_budget(text, references, &mut Budget::default())
    }

    /// As [`AvroSchema::parse`], spending steps from `budget`: one per JSON value of the text
    /// and the references, one per type and per default value checked.
    pub fn parse_with_budget(
        text: &str,
        references: &[ResolvedReference],
        budget: &mut Budget,
    ) -> Result<AvroSchema, ParseError> {
        let mut parser = parse::Parser::with_budget(std::mem::replace(budget, Budget::new(0)));
        let model = build_model(&mut parser, text, references);
        *budget = std::mem::replace(&mut parser.budget, Budget::new(0));
        // A spent budget is the reason, whatever the walk reported when it stopped.
        budget.result(crate::budget::PARSE)?;
        let model = model?;
        // apache-avro has the final word: what it refuses we cannot encode or decode with. Its
        // work is linear in the text, which the budget has already paid for value by value.
        let (apache, referenced) = apache_avro::Schema::parse_str_with_list(
            text,
            references.iter().map(|reference| reference.text.as_str()),
        )
        .map_err(|e| {
            let message = e.to_string();
            invalid(locate_apache_error(&model, &message).unwrap_or_default(), message)
        })?;
        Ok(AvroSchema { model, apache, referenced })
    }

    /// The normalized form used for lookup and de-duplication: full names, a fixed key order, no
    /// whitespace, `"string"` for `{"type":"string"}`, but keeping doc, defaults, aliases, order,
    /// logical types and custom properties. Types from references are written by name.
    pub fn normalized(&self) -> String {
        canonical::normalized_form(&self.model)
    }

    /// The specification's Parsing Canonical Form (named types from references inlined at first
    /// use, so that it stands alone).
    pub fn canonical_form(&self) -> String {
        canonical::canonical_form(&self.model)
    }

    /// The 64-bit Rabin fingerprint (CRC-64-AVRO) of the Parsing Canonical Form. Java's
    /// `SchemaNormalization.parsingFingerprint64` returns the same bits as a signed long.
    pub fn fingerprint(&self) -> u64 {
        canonical::rabin(self.canonical_form().as_bytes())
    }

    /// apache-avro's parsed schema, for encoding and decoding data.
    pub fn apache_schema(&self) -> &apache_avro::Schema {
        &self.apache
    }

    /// apache-avro's parsed referenced schemas, whose named types [`AvroSchema::apache_schema`]
    /// uses by name (`Schema::Ref`); pass them along when resolving or decoding.
    pub fn referenced_schemas(&self) -> &[apache_avro::Schema] {
        &self.referenced
    }

    /// The referenced schemas in dependency order, then the schema itself: every named type it
    /// can use, in the order apache-avro's `ResolvedSchema::new_with_schemata` needs (it resolves
    /// front to back, so a schema must come after what it uses).
    pub fn schemata(&self) -> Vec<&apache_avro::Schema> {
        self.referenced.iter().chain(std::iter::once(&self.apache)).collect()
    }
}

/// apache-avro's errors carry no location; the ones about defaults name the field and the record
/// (``field `f` in `com.acme.R` ``), which is enough to point at the default in our model.
fn locate_apache_error(model: &model::Model, message: &str) -> Option<String> {
    let (_, rest) = message.split_once("field `")?;
    let (field, rest) = rest.split_once('`')?;
    let (_, rest) = rest.split_once(" in `")?;
    let (record, _) = rest.split_once('`')?;
    model.nodes.iter().find_map(|node| {
        let named =
            node.named.as_ref().filter(|named| !named.external && named.full_name == record)?;
        let model::Kind::Record { fields, .. } = &node.kind else { return None };
        let index = fields.iter().position(|f| f.name == field)?;
        Some(format!("{}/fields/{index}/default", named.pointer))
    })
}

/// Our walk over the references and then the text, into the model.
fn build_model(
    parser: &mut parse::Parser,
    text: &str,
    references: &[ResolvedReference],
) -> Result<model::Model, ParseError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ParseError::from_json(&e))?;
    for reference in references {
        let referenced: serde_json::Value = serde_json::from_str(&reference.text).map_err(|e| {
            invalid(
                String::new(),
                format!("referenced schema '{}' is not valid JSON: {e}", reference.name),
            )
        })?;
        if !parser.budget.spend(crate::budget::json_values(&referenced)) {
            return Err(invalid(String::new(), parse::BUDGET_SPENT.to_owned()));
        }
        parser.parse_reference(&referenced).map_err(|located| {
            invalid(
                located.pointer,
                format!("in referenced schema '{}': {}", reference.name, located.message),
            )
        })?;
    }
    if !parser.budget.spend(crate::budget::json_values(&value)) {
        return Err(invalid(String::new(), parse::BUDGET_SPENT.to_owned()));
    }
    parser.finish(&value).map_err(|located| invalid(located.pointer, located.message))
}

fn invalid(pointer: String, message: String) -> ParseError {
    ParseError::Invalid { schema_type: SchemaType::Avro, pointer, message }
}

/// Every reason `reader` cannot read data written with `writer` (empty = compatible), each with a
/// stable rule id and a JSON pointer into the reader schema as written.
pub fn can_read(reader: &AvroSchema, writer: &AvroSchema) -> Vec<Finding> {
    compat::can_read(&reader.model, &writer.model)
}

/// As [`can_read`], spending steps from `budget` (which may be shared with other checks); `Err`
/// when it runs out, since a partial check could miss an incompatibility.
pub fn can_read_with_budget(
    reader: &AvroSchema,
    writer: &AvroSchema,
    budget: &mut Budget,
) -> Result<Vec<Finding>, BudgetExceeded> {
    compat::can_read_with_budget(&reader.model, &writer.model, budget)
}
