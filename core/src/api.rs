//! Request and response bodies of the Confluent Schema Registry REST API v1, shared by the server
//! and the client so that both sides agree byte for byte. Absent/empty fields are omitted, as
//! Confluent does; unknown request fields are ignored, as Confluent's Jackson setup does.

use serde::{Deserialize, Serialize};

pub use crate::contract::{Metadata, Rule, RuleSet};

/// The content type Confluent answers with.
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A reference as it appears in request and response bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaReference {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// `POST /subjects/{s}/versions` and `POST /subjects/{s}` (lookup) and the compatibility
/// endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterSchemaRequest {
    pub schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<SchemaReference>,
    /// Only honoured in IMPORT mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Only honoured in IMPORT mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The data contract's metadata; absent: inherited from the previous version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The data contract's rules; absent: inherited from the previous version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSet>,
}

/// Answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterSchemaResponse {
    pub id: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// The schema's GUID (Confluent 8), which GUID-framing serializers write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// A schema version under a subject: `GET /subjects/{s}/versions/{v}`, lookup, `GET /schemas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectSchema {
    pub subject: String,
    pub version: i32,
    pub id: i32,
    /// Omitted for AVRO, as Confluent does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<SchemaReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSet>,
    pub schema: String,
    /// The schema's GUID (Confluent 8); absent from older registries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// `GET /schemas/ids/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaById {
    pub schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<SchemaReference>,
    /// The schema's GUID (Confluent 8); absent from older registries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSet>,
    /// Present when `fetchMaxId=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_id: Option<i32>,
}

/// `GET /schemas/guids/{guid}/ids` items: the id a GUID has in a context (`.` is the default
/// context).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextId {
    pub context: String,
    pub id: i32,
}

/// `GET /schemas/ids/{id}/versions` items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectVersion {
    pub subject: String,
    pub version: i32,
}

/// Answer of the compatibility endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompatibilityCheckResponse {
    pub is_compatible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<String>>,
    /// schemata's own, only when asked with `contractChanges=true`: how the data contract would
    /// change from the newest compared version. Never in `messages`, which Confluent's clients
    /// read as incompatibilities, and never unasked, as Jackson refuses unknown fields there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_changes: Option<Vec<crate::contract::ContractChange>>,
}

/// `PUT /config` and `PUT /config/{s}` request, echoed as the answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize: Option<bool>,
    /// The compatibility policy, STRICT or LENIENT (Confluent 8's `compatibilityPolicy`; the
    /// `jsonPolicy` spelling schemata used before is still accepted).
    #[serde(
        default,
        rename = "compatibilityPolicy",
        alias = "jsonPolicy",
        skip_serializing_if = "Option::is_none"
    )]
    pub json_policy: Option<String>,
    /// Compatibility is only checked between versions with the same value of this metadata
    /// property ("major versions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_group: Option<String>,
    /// Merged under the metadata of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_metadata: Option<Metadata>,
    /// Merged over the metadata of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_metadata: Option<Metadata>,
    /// Merged under the rule set of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_rule_set: Option<RuleSet>,
    /// Merged over the rule set of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_rule_set: Option<RuleSet>,
    /// Check `confluent:reserved` fields on register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_fields: Option<bool>,
}

/// `GET /config` and `GET /config/{s}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize: Option<bool>,
    /// The compatibility policy, STRICT or LENIENT (Confluent 8's `compatibilityPolicy`; the
    /// `jsonPolicy` spelling schemata used before is still accepted).
    #[serde(
        default,
        rename = "compatibilityPolicy",
        alias = "jsonPolicy",
        skip_serializing_if = "Option::is_none"
    )]
    pub json_policy: Option<String>,
    /// Compatibility is only checked between versions with the same value of this metadata
    /// property ("major versions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_group: Option<String>,
    /// Merged under the metadata of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_metadata: Option<Metadata>,
    /// Merged over the metadata of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_metadata: Option<Metadata>,
    /// Merged under the rule set of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_rule_set: Option<RuleSet>,
    /// Merged over the rule set of every new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_rule_set: Option<RuleSet>,
    /// Check `confluent:reserved` fields on register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_fields: Option<bool>,
}

/// The same fields under the request's spelling of the level (`compatibility`).
impl From<Config> for ConfigUpdate {
    fn from(config: Config) -> ConfigUpdate {
        let Config {
            compatibility_level,
            normalize,
            json_policy,
            compatibility_group,
            default_metadata,
            override_metadata,
            default_rule_set,
            override_rule_set,
            validate_fields,
        } = config;
        ConfigUpdate {
            compatibility: compatibility_level,
            normalize,
            json_policy,
            compatibility_group,
            default_metadata,
            override_metadata,
            default_rule_set,
            override_rule_set,
            validate_fields,
        }
    }
}

