//! One `Schema` type for every schema language, tagged with its `SchemaType`, plus reference
//! resolution. The caller supplies the lookup for referenced schemas: core does no I/O.

use std::collections::HashSet;
use std::fmt;

use sha2::Digest as _;

use crate::budget::{self, Budget, BudgetExceeded};
use crate::{avro, json_schema, protobuf};

/// The schema languages of the Confluent API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SchemaType {
    #[default]
    Avro,
    Json,
    Protobuf,
}

impl SchemaType {
    /// The name used in the REST API and in `_schemas` records.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Json => "JSON",
            SchemaType::Protobuf => "PROTOBUF",
        }
    }

    /// Parses the REST/record spelling. Confluent compares case-insensitively.
    pub fn parse(name: &str) -> Option<SchemaType> {
        match name.to_ascii_uppercase().as_str() {
            "AVRO" => Some(SchemaType::Avro),
            "JSON" => Some(SchemaType::Json),
            "PROTOBUF" => Some(SchemaType::Protobuf),
            _ => None,
        }
    }

    /// Reads the optional `schemaType` of a REST body or `_schemas` record. The one place the
    /// rule is written: absent means AVRO. `None` for a name that is no schema type.
    pub fn from_optional(name: Option<&str>) -> Option<SchemaType> {
        name.map_or(Some(SchemaType::Avro), SchemaType::parse)
    }

    /// The optional `schemaType` to write: AVRO is left out, as Confluent writes it.
    pub fn to_optional(self) -> Option<&'static str> {
        (self != SchemaType::Avro).then(|| self.as_str())
    }

    /// Every schema type, in the order files are looked for.
    pub const ALL: [SchemaType; 3] = [SchemaType::Avro, SchemaType::Json, SchemaType::Protobuf];

    /// The extension of a schema file of this type, without the dot: `avsc`, `json`, `proto`.
    pub fn extension(self) -> &'static str {
        match self {
            SchemaType::Avro => "avsc",
            SchemaType::Json => "json",
            SchemaType::Protobuf => "proto",
        }
    }

    /// The type of a schema file by its extension (without the dot); the one place the CLI's
    /// commands learn it.
    pub fn from_extension(extension: &str) -> Option<SchemaType> {
        SchemaType::ALL.into_iter().find(|t| t.extension() == extension)
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reference from one schema to another registered schema: `name` is how the referencing schema
/// spells it (an Avro full name, a JSON Schema `$ref` URL), `subject`/`version` where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaReference {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// What the caller's lookup returns for a reference: the referenced schema's own text, type and
/// references (which are resolved in turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencedSchema {
    pub schema_type: SchemaType,
    pub text: String,
    pub references: Vec<SchemaReference>,
}

/// A referenced schema after resolution, in dependency order (a schema comes after everything it
/// references), as handed to the language engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedReference {
    pub name: String,
    pub schema_type: SchemaType,
    pub text: String,
}

/// How deep references may nest before parsing gives up (Confluent has no limit; a cycle or a very
/// deep chain is a request we refuse rather than a stack we overflow).
pub const DEFAULT_MAX_REFERENCE_DEPTH: usize = 32;

/// Why a schema could not be parsed. Every variant says what and, where the text allows, where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("invalid {schema_type} schema at '{pointer}': {message}")]
    Invalid { schema_type: SchemaType, pointer: String, message: String },
    #[error("reference '{name}' to subject '{subject}' version {version} was not found")]
    ReferenceNotFound { name: String, subject: String, version: i32 },
    #[error("reference '{name}' has schema type {found} but {expected} was expected")]
    ReferenceTypeMismatch { name: String, expected: SchemaType, found: SchemaType },
    #[error("references form a cycle through subject '{subject}' version {version}")]
    ReferenceCycle { subject: String, version: i32 },
    #[error("references nest deeper than {max_depth} levels")]
    ReferenceTooDeep { max_depth: usize },
    #[error("invalid PROTOBUF schema{}: {message}", protobuf_location(file, *line, *column))]
    Protobuf { file: String, line: Option<usize>, column: Option<usize>, message: String },
    #[error("schema type {0} is not supported")]
    Unsupported(SchemaType),
    /// The parse (with its references) needed more work than its budget allows.
    #[error(transparent)]
    BudgetExceeded(#[from] BudgetExceeded),
}

/// ` in 'file' at line:column`, as far as it is known.
fn protobuf_location(file: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" in '{file}' at line {line} column {column}"),
        (Some(line), None) => format!(" in '{file}' at line {line}"),
        _ => format!(" in '{file}'"),
    }
}

impl ParseError {
    /// Turns a serde_json error into a located parse error.
    pub(crate) fn from_json(err: &serde_json::Error) -> ParseError {
        ParseError::Json { line: err.line(), column: err.column(), message: err.to_string() }
    }
}

#[derive(Debug, Clone)]
enum Parsed {
    Avro(avro::AvroSchema),
    Json(json_schema::JsonSchema),
    Protobuf(protobuf::ProtobufSchema),
}

