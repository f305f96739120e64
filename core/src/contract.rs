//! Data contracts: the `metadata` (tags, properties, sensitive fields) and `ruleSet` (migration,
//! domain and encoding rules) a schema version carries beside its text, as Confluent's REST API
//! and `_schemas` records spell them. The registry stores and merges them; clients run the rules.
//!
//! Maps and sets are ordered (`BTreeMap`/`BTreeSet`) and empty members are omitted, as Confluent's
//! Jackson entities do, so a contract serializes to the same bytes whoever wrote it: that makes
//! the contract part of a schema's identity (`contract_hash`) and keeps export/import byte-exact.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Deserializer, Serialize};
use sha2::Digest as _;

/// The metadata property that Confluent keeps equal to the version number once it is set.
pub const CONFLUENT_VERSION: &str = "confluent:version";

/// `null` reads as the empty value: clients send `"tags": null` for "none".
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `metadata` of a schema version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// Tags by path into the schema (e.g. `"Order.ssn": ["PII"]`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub tags: BTreeMap<String, BTreeSet<String>>,
    /// Free key-value pairs; `use.latest.with.metadata` selects versions by them.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// Names of properties whose values are secret.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeSet::is_empty"
    )]
    pub sensitive: BTreeSet<String>,
}

impl Metadata {
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.properties.is_empty() && self.sensitive.is_empty()
    }

    /// Whether every (key, value) pair is among the properties.
    pub fn matches(&self, wanted: &[(String, String)]) -> bool {
        wanted.iter().all(|(k, v)| self.properties.get(k) == Some(v))
    }
}

/// A rule's kind, as Confluent names it.
pub const RULE_KINDS: [&str; 2] = ["CONDITION", "TRANSFORM"];
/// The modes a migration rule may have.
pub const MIGRATION_MODES: [&str; 3] = ["UPGRADE", "DOWNGRADE", "UPDOWN"];
/// The modes a domain or encoding rule may have.
pub const DOMAIN_MODES: [&str; 3] = ["WRITE", "READ", "WRITEREAD"];

fn default_kind() -> String {
    "TRANSFORM".to_owned()
}

fn default_mode() -> String {
    "WRITEREAD".to_owned()
}

/// One rule of a rule set. Absent kind and mode read as Confluent's defaults (TRANSFORM,
/// WRITEREAD) and are always written, as Confluent writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    #[serde(default = "default_kind", deserialize_with = "kind_or_default")]
    pub kind: String,
    #[serde(default = "default_mode", deserialize_with = "mode_or_default")]
    pub mode: String,
    /// The executor: CEL, CEL_FIELD, JSONATA, ENCRYPT, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<String>,
    /// The field tags the rule applies to.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeSet::is_empty"
    )]
    pub tags: BTreeSet<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub disabled: bool,
}

fn kind_or_default<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_else(default_kind))
}

fn mode_or_default<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_else(default_mode))
}

/// `ruleSet` of a schema version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSet {
    /// Run between major versions (UPGRADE, DOWNGRADE, UPDOWN).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub migration_rules: Vec<Rule>,
    /// Run on every write and/or read (WRITE, READ, WRITEREAD).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub domain_rules: Vec<Rule>,
    /// Run on the encoded bytes (WRITE, READ, WRITEREAD).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub encoding_rules: Vec<Rule>,
}

impl RuleSet {
    pub fn is_empty(&self) -> bool {
        self.migration_rules.is_empty()
            && self.domain_rules.is_empty()
            && self.encoding_rules.is_empty()
    }