impl From<ConfigUpdate> for Config {
    fn from(update: ConfigUpdate) -> Config {
        let ConfigUpdate {
            compatibility,
            normalize,
            json_policy,
            compatibility_group,
            default_metadata,
            override_metadata,
            default_rule_set,
            override_rule_set,
            validate_fields,
        } = update;
        Config {
            compatibility_level: compatibility,
            normalize,
            json_policy,
            compatibility_group,
            default_metadata,
            override_metadata,
            default_rule_set,
            override_rule_set,
            validate_fields,
        }
    }
}

/// `GET/PUT /mode` and `/mode/{s}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mode {
    pub mode: String,
}

/// Every error answer: `{"error_code": 40401, "message": "Subject 'x' not found."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error_code: i32,
    pub message: String,
}

/// Confluent's error codes, by name.
pub mod codes {
    pub const SUBJECT_NOT_FOUND: i32 = 40401;
    pub const VERSION_NOT_FOUND: i32 = 40402;
    pub const SCHEMA_NOT_FOUND: i32 = 40403;
    pub const SUBJECT_SOFT_DELETED: i32 = 40404;
    pub const SUBJECT_NOT_SOFT_DELETED: i32 = 40405;
    pub const SCHEMA_VERSION_SOFT_DELETED: i32 = 40406;
    pub const SCHEMA_VERSION_NOT_SOFT_DELETED: i32 = 40407;
    pub const SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED: i32 = 40408;
    pub const SUBJECT_LEVEL_MODE_NOT_CONFIGURED: i32 = 40409;
    pub const INCOMPATIBLE_SCHEMA: i32 = 40901;
    pub const INVALID_SCHEMA: i32 = 42201;
    pub const INVALID_VERSION: i32 = 42202;
    pub const INVALID_COMPATIBILITY_LEVEL: i32 = 42203;
    pub const INVALID_MODE: i32 = 42204;
    pub const OPERATION_NOT_PERMITTED: i32 = 42205;
    pub const REFERENCE_EXISTS: i32 = 42206;
    pub const ID_DOES_NOT_MATCH: i32 = 42207;
    pub const INVALID_SUBJECT: i32 = 42208;
    pub const SCHEMA_TOO_LARGE: i32 = 42209;
    pub const INVALID_RULESET: i32 = 42210;
    // The 5xxxx codes as Confluent's server numbers them (its `Errors` table).
    pub const STORE_ERROR: i32 = 50001;
    pub const OPERATION_TIMEOUT: i32 = 50002;
    pub const REQUEST_FORWARDING_FAILED: i32 = 50003;
    pub const UNKNOWN_LEADER: i32 = 50004;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_confluent_spelling() {
        let cases: Vec<(String, &str)> = vec![
            (
                serde_json::to_string(&SubjectSchema {
                    subject: "s".into(),
                    version: 1,
                    id: 2,
                    schema_type: None,
                    references: vec![],
                    metadata: None,
                    rule_set: None,
                    schema: "\"string\"".into(),
                    guid: None,
                })
                .unwrap(),
                r#"{"subject":"s","version":1,"id":2,"schema":"\"string\""}"#,
            ),
            (
                serde_json::to_string(&CompatibilityCheckResponse {
                    is_compatible: true,
                    messages: None,
                    contract_changes: None,
                })
                .unwrap(),
                r#"{"is_compatible":true}"#,
            ),
            (
                serde_json::to_string(&ErrorBody {
                    error_code: 40401,
                    message: "Subject 'x' not found.".into(),
                })
                .unwrap(),
                r#"{"error_code":40401,"message":"Subject 'x' not found."}"#,
            ),
            (
                serde_json::to_string(&Config {
                    compatibility_level: Some("FULL".into()),
                    ..Config::default()
                })
                .unwrap(),
                r#"{"compatibilityLevel":"FULL"}"#,
            ),
        ];
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn register_request_ignores_unknown_fields() {
        let request: RegisterSchemaRequest = serde_json::from_str(
            r#"{"schema":"{}","schemaType":"JSON","metadata":null,"ruleSet":null,"references":[{"name":"a","subject":"b","version":1}],"propagateSchemaTags":false}"#,
        )
        .unwrap();
        assert_eq!(request.schema_type.as_deref(), Some("JSON"));
        assert_eq!(request.references.len(), 1);
        assert_eq!((request.metadata, request.rule_set), (None, None));
    }
}