/// A parsed, valid schema of any supported language, with its references resolved.
#[derive(Debug, Clone)]
pub struct Schema {
    schema_type: SchemaType,
    text: String,
    references: Vec<SchemaReference>,
    parsed: Parsed,
    normalized: String,
    /// The identity text when it is not the normalized form (JSON Schema's canonical string).
    identity: Option<String>,
}

impl Schema {
    /// Parses a schema that has no references.
    pub fn parse(schema_type: SchemaType, text: &str) -> Result<Schema, ParseError> {
        Schema::parse_with_references(schema_type, text, &[], &mut |_| None)
    }

    /// Parses a schema, resolving its references (transitively) through `lookup`.
    pub fn parse_with_references(
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        lookup: &mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>,
    ) -> Result<Schema, ParseError> {
        Schema::parse_with_limits(
            schema_type,
            text,
            references,
            lookup,
            DEFAULT_MAX_REFERENCE_DEPTH,
        )
    }

    /// As [`Schema::parse_with_references`] with an explicit reference depth limit, within the
    /// default work budget.
    pub fn parse_with_limits(
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        lookup: &mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>,
        max_reference_depth: usize,
    ) -> Result<Schema, ParseError> {
        Schema::parse_with_budget(
            schema_type,
            text,
            references,
            lookup,
            max_reference_depth,
            &mut Budget::default(),
        )
    }

    /// Confluent's `format=resolved` of an Avro schema: its text as Java prints it with the
    /// named types of its references (resolved transitively through `lookup`) written in full at
    /// their first use, so it stands alone. For a schema that was registered (its references
    /// resolve); the errors are those of parsing.
    pub fn resolved_avro_text(
        text: &str,
        references: &[SchemaReference],
        lookup: &mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>,
    ) -> Result<String, ParseError> {
        let mut resolved = Vec::new();
        let mut budget = Budget::unlimited();
        let mut resolver = Resolver {
            lookup,
            max_depth: DEFAULT_MAX_REFERENCE_DEPTH,
            on_path: HashSet::new(),
            done: HashSet::new(),
            out: &mut resolved,
            budget: &mut budget,
        };
        resolver.resolve_all(SchemaType::Avro, references, 1)?;
        avro::java_text_resolved(text, &resolved).ok_or_else(|| ParseError::Invalid {
            schema_type: SchemaType::Avro,
            pointer: String::new(),
            message: "not JSON".to_owned(),
        })
    }

    /// As [`Schema::parse_with_limits`], spending steps from `budget`: one per reference looked
    /// up, then what the language's parser spends on the text and every referenced text. Past
    /// the budget: [`ParseError::BudgetExceeded`], which names the limit.
    pub fn parse_with_budget(
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        lookup: &mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>,
        max_reference_depth: usize,
        budget: &mut Budget,
    ) -> Result<Schema, ParseError> {
        let mut resolved = Vec::new();
        let mut resolver = Resolver {
            lookup,
            max_depth: max_reference_depth,
            on_path: HashSet::new(),
            done: HashSet::new(),
            out: &mut resolved,
            budget,
        };
        resolver.resolve_all(schema_type, references, 1)?;
        let parsed = match schema_type {
            SchemaType::Avro => {
                Parsed::Avro(avro::AvroSchema::parse_with_budget(text, &resolved, budget)?)
            }
            SchemaType::Json => {
                Parsed::Json(json_schema::JsonSchema::parse_with_budget(text, &resolved, budget)?)
            }
            SchemaType::Protobuf => Parsed::Protobuf(protobuf::ProtobufSchema::parse_with_budget(
                text, &resolved, budget,
            )?),
        };
        let normalized = match &parsed {
            Parsed::Avro(s) => s.normalized(),
            Parsed::Json(s) => s.normalized(),
            Parsed::Protobuf(s) => s.normalized(),
        };
        let identity = match &parsed {
            Parsed::Json(s) => Some(s.canonical()),
            Parsed::Avro(_) | Parsed::Protobuf(_) => None,
        };
        Ok(Schema {
            schema_type,
            text: text.to_owned(),
            references: references.to_vec(),
            parsed,
            normalized,
            identity,
        })
    }

    pub fn schema_type(&self) -> SchemaType {
        self.schema_type
    }