    /// Every rule, in the order migration, domain, encoding.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.migration_rules.iter().chain(&self.domain_rules).chain(&self.encoding_rules)
    }

    /// Checks the rule set as Confluent does before storing it (its `RuleSet.validate`): names
    /// unique across the whole set and well formed, a type on every rule, a known kind, and
    /// modes that fit the list. The message is Confluent's, for its error 42210.
    pub fn validate(&self) -> Result<(), String> {
        let mut names = HashSet::new();
        let lists: [(&[Rule], &[&str], &str); 3] = [
            (
                &self.migration_rules,
                &MIGRATION_MODES,
                "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN",
            ),
            (&self.domain_rules, &DOMAIN_MODES, "Domain rules can only be WRITE, READ, WRITEREAD"),
            (
                &self.encoding_rules,
                &DOMAIN_MODES,
                "Encoding rules can only be WRITE, READ, WRITEREAD",
            ),
        ];
        for (rules, modes, wrong_mode) in lists {
            for rule in rules {
                let name = rule.name.as_deref().unwrap_or_default();
                if !names.insert(name) {
                    return Err(format!("Found rule with duplicate name '{name}'"));
                }
                rule.validate()?;
                if !modes.contains(&rule.mode.as_str()) {
                    return Err(wrong_mode.to_owned());
                }
            }
        }
        Ok(())
    }
}

impl Rule {
    /// The checks of one rule: its name (a letter or `_`, then letters, digits or `_`), its type,
    /// and a kind and mode Confluent knows.
    pub fn validate(&self) -> Result<(), String> {
        let Some(name) = self.name.as_deref() else { return Err("Missing rule name".into()) };
        let mut chars = name.chars();
        let Some(first) = chars.next() else { return Err("Empty rule name".into()) };
        if !(first.is_alphabetic() || first == '_') {
            return Err(format!("Illegal initial character in rule name: {name}"));
        }
        if !chars.all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("Illegal character in rule name: {name}"));
        }
        if self.rule_type.is_none() {
            return Err("Missing rule type".into());
        }
        if !RULE_KINDS.contains(&self.kind.as_str()) {
            return Err(format!(
                "Invalid rule kind '{}' in rule {name}: expected CONDITION or TRANSFORM",
                self.kind
            ));
        }
        let known = MIGRATION_MODES.iter().chain(&DOMAIN_MODES).any(|m| *m == self.mode);
        if !known {
            return Err(format!(
                "Invalid rule mode '{}' in rule {name}: expected one of WRITE, READ, WRITEREAD, \
                 UPGRADE, DOWNGRADE, UPDOWN",
                self.mode
            ));
        }
        Ok(())
    }

    /// Whether this migration rule runs when data moves `up` (to a newer major version) or down.
    pub fn migrates(&self, up: bool) -> bool {
        match self.mode.as_str() {
            "UPDOWN" => true,
            "UPGRADE" => up,
            "DOWNGRADE" => !up,
            _ => false,
        }
    }
}

/// The migration rules that apply when data written with the first of `versions` is read as the
/// last (each a version number and its rule set, in ascending version order between the two,
/// both ends included), as Confluent's clients choose them: reading a newer version (`up`), the
/// UPGRADE and UPDOWN rules of every version after the writer's, oldest first; reading an older
/// one, the DOWNGRADE and UPDOWN rules of every version after the reader's, newest first.
/// Disabled rules are left out.
pub fn migrations<'r>(versions: &[(u32, Option<&'r RuleSet>)], up: bool) -> Vec<(u32, &'r Rule)> {
    let mut found: Vec<(u32, &Rule)> = versions
        .iter()
        .skip(1)
        .flat_map(|(version, rules)| {
            let rules = rules.map(|r| r.migration_rules.as_slice()).unwrap_or_default();
            rules.iter().filter(|r| !r.disabled && r.migrates(up)).map(|r| (*version, r))
        })
        .collect();
    if !up {
        // Downgrading steps from the newest version down: its rules run first.
        found.reverse();
    }
    found
}

/// The metadata property listing a schema's reserved field names (comma-separated), checked on
/// register when the config's `validateFields` is on.
pub const CONFLUENT_RESERVED: &str = "confluent:reserved";

