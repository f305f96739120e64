//! Data contract files: `<stem>.contract.json` next to a schema file (`orders/v2.contract.json`
//! beside `orders/v2.avsc`) holds the metadata and rule set that version is registered with, in
//! the fields of Confluent's register request: `{"metadata": {...}, "ruleSet": {...}}`. The schema
//! and its contract then live and are reviewed together: `check` shows contract changes and
//! honours compatibility groups with them, `register` sends them.

use std::path::{Path, PathBuf};

use schemata_core::contract::{Contract, Metadata, RuleSet};
use serde::Deserialize;

use crate::CliError;

/// What a contract file's name ends with.
pub(crate) const SUFFIX: &str = ".contract.json";

/// The file's fields; unknown keys are refused, so a misspelt `ruleset` fails loudly instead of
/// registering a contract without rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    metadata: Option<Metadata>,
    #[serde(rename = "ruleSet")]
    rule_set: Option<RuleSet>,
}

/// A contract file read and checked.
#[derive(Debug, Clone)]
pub(crate) struct ContractFile {
    /// The path as shown to the user.
    pub(crate) shown: String,
    /// Its text, to locate changes in.
    pub(crate) text: String,
    pub(crate) contract: Contract,
}

/// Whether `path` names a contract file (which is never a schema, though it ends in `.json`).
pub(crate) fn is_contract_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(SUFFIX))
}

/// The contract file of schema file `schema`: its stem with [`SUFFIX`], in the same folder.
pub(crate) fn path_for(schema: &Path) -> PathBuf {
    let stem = schema.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    schema.with_file_name(format!("{stem}{SUFFIX}"))
}

/// Parses a contract file's text; `shown` names it in errors. A part given empty is kept: as in a
/// register request, it replaces what the previous version has instead of inheriting it.
pub(crate) fn parse(text: &str, shown: &str) -> Result<Contract, CliError> {
    let raw: RawContract = serde_json::from_str(text).map_err(|e| {
        CliError::Usage(format!(
            "{shown}: not a data contract ({{\"metadata\": ..., \"ruleSet\": ...}}): {e}"
        ))
    })?;
    if let Some(rule_set) = &raw.rule_set {
        rule_set
            .validate()
            .map_err(|message| CliError::Usage(format!("{shown}: invalid rule set: {message}")))?;
    }
    Ok(Contract { metadata: raw.metadata, rule_set: raw.rule_set })
}

/// The contract file of schema file `schema` when there is one; `shown` turns a path into what
/// the user sees.
pub(crate) fn read(
    schema: &Path,
    shown: impl Fn(&Path) -> String,
) -> Result<Option<ContractFile>, CliError> {
    let path = path_for(schema);
    if !path.is_file() {
        return Ok(None);
    }
    let shown = shown(&path);
    let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&shown, e))?;
    from_text(text, shown).map(Some)
}

/// A contract file from its text (read from disk, git or a folder).
pub(crate) fn from_text(text: String, shown: String) -> Result<ContractFile, CliError> {
    let contract = parse(&text, &shown)?;
    Ok(ContractFile { shown, text, contract })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let check = |schema: &str, contract: &str| {
            assert_eq!(path_for(Path::new(schema)), Path::new(contract), "{schema}");
            assert!(is_contract_file(Path::new(contract)), "{contract}");
            assert!(!is_contract_file(Path::new(schema)), "{schema}");
        };
        check("schemas/orders/v2.avsc", "schemas/orders/v2.contract.json");
        check("schemas/orders.json", "schemas/orders.contract.json");
        check("a.proto", "a.contract.json");
    }

    #[test]
    fn contents() {
        let check = |text: &str, expected: Result<&str, &str>| {
            let got = parse(text, "c.contract.json");
            match (got, expected) {
                (Ok(contract), Ok(owner)) => {
                    assert_eq!(contract.property("owner").unwrap_or(""), owner, "{text}")
                }
                (Err(e), Err(wanted)) => {
                    let e = e.to_string();
                    assert!(e.starts_with("c.contract.json: ") && e.contains(wanted), "{text}: {e}")
                }
                (got, _) => panic!("{text}: {got:?}"),
            }
        };
        check(r#"{"metadata":{"properties":{"owner":"cards"}}}"#, Ok("cards"));
        check(r#"{}"#, Ok(""));
        check(r#"{"metadata":null,"ruleSet":{"domainRules":[]}}"#, Ok(""));
        check(r#"{"ruleset":{}}"#, Err("unknown field `ruleset`"));
        check(r#"{"metadata":{"properties":{"owner":1}}}"#, Err("not a data contract"));
        check("not json", Err("not a data contract"));
        check(
            r#"{"ruleSet":{"domainRules":[{"name":"a","type":"CEL","mode":"SIDEWAYS"}]}}"#,
            Err("invalid rule set: Invalid rule mode 'SIDEWAYS' in rule a"),
        );
        check(
            r#"{"ruleSet":{"domainRules":[{"name":"a","type":"CEL"},{"name":"a","type":"CEL"}]}}"#,
            Err("invalid rule set: Found rule with duplicate name 'a'"),
        );
    }
}