    /// The text exactly as it was given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text a registry stores for a new id when not normalizing, as Confluent stores its
    /// `canonicalString`: for Avro what Java's `Schema.toString()` prints (compact, Java's key
    /// order, redundant namespaces dropped), for JSON Schema compact JSON with the keys in the
    /// order given; Protobuf text as given.
    pub fn canonical_text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self.schema_type {
            SchemaType::Avro => {
                avro::java_text(&self.text).map_or(Cow::Borrowed(&*self.text), Cow::Owned)
            }
            SchemaType::Json | SchemaType::Protobuf => Cow::Borrowed(&self.text),
        }
    }

    pub fn references(&self) -> &[SchemaReference] {
        &self.references
    }

    /// The normalized form (what `normalize=true` stores and de-duplicates by; without it, see
    /// [`Schema::identity`]): schemas that differ only in the way they are written (whitespace,
    /// key order, `{"type":"string"}` vs `"string"`, short vs full names) normalize to the same
    /// text. Unlike the Avro Parsing Canonical Form it keeps what
    /// readers see: docs, defaults, aliases, logical types and custom properties.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The text identity is decided on when `normalize` is off: two schemas are the same
    /// schema (one id) when these agree. As in Confluent, that is the normalized form for Avro
    /// and Protobuf, whose canonical strings already ignore how the text is written, and for
    /// JSON Schema the canonical string (compact JSON, keys in the order given), so
    /// `{"type":["string"]}` and `{"type":"string"}` are two schemas until normalized.
    pub fn identity(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.normalized)
    }

    /// MD5 of the identity text and the references: a stable content hash.
    pub fn md5(&self) -> [u8; 16] {
        let mut hasher = md5::Md5::new();
        self.hash_into(&mut hasher, self.identity());
        hasher.finalize().into()
    }

    /// SHA-256 of the identity text and the references: the content hash schemas are
    /// de-duplicated by when `normalize` is off.
    pub fn sha256(&self) -> [u8; 32] {
        let mut hasher = sha2::Sha256::new();
        self.hash_into(&mut hasher, self.identity());
        hasher.finalize().into()
    }

    /// SHA-256 of the normalized form and the references: the content hash with `normalize`
    /// on. It is the [`Schema::sha256`] of the normalized text parsed again (the normalized
    /// form is its own identity), so a schema stored normalized is found either way.
    pub fn normalized_sha256(&self) -> [u8; 32] {
        let mut hasher = sha2::Sha256::new();
        self.hash_into(&mut hasher, &self.normalized);
        hasher.finalize().into()
    }

    fn hash_into(&self, hasher: &mut impl sha2::Digest, text: &str) {
        hasher.update(self.schema_type.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        for reference in &self.references {
            hasher.update([0]);
            hasher.update(reference.name.as_bytes());
            hasher.update([0]);
            hasher.update(reference.subject.as_bytes());
            hasher.update([0]);
            hasher.update(reference.version.to_be_bytes());
        }
    }

    pub fn as_avro(&self) -> Option<&avro::AvroSchema> {
        match &self.parsed {
            Parsed::Avro(s) => Some(s),
            Parsed::Json(_) | Parsed::Protobuf(_) => None,
        }
    }

    pub fn as_json(&self) -> Option<&json_schema::JsonSchema> {
        match &self.parsed {
            Parsed::Json(s) => Some(s),
            Parsed::Avro(_) | Parsed::Protobuf(_) => None,
        }
    }

    pub fn as_protobuf(&self) -> Option<&protobuf::ProtobufSchema> {
        match &self.parsed {
            Parsed::Protobuf(s) => Some(s),
            Parsed::Avro(_) | Parsed::Json(_) => None,
        }
    }
}

/// Depth-first resolution of references into dependency order, refusing cycles and deep chains.
struct Resolver<'a> {
    lookup: &'a mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>,
    max_depth: usize,
    on_path: HashSet<(String, i32)>,
    done: HashSet<(String, i32)>,
    out: &'a mut Vec<ResolvedReference>,
    /// A step per reference looked up: a wide, deep graph of references is many lookups.
    budget: &'a mut Budget,
}

impl Resolver<'_> {
    fn resolve_all(
        &mut self,
        expected: SchemaType,
        references: &[SchemaReference],
        depth: usize,
    ) -> Result<(), ParseError> {
        if references.is_empty() {
            return Ok(());
        }
        if depth > self.max_depth {
            return Err(ParseError::ReferenceTooDeep { max_depth: self.max_depth });
        }
        for reference in references {
            let key = (reference.subject.clone(), reference.version);
            if !self.budget.spend(1) {
                return Err(self.budget.exceeded(budget::PARSE).into());
            }
            if self.done.contains(&key) {
                continue;
            }
            if !self.on_path.insert(key.clone()) {
                return Err(ParseError::ReferenceCycle {
                    subject: reference.subject.clone(),
                    version: reference.version,
                });
            }
            let found = (self.lookup)(reference).ok_or_else(|| ParseError::ReferenceNotFound {
                name: reference.name.clone(),
                subject: reference.subject.clone(),
                version: reference.version,
            })?;
            if found.schema_type != expected {
                return Err(ParseError::ReferenceTypeMismatch {
                    name: reference.name.clone(),
                    expected,
                    found: found.schema_type,
                });
            }
            self.resolve_all(expected, &found.references, depth + 1)?;
            self.on_path.remove(&key);
            self.done.insert(key);
            self.out.push(ResolvedReference {
                name: reference.name.clone(),
                schema_type: found.schema_type,
                text: found.text,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SchemaType;

    #[test]
    fn file_extensions_name_types_both_ways() {
        #[track_caller]
        fn check(extension: &str, expected: Option<SchemaType>) {
            assert_eq!(SchemaType::from_extension(extension), expected, "{extension}");
            if let Some(schema_type) = expected {
                assert_eq!(schema_type.extension(), extension);
            }
        }
        check("avsc", Some(SchemaType::Avro));
        check("json", Some(SchemaType::Json));
        check("proto", Some(SchemaType::Protobuf));
        check("AVSC", None);
        check("avro", None);
        check("", None);
    }
}
