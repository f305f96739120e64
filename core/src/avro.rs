//! Avro: parsing (apache-avro), Parsing Canonical Form and Rabin fingerprint, the normalized form,
//! and our own compatibility engine following the specification's resolution rules as Java applies
//! them.
//! PLACEHOLDER: the avro helper replaces this file.

use crate::compat::Finding;
use crate::schema::{ParseError, ResolvedReference, SchemaType};

#[derive(Debug, Clone)]
pub struct AvroSchema {
    root: apache_avro::Schema,
}

impl AvroSchema {
    pub fn parse(text: &str, _references: &[ResolvedReference]) -> Result<AvroSchema, ParseError> {
        let root = apache_avro::Schema::parse_str(text).map_err(|e| ParseError::Invalid {
            schema_type: SchemaType::Avro,
            pointer: String::new(),
            message: e.to_string(),
        })?;
        Ok(AvroSchema { root })
    }

    pub fn normalized(&self) -> String {
        self.root.canonical_form()
    }
}

pub fn can_read(_reader: &AvroSchema, _writer: &AvroSchema) -> Vec<Finding> {
    Vec::new()
}