/// Confluent's `validateFields` check of reserved fields: a reserved name of the previous
/// version that the new contract no longer reserves, and a top-level field of the new schema
/// (`fields`, Confluent's `hasTopLevelField`) that is reserved, each in Confluent's words.
pub fn reserved_field_errors(
    new: &Contract,
    previous: Option<&Contract>,
    fields: &[String],
) -> Vec<String> {
    fn reserved(contract: Option<&Contract>) -> BTreeSet<String> {
        let listed = contract.and_then(|c| c.property(CONFLUENT_RESERVED)).unwrap_or_default();
        listed.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned).collect()
    }
    let now = reserved(Some(new));
    let mut errors: Vec<String> = reserved(previous)
        .difference(&now)
        .map(|field| {
            format!(
                "The new schema has reserved field {field} removed from its metadata which is \
                 present in the old schema's metadata."
            )
        })
        .collect();
    errors.extend(now.iter().filter(|f| fields.contains(f)).map(|field| {
        format!("The new schema has field that conflicts with the reserved field {field}.")
    }));
    errors
}

/// Confluent's `Metadata.mergeMetadata`: `new` over `old`, map entries of `new` replacing
/// those of `old` and sensitive names united; either side absent yields the other.
pub fn merge_metadata(old: Option<&Metadata>, new: Option<&Metadata>) -> Option<Metadata> {
    match (old, new) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(old), Some(new)) => {
            let mut merged = old.clone();
            merged.tags.extend(new.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            merged.properties.extend(new.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
            merged.sensitive.extend(new.sensitive.iter().cloned());
            Some(merged)
        }
    }
}

/// Confluent's `RuleSet.mergeRuleSets`, list by list: the rules of `old` whose names `new` does
/// not use, then the rules of `new`; either side absent yields the other.
pub fn merge_rule_sets(old: Option<&RuleSet>, new: Option<&RuleSet>) -> Option<RuleSet> {
    fn merge(old: &[Rule], new: &[Rule]) -> Vec<Rule> {
        let replaced: HashSet<&Option<String>> = new.iter().map(|r| &r.name).collect();
        let kept = old.iter().filter(|r| !replaced.contains(&r.name));
        kept.chain(new).cloned().collect()
    }
    match (old, new) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(old), Some(new)) => Some(RuleSet {
            migration_rules: merge(&old.migration_rules, &new.migration_rules),
            domain_rules: merge(&old.domain_rules, &new.domain_rules),
            encoding_rules: merge(&old.encoding_rules, &new.encoding_rules),
        }),
    }
}

/// The contract of a schema version: its metadata and rule set, either possibly absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contract {
    pub metadata: Option<Metadata>,
    pub rule_set: Option<RuleSet>,
}

/// Where the parts of an effective contract come from: Confluent's order (its
/// `maybeSetMetadataRuleSet`) is `override ⊕ (specific ⊕ default)`, where `specific` is what the
/// request carries, or else what the previous version has (a version inherits its contract).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContractSources<'a> {
    pub requested: Option<&'a Metadata>,
    pub requested_rules: Option<&'a RuleSet>,
    pub previous: Option<&'a Contract>,
    pub default_metadata: Option<&'a Metadata>,
    pub override_metadata: Option<&'a Metadata>,
    pub default_rule_set: Option<&'a RuleSet>,
    pub override_rule_set: Option<&'a RuleSet>,
}

impl ContractSources<'_> {
    /// The contract a registration gets as version `new_version` (`None`: a lookup, which does
    /// not touch `confluent:version`). Empty parts become absent, as Confluent omits them.
    pub fn effective(&self, new_version: Option<u32>) -> Contract {
        let specific = self.requested.or(self.previous.and_then(|p| p.metadata.as_ref()));
        let mut metadata = merge_metadata(
            merge_metadata(self.default_metadata, specific).as_ref(),
            self.override_metadata,
        );
        let specific_rules =
            self.requested_rules.or(self.previous.and_then(|p| p.rule_set.as_ref()));
        let rule_set = merge_rule_sets(
            merge_rule_sets(self.default_rule_set, specific_rules).as_ref(),
            self.override_rule_set,
        );
        // Confluent keeps `confluent:version` equal to the version once a contract carries it.
        if let (Some(version), Some(metadata)) = (new_version, metadata.as_mut())
            && metadata.properties.contains_key(CONFLUENT_VERSION)
        {
            metadata.properties.insert(CONFLUENT_VERSION.to_owned(), version.to_string());
        }
        Contract {
            metadata: metadata.filter(|m| !m.is_empty()),
            rule_set: rule_set.filter(|r| !r.is_empty()),
        }
    }
}

