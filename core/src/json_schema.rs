//! JSON Schema: parsing (drafts 4, 6, 7, 2019-09, 2020-12), the canonical string identity is
//! decided on and the normalized form `normalize=true` uses, validation of documents with the `jsonschema` crate, and the compatibility
//! engine, a typed structural diff whose change kinds are classified per policy.
//!
//! Paths in changes and findings are JSON pointers in URI-fragment form (`#/properties/a`), the
//! spelling Confluent's messages use, so users can paste them between the two.

mod diff;
mod model;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde_json::Value;

use crate::budget::{Budget, BudgetExceeded};
use crate::compat::{Finding, JsonPolicy};
use crate::schema::{ParseError, ResolvedReference, SchemaType};

pub use diff::{Change, ChangeKind, diff, diff_with_budget, diff_with_policy, is_compatible};
pub use model::Draft;

use model::Documents;

/// A parsed, valid JSON Schema with its referenced schemas, and its validator compiled once.
#[derive(Debug, Clone)]
pub struct JsonSchema {
    documents: Arc<Documents>,
    validator: Arc<jsonschema::Validator>,
}

/// One reason a document is not valid under a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("at '{instance_path}': {message}")]
pub struct ValidationError {
    /// JSON pointer into the validated document (`""` is the whole document).
    pub instance_path: String,
    /// JSON pointer into the schema, to the keyword that failed.
    pub schema_path: String,
    pub message: String,
}

impl JsonSchema {
    /// Parses `text`, with `references` (in dependency order) available to `$ref` under their
    /// names. The schema is checked against its draft's meta-schema, every `$ref` must resolve,
    /// and the validator is compiled here so invalid schemas are refused at registration.
    /// Within the default work budget.
    pub fn parse(text: &str, references: &[ResolvedReference]) -> Result<JsonSchema, ParseError> {
        JsonSchema::parse_with_budget(text, references, &mut Budget::default())
    }

    /// As [`JsonSchema::parse`], spending steps from `budget`: one per JSON value of the text
    /// and the references, and per document searched when a `$ref` is resolved.
    pub fn parse_with_budget(
        text: &str,
        references: &[ResolvedReference],
        budget: &mut Budget,
    ) -> Result<JsonSchema, ParseError> {
        let root: Value = serde_json::from_str(text).map_err(|e| ParseError::from_json(&e))?;
        let mut values = crate::budget::json_values(&root);
        let mut referenced = Vec::with_capacity(references.len());
        for reference in references {
            let value: Value = serde_json::from_str(&reference.text).map_err(|e| {
                invalid(
                    "",
                    format!("referenced schema '{}' is not valid JSON: {e}", reference.name),
                )
            })?;
            values = values.saturating_add(crate::budget::json_values(&value));
            referenced.push((reference.name.clone(), value));
        }
        // Indexing, the meta-schema check, compiling and normalizing are each a pass over the
        // values; resolving the `$ref`s is paid for as it goes.
        budget.spend(values);
        budget.result(crate::budget::PARSE)?;
        let documents = Documents::new(root, referenced, budget);
        budget.result(crate::budget::PARSE)?;
        let documents = documents.map_err(|e| invalid(&e.pointer, e.message))?;
        let validator = compile(&documents)?;
        Ok(JsonSchema { documents: Arc::new(documents), validator: Arc::new(validator) })
    }

    /// The draft the root schema is written in (`$schema`; draft 7 when absent).
    pub fn draft(&self) -> Draft {
        self.documents.root_draft()
    }

    /// The root schema as parsed.
    pub fn value(&self) -> &Value {
        self.documents.root_value()
    }

    /// Deterministic text for de-duplication with `normalize=true`: object keys sorted at every level, no whitespace,
    /// and the spellings that mean the same thing unified (`"type": ["string"]` is
    /// `"type": "string"`, `type` and `required` lists sorted and de-duplicated). Values that are
    /// data rather than schema (`enum`, `const`, `default`, `examples`) keep their arrays as
    /// written, because their order can be meaningful to readers.
    pub fn normalized(&self) -> String {
        let normalized = normalize(self.documents.root_value(), true);
        // Serializing a `Value` cannot fail: every key is a string and numbers are finite.
        serde_json::to_string(&normalized).unwrap_or_default()
    }

    /// Confluent's canonical string of the schema: the parsed JSON written compactly, object
    /// keys in the order given. Schemas are the same schema (one id) without `normalize` when
    /// these agree, as in Confluent, which keys its lookup on the MD5 of this string.
    pub fn canonical(&self) -> String {
        // Serializing a `Value` cannot fail: every key is a string and numbers are finite.
        serde_json::to_string(self.documents.root_value()).unwrap_or_default()
    }

    /// Validates `document`, returning every error (not only the first).
    pub fn validate(&self, document: &Value) -> Result<(), Vec<ValidationError>> {
        let errors: Vec<ValidationError> = self
            .validator
            .iter_errors(document)
            .map(|error| ValidationError {
                instance_path: error.instance_path().as_str().to_owned(),
                schema_path: error.schema_path().as_str().to_owned(),
                message: error.to_string(),
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Whether `document` is valid, without collecting errors (the serializer's fast path).
    pub fn is_valid(&self, document: &Value) -> bool {
        self.validator.is_valid(document)
    }

    pub(crate) fn documents(&self) -> &Documents {
        &self.documents
    }
}

/// Every reason `reader` (the update) cannot read data valid under `writer` (the original): the
/// incompatible changes of the diff from writer to reader under `policy`. Within the default
/// work budget; past it, a `CHECK_BUDGET_EXCEEDED` finding says so.
pub fn can_read(reader: &JsonSchema, writer: &JsonSchema, policy: JsonPolicy) -> Vec<Finding> {
    findings(diff_with_policy(writer, reader, policy), policy)
}

/// As [`can_read`], spending steps from `budget`; `Err` when it runs out.
pub fn can_read_with_budget(
    reader: &JsonSchema,
    writer: &JsonSchema,
    policy: JsonPolicy,
    budget: &mut Budget,
) -> Result<Vec<Finding>, BudgetExceeded> {
    Ok(findings(diff_with_budget(writer, reader, policy, budget)?, policy))
}

fn findings(changes: Vec<Change>, policy: JsonPolicy) -> Vec<Finding> {
    changes
        .into_iter()
        .filter(|change| !is_compatible(change.kind, policy))
        .map(|change| Finding {
            rule: change.kind.as_str(),
            path: change.path,
            message: change.message,
        })
        .collect()
}

fn invalid(pointer: &str, message: String) -> ParseError {
    ParseError::Invalid { schema_type: SchemaType::Json, pointer: pointer.to_owned(), message }
}

/// Builds the validator with every referenced document registered as a resource, offline: a
/// `$ref` that is neither local nor a registered reference is an error, never a fetch.
fn compile(documents: &Documents) -> Result<jsonschema::Validator, ParseError> {
    let mut resources = Vec::new();
    for (uri, value, draft) in documents.resources() {
        resources.push((uri, draft.to_jsonschema().create_resource(value.clone())));
    }
    let registry = jsonschema::Registry::new()
        .extend(resources)
        .and_then(|builder| builder.prepare())
        .map_err(|e| invalid("", format!("references cannot be registered: {e}")))?;
    let root = documents.root_value();
    let mut options = jsonschema::options()
        .with_draft(documents.root_draft().to_jsonschema())
        .with_registry(&registry);
    if let Some(base) = documents.root_base_uri() {
        options = options.with_base_uri(base);
    }
    options.build(root).map_err(|error| {
        let pointer = error.instance_path().as_str().to_owned();
        invalid(&pointer, error.to_string())
    })
}

/// The normalized copy of a schema value; `schema` says whether `value` is in a schema position
/// (where `type`/`required` may be rewritten) or is data.
fn normalize(value: &Value, schema: bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::with_capacity(map.len());
            for key in keys {
                let Some(child) = map.get(key) else { continue };
                let child_is_schema =
                    schema && !matches!(key.as_str(), "enum" | "const" | "default" | "examples");
                let normalized = match (schema, key.as_str(), child) {
                    (true, "type", Value::Array(types)) => normalize_type(types),
                    (true, "required", Value::Array(names)) => sorted_unique(names),
                    _ => normalize(child, child_is_schema),
                };
                out.insert(key.clone(), normalized);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, schema)).collect()),
        other => other.clone(),
    }
}

fn normalize_type(types: &[Value]) -> Value {
    match sorted_unique(types) {
        Value::Array(mut list) if list.len() == 1 => list.pop().unwrap_or(Value::Null),
        other => other,
    }
}

fn sorted_unique(values: &[Value]) -> Value {
    let mut list: Vec<Value> = values.to_vec();
    list.sort_by_key(|v| v.to_string());
    list.dedup();
    Value::Array(list)
}