impl Contract {
    pub fn is_empty(&self) -> bool {
        self.metadata.is_none() && self.rule_set.is_none()
    }

    /// The value of metadata property `key`, if any (a compatibility group's value).
    pub fn property(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.properties.get(key).map(String::as_str)
    }

    /// The identity of (schema, contract): the schema's own content hash when there is no
    /// contract, so stores written before contracts keep their ids; else a hash over both, so
    /// the same text with another contract is another schema (as Confluent's MD5 includes
    /// metadata and rule set).
    pub fn hash(&self, schema_hash: [u8; 32]) -> [u8; 32] {
        if self.is_empty() {
            return schema_hash;
        }
        let mut hasher = sha2::Sha256::new();
        hasher.update(schema_hash);
        if let Some(metadata) = &self.metadata {
            hasher.update([1]);
            hasher.update(serde_json::to_vec(metadata).unwrap_or_default());
        }
        if let Some(rule_set) = &self.rule_set {
            hasher.update([2]);
            hasher.update(serde_json::to_vec(rule_set).unwrap_or_default());
        }
        hasher.finalize().into()
    }
}

/// One difference between the contracts of two versions, as `schemata diff` lists it: a kind
/// (`PROPERTY_ADDED`, `TAG_REMOVED`, `RULE_CHANGED`, ...), where (a pointer into the contract's
/// JSON: `/metadata/properties/owner`, `/ruleSet/domainRules/checkAmount`) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractChange {
    pub kind: String,
    pub path: String,
    pub message: String,
}

/// A JSON pointer token: `~` and `/` escaped.
fn token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The changes between two maps: keys only in `new` (added), only in `old` (removed), and in
/// both with other values (changed), in key order.
fn map_changes<'a, V: PartialEq + 'a>(
    old: impl IntoIterator<Item = (&'a String, &'a V)>,
    new: impl IntoIterator<Item = (&'a String, &'a V)>,
    mut change: impl FnMut(&'a String, Option<&'a V>, Option<&'a V>),
) {
    let old: BTreeMap<&String, &V> = old.into_iter().collect();
    let new: BTreeMap<&String, &V> = new.into_iter().collect();
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).copied().collect();
    for key in keys {
        let (before, after) = (old.get(key).copied(), new.get(key).copied());
        if before != after {
            change(key, before, after);
        }
    }
}

impl Contract {
    /// What changed in the contract from `self` (the older version) to `new`: metadata
    /// properties, tags per path, sensitive names, and rules by list and name (a rule without a
    /// name by its position).
    pub fn changes(&self, new: &Contract) -> Vec<ContractChange> {
        let mut out = Vec::new();
        let mut push = |kind: &'static str, path: String, message: String| {
            out.push(ContractChange { kind: kind.to_owned(), path, message });
        };
        let empty = Metadata::default();
        let (old_m, new_m) =
            (self.metadata.as_ref().unwrap_or(&empty), new.metadata.as_ref().unwrap_or(&empty));
        map_changes(&old_m.properties, &new_m.properties, |key, before, after| {
            let path = format!("/metadata/properties/{}", token(key));
            match (before, after) {
                (None, Some(v)) => {
                    push("PROPERTY_ADDED", path, format!("property {key} = {v:?} added"))
                }
                (Some(v), None) => {
                    push("PROPERTY_REMOVED", path, format!("property {key} = {v:?} removed"))
                }
                (Some(a), Some(b)) => push(
                    "PROPERTY_CHANGED",
                    path,
                    format!("property {key} changed from {a:?} to {b:?}"),
                ),
                (None, None) => {}
            }
        });
        let no_tags = BTreeSet::new();
        map_changes(&old_m.tags, &new_m.tags, |at, before, after| {
            let (before, after) = (before.unwrap_or(&no_tags), after.unwrap_or(&no_tags));
            let path = format!("/metadata/tags/{}", token(at));
            for tag in after.difference(before) {
                push("TAG_ADDED", path.clone(), format!("tag {tag} added at {at}"));
            }
            for tag in before.difference(after) {
                push("TAG_REMOVED", path.clone(), format!("tag {tag} removed from {at}"));
            }
        });
        for name in new_m.sensitive.difference(&old_m.sensitive) {
            push(
                "SENSITIVE_ADDED",
                "/metadata/sensitive".into(),
                format!("{name} marked sensitive"),
            );
        }
        for name in old_m.sensitive.difference(&new_m.sensitive) {
            push(
                "SENSITIVE_REMOVED",
                "/metadata/sensitive".into(),
                format!("{name} no longer marked sensitive"),
            );
        }
        let no_rules = RuleSet::default();
        let (old_r, new_r) = (
            self.rule_set.as_ref().unwrap_or(&no_rules),
            new.rule_set.as_ref().unwrap_or(&no_rules),
        );
        let lists: [(&str, &str, &[Rule], &[Rule]); 3] = [
            ("migrationRules", "migration", &old_r.migration_rules, &new_r.migration_rules),
            ("domainRules", "domain", &old_r.domain_rules, &new_r.domain_rules),
            ("encodingRules", "encoding", &old_r.encoding_rules, &new_r.encoding_rules),
        ];
        for (list, what, old_rules, new_rules) in lists {
            let named = |rules: &'_ [Rule]| -> Vec<(String, Rule)> {
                rules
                    .iter()
                    .enumerate()
                    .map(|(n, rule)| {
                        (rule.name.clone().unwrap_or_else(|| n.to_string()), rule.clone())
                    })
                    .collect()
            };
            let (old_named, new_named) = (named(old_rules), named(new_rules));
            map_changes(
                old_named.iter().map(|(k, v)| (k, v)),
                new_named.iter().map(|(k, v)| (k, v)),
                |name, before, after| {
                    let path = format!("/ruleSet/{list}/{}", token(name));
                    let describe = |rule: &Rule| {
                        let kind = rule.rule_type.as_deref().unwrap_or("?");
                        format!("{} {} {kind}", rule.kind, rule.mode)
                    };
                    match (before, after) {
                        (None, Some(rule)) => push(
                            "RULE_ADDED",
                            path,
                            format!("{what} rule {name} ({}) added", describe(rule)),
                        ),
                        (Some(rule), None) => push(
                            "RULE_REMOVED",
                            path,
                            format!("{what} rule {name} ({}) removed", describe(rule)),
                        ),
                        (Some(_), Some(rule)) => push(
                            "RULE_CHANGED",
                            path,
                            format!("{what} rule {name} changed (now {})", describe(rule)),
                        ),
                        (None, None) => {}
                    }
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_set(json: &str) -> RuleSet {
        serde_json::from_str(json).unwrap()
    }

    fn check_validate(json: &str, expected: Result<(), &str>) {
        assert_eq!(rule_set(json).validate(), expected.map_err(str::to_owned), "{json}");
    }

    #[test]
    fn rule_sets_are_validated_as_confluent_does() {
        check_validate(
            r#"{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}"#,
            Ok(()),
        );
        check_validate(
            r#"{"migrationRules":[{"name":"up","mode":"UPGRADE","type":"JSONATA"}]}"#,
            Ok(()),
        );
        check_validate(
            r#"{"encodingRules":[{"name":"enc","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD"}]}"#,
            Ok(()),
        );
        check_validate(r#"{"domainRules":[{"name":"_x9","type":"CEL"}]}"#, Ok(()));
        check_validate(r#"{}"#, Ok(()));
        check_validate(r#"{"domainRules":[{"type":"CEL"}]}"#, Err("Missing rule name"));
        check_validate(r#"{"domainRules":[{"name":"","type":"CEL"}]}"#, Err("Empty rule name"));
        check_validate(
            r#"{"domainRules":[{"name":"9a","type":"CEL"}]}"#,
            Err("Illegal initial character in rule name: 9a"),
        );
        check_validate(
            r#"{"domainRules":[{"name":"a-b","type":"CEL"}]}"#,
            Err("Illegal character in rule name: a-b"),
        );
        check_validate(r#"{"domainRules":[{"name":"a"}]}"#, Err("Missing rule type"));
        check_validate(
            r#"{"domainRules":[{"name":"a","type":"CEL"},{"name":"a","type":"CEL"}]}"#,
            Err("Found rule with duplicate name 'a'"),
        );
        check_validate(
            r#"{"migrationRules":[{"name":"a","mode":"UPGRADE","type":"CEL"}],"domainRules":[{"name":"a","type":"CEL"}]}"#,
            Err("Found rule with duplicate name 'a'"),
        );
        check_validate(
            r#"{"migrationRules":[{"name":"a","mode":"WRITE","type":"CEL"}]}"#,
            Err("Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN"),
        );
        check_validate(
            r#"{"domainRules":[{"name":"a","mode":"UPGRADE","type":"CEL"}]}"#,
            Err("Domain rules can only be WRITE, READ, WRITEREAD"),
        );
        check_validate(
            r#"{"encodingRules":[{"name":"a","mode":"UPDOWN","type":"CEL"}]}"#,
            Err("Encoding rules can only be WRITE, READ, WRITEREAD"),
        );
        check_validate(
            r#"{"domainRules":[{"name":"a","kind":"FILTER","type":"CEL"}]}"#,
            Err("Invalid rule kind 'FILTER' in rule a: expected CONDITION or TRANSFORM"),
        );
        check_validate(
            r#"{"domainRules":[{"name":"a","mode":"write","type":"CEL"}]}"#,
            Err(
                "Invalid rule mode 'write' in rule a: expected one of WRITE, READ, WRITEREAD, UPGRADE, DOWNGRADE, UPDOWN",
            ),
        );
    }

    #[test]
    fn contracts_serialize_as_confluent_writes_them() {
        let cases = [
            (
                r#"{"properties":{"b":"2","a":"1"},"tags":{"x.y":["PII","A"]},"sensitive":["s"]}"#,
                r#"{"tags":{"x.y":["A","PII"]},"properties":{"a":"1","b":"2"},"sensitive":["s"]}"#,
            ),
            (r#"{"tags":null,"properties":{},"sensitive":null}"#, r#"{}"#),
        ];
        for (input, expected) in cases {
            let metadata: Metadata = serde_json::from_str(input).unwrap();
            assert_eq!(serde_json::to_string(&metadata).unwrap(), expected);
        }
        let rules = rule_set(
            r#"{"domainRules":[{"expr":"x","type":"CEL","name":"r","params":{"b":"1","a":"2"},"tags":["T"],"onFailure":"ERROR","kind":null}],"migrationRules":null}"#,
        );
        assert_eq!(
            serde_json::to_string(&rules).unwrap(),
            r#"{"domainRules":[{"name":"r","kind":"TRANSFORM","mode":"WRITEREAD","type":"CEL","tags":["T"],"params":{"a":"2","b":"1"},"expr":"x","onFailure":"ERROR","disabled":false}]}"#
        );
    }

    fn metadata(properties: &[(&str, &str)]) -> Metadata {
        Metadata {
            properties: properties.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Metadata::default()
        }
    }

    fn props(contract: &Contract) -> String {
        let Some(m) = &contract.metadata else { return "-".into() };
        m.properties.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn effective_contract_merges_in_confluent_order() {
        let (default, requested, previous, over) = (
            metadata(&[("owner", "default"), ("tier", "1")]),
            metadata(&[("owner", "team")]),
            Contract {
                metadata: Some(metadata(&[("owner", "old"), ("major", "1")])),
                rule_set: None,
            },
            metadata(&[("tier", "gold")]),
        );
        let check = |sources: ContractSources<'_>, version: Option<u32>, expected: &str| {
            assert_eq!(props(&sources.effective(version)), expected);
        };
        check(ContractSources::default(), Some(1), "-");
        check(
            ContractSources { requested: Some(&requested), ..Default::default() },
            Some(1),
            "owner=team",
        );
        check(
            ContractSources { previous: Some(&previous), ..Default::default() },
            Some(2),
            "major=1,owner=old",
        );
        check(
            ContractSources {
                requested: Some(&requested),
                previous: Some(&previous),
                ..Default::default()
            },
            Some(2),
            "owner=team",
        );
        check(
            ContractSources {
                default_metadata: Some(&default),
                requested: Some(&requested),
                ..Default::default()
            },
            Some(1),
            "owner=team,tier=1",
        );
        check(
            ContractSources {
                default_metadata: Some(&default),
                requested: Some(&requested),
                override_metadata: Some(&over),
                ..Default::default()
            },
            Some(1),
            "owner=team,tier=gold",
        );
        check(
            ContractSources {
                override_metadata: Some(&over),
                previous: Some(&previous),
                ..Default::default()
            },
            Some(3),
            "major=1,owner=old,tier=gold",
        );
        let versioned = metadata(&[(CONFLUENT_VERSION, "1")]);
        check(
            ContractSources { requested: Some(&versioned), ..Default::default() },
            Some(4),
            "confluent:version=4",
        );
        check(
            ContractSources { requested: Some(&versioned), ..Default::default() },
            None,
            "confluent:version=1",
        );
        check(
            ContractSources { requested: Some(&Metadata::default()), ..Default::default() },
            Some(1),
            "-",
        );
    }

    #[test]
    fn rule_sets_merge_by_name() {
        let old = rule_set(
            r#"{"domainRules":[{"name":"a","type":"CEL","expr":"1"},{"name":"b","type":"CEL"}]}"#,
        );
        let new = rule_set(
            r#"{"domainRules":[{"name":"a","type":"CEL","expr":"2"}],"migrationRules":[{"name":"m","mode":"UPGRADE","type":"JSONATA"}]}"#,
        );
        let merged = merge_rule_sets(Some(&old), Some(&new)).unwrap();
        let names: Vec<_> =
            merged.rules().map(|r| (r.name.clone().unwrap(), r.expr.clone())).collect();
        assert_eq!(names, [("m".into(), None), ("b".into(), None), ("a".into(), Some("2".into()))]);
    }

    #[test]
    fn migrations_are_chosen_by_direction() {
        let v2 = rule_set(
            r#"{"migrationRules":[{"name":"up2","mode":"UPGRADE","type":"JSONATA"},{"name":"down2","mode":"DOWNGRADE","type":"JSONATA"}]}"#,
        );
        let v3 = rule_set(
            r#"{"migrationRules":[{"name":"both3","mode":"UPDOWN","type":"JSONATA"},{"name":"off","mode":"UPGRADE","type":"JSONATA","disabled":true}],"domainRules":[{"name":"d","type":"CEL"}]}"#,
        );
        let versions = [(1, None), (2, Some(&v2)), (3, Some(&v3))];
        let names = |up| -> Vec<String> {
            migrations(&versions, up)
                .iter()
                .map(|(v, r)| format!("{v}:{}", r.name.clone().unwrap()))
                .collect()
        };
        assert_eq!(names(true), ["2:up2", "3:both3"]);
        assert_eq!(names(false), ["3:both3", "2:down2"]);
        assert!(migrations(&versions[..1], true).is_empty());
    }

    #[test]
    fn reserved_fields_are_checked_as_confluent_does() {
        let reserving = |list: &str| Contract {
            metadata: Some(metadata(&[(CONFLUENT_RESERVED, list)])),
            rule_set: None,
        };
        let fields = ["a".to_owned(), "b".to_owned()];
        assert!(
            reserved_field_errors(&reserving("x, y"), Some(&reserving("x")), &fields).is_empty()
        );
        assert_eq!(
            reserved_field_errors(&reserving("x"), Some(&reserving("x,y")), &fields),
            [
                "The new schema has reserved field y removed from its metadata which is present in the old schema's metadata."
            ]
        );
        assert_eq!(
            reserved_field_errors(&reserving("b"), None, &fields),
            ["The new schema has field that conflicts with the reserved field b."]
        );
        assert!(reserved_field_errors(&Contract::default(), None, &fields).is_empty());
    }

    #[test]
    fn the_contract_is_part_of_identity() {
        let base = [7u8; 32];
        let none = Contract::default();
        let one = Contract { metadata: Some(metadata(&[("a", "1")])), rule_set: None };
        let other = Contract { metadata: Some(metadata(&[("a", "2")])), rule_set: None };
        assert_eq!(none.hash(base), base);
        assert_ne!(one.hash(base), base);
        assert_ne!(one.hash(base), other.hash(base));
        assert_eq!(one.hash(base), one.clone().hash(base));
    }

    /// Each kind of contract change, one case per line: (old contract, new contract, the
    /// changes as `KIND path`).
    #[test]
    fn contract_changes_name_each_difference() {
        let contract = |json: &str| -> Contract {
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            Contract {
                metadata: value.get("metadata").map(|m| serde_json::from_value(m.clone()).unwrap()),
                rule_set: value.get("ruleSet").map(|r| serde_json::from_value(r.clone()).unwrap()),
            }
        };
        let check = |old: &str, new: &str, expected: &[&str]| {
            let got: Vec<String> = contract(old)
                .changes(&contract(new))
                .iter()
                .map(|c| format!("{} {}", c.kind, c.path))
                .collect();
            assert_eq!(got, expected, "{old} -> {new}");
        };
        let rule = |name: &str, expr: &str| {
            format!(
                r#"{{"name":"{name}","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"{expr}"}}"#
            )
        };
        check("{}", "{}", &[]);
        check(
            r#"{"metadata":{"properties":{"a":"1"}}}"#,
            r#"{"metadata":{"properties":{"a":"1"}}}"#,
            &[],
        );
        check(
            "{}",
            r#"{"metadata":{"properties":{"owner":"x"}}}"#,
            &["PROPERTY_ADDED /metadata/properties/owner"],
        );
        check(
            r#"{"metadata":{"properties":{"owner":"x"}}}"#,
            "{}",
            &["PROPERTY_REMOVED /metadata/properties/owner"],
        );
        check(
            r#"{"metadata":{"properties":{"a/b":"1","c":"2"}}}"#,
            r#"{"metadata":{"properties":{"a/b":"2","c":"2"}}}"#,
            &["PROPERTY_CHANGED /metadata/properties/a~1b"],
        );
        check(
            r#"{"metadata":{"tags":{"R.a":["PII"],"R.b":["X"]}}}"#,
            r#"{"metadata":{"tags":{"R.a":["PII","GDPR"]}}}"#,
            &["TAG_ADDED /metadata/tags/R.a", "TAG_REMOVED /metadata/tags/R.b"],
        );
        check(
            r#"{"metadata":{"sensitive":["k"]}}"#,
            r#"{"metadata":{"sensitive":["s"]}}"#,
            &["SENSITIVE_ADDED /metadata/sensitive", "SENSITIVE_REMOVED /metadata/sensitive"],
        );
        let one = format!(r#"{{"ruleSet":{{"domainRules":[{}]}}}}"#, rule("a", "x > 0"));
        let changed = format!(r#"{{"ruleSet":{{"domainRules":[{}]}}}}"#, rule("a", "x > 1"));
        let two = format!(
            r#"{{"ruleSet":{{"domainRules":[{},{}]}}}}"#,
            rule("a", "x > 0"),
            rule("b", "y")
        );
        check("{}", &one, &["RULE_ADDED /ruleSet/domainRules/a"]);
        check(&one, "{}", &["RULE_REMOVED /ruleSet/domainRules/a"]);
        check(&one, &changed, &["RULE_CHANGED /ruleSet/domainRules/a"]);
        check(&one, &two, &["RULE_ADDED /ruleSet/domainRules/b"]);
        // A rule moved between lists is removed from one and added to the other.
        let migration = r#"{"ruleSet":{"migrationRules":[{"name":"a","mode":"UPGRADE","type":"JSONATA","expr":"$"}]}}"#;
        check(
            &one,
            migration,
            &["RULE_ADDED /ruleSet/migrationRules/a", "RULE_REMOVED /ruleSet/domainRules/a"],
        );
    }
}
