//! Parsing of `#[schemata(...)]`, `#[serde(...)]` and doc attributes into plain data. Anything
//! serde would do that changes the serialized shape in a way Avro cannot express is reported here,
//! with the span of the attribute that asks for it.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, ExprPath, Lit, LitStr, Token};

use crate::case::{RULE_NAMES, RenameRule};
use crate::ctxt::Ctxt;

#[derive(Debug, Default)]
pub(crate) struct Container {
    pub(crate) namespace: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) doc: Option<String>,
    pub(crate) aliases: Vec<LitStr>,
    pub(crate) serde_rename: Option<LitStr>,
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) rename_all_fields: Option<RenameRule>,
    pub(crate) tag: Option<LitStr>,
    pub(crate) content: Option<LitStr>,
    pub(crate) untagged: Option<Span>,
    pub(crate) transparent: bool,
    pub(crate) default: FieldDefault,
    pub(crate) deny_unknown_fields: bool,
    /// `#[schemata(metadata(owner = "payments", "confluent:reserved" = "ssn"))]`: data contract
    /// properties registered with the schema, in the order written.
    pub(crate) metadata: Vec<(String, LitStr)>,
}

#[derive(Debug, Default)]
pub(crate) enum FieldDefault {
    #[default]
    None,
    /// serde's `default`: `Default::default()`.
    Trait,
    /// serde's `default = "path"`.
    Path(ExprPath),
    /// `#[schemata(default = ...)]` or `default_json`: JSON text, validated.
    Json(String),
}

#[derive(Debug, Default)]
pub(crate) struct Field {
    /// serde's name for the field, which is what serde writes.
    pub(crate) rename: Option<LitStr>,
    /// `#[schemata(rename)]`: must agree with the name serde writes.
    pub(crate) schemata_rename: Option<LitStr>,
    pub(crate) doc: Option<String>,
    pub(crate) aliases: Vec<LitStr>,
    pub(crate) skip: bool,
    pub(crate) default: FieldDefault,
    pub(crate) flatten: bool,
    /// `avro = "long"` or `avro = "decimal"` for integers wider than Avro's long.
    pub(crate) avro: Option<LitStr>,
    pub(crate) precision: Option<u32>,
    pub(crate) scale: Option<u32>,
    pub(crate) timestamp_millis: bool,
    pub(crate) fixed_name: Option<LitStr>,
    /// `#[schemata(tags("PII"))]`: Confluent's inline field tags, which data-contract field rules
    /// select fields by.
    pub(crate) tags: Vec<LitStr>,
}

#[derive(Debug, Default)]
pub(crate) struct Variant {
    pub(crate) rename: Option<LitStr>,
    pub(crate) schemata_rename: Option<LitStr>,
    /// `#[schemata(default)]`: the Avro enum's default symbol, for readers that meet an unknown one.
    pub(crate) default: Option<syn::Path>,
    pub(crate) doc: Option<String>,
    pub(crate) aliases: Vec<LitStr>,
    pub(crate) skip: bool,
    pub(crate) rename_all: Option<RenameRule>,
}

/// Doc comments, one line each, joined as rustdoc would show them.
fn doc_of(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) = &nv.value
        {
            let line = s.value();
            lines.push(line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned());
        }
    }
    let doc = lines.join("\n").trim().to_owned();
    (!doc.is_empty()).then_some(doc)
}

/// Skips the value of a serde key we do not interpret (`key`, `key = expr`, `key(...)`).
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// `key = "x"` or `key(serialize = "x", deserialize = "y")`; a different name in each direction
/// cannot be one schema, so it is an error.
fn ser_de_str(meta: &ParseNestedMeta<'_>, cx: &Ctxt) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut ser = None;
    let mut de = None;
    meta.parse_nested_meta(|inner| {
        let value: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("serialize") {
            ser = Some(value);
        } else if inner.path.is_ident("deserialize") {
            de = Some(value);
        }
        Ok(())
    })?;
    match (ser, de) {
        (Some(s), Some(d)) if s.value() != d.value() => {
            cx.error_spanned(
                &meta.path,
                "schemata: different serialize and deserialize names cannot share one schema; use \
                 one name",
            );
            Ok(Some(s))
        }
        (Some(s), None) | (None, Some(s)) => {
            cx.error_spanned(
                &meta.path,
                "schemata: a name for only one direction cannot share one schema; give both \
                 serialize and deserialize the same name",
            );
            Ok(Some(s))
        }
        (Some(s), Some(_)) => Ok(Some(s)),
        (None, None) => Ok(None),
    }
}

fn rename_rule(meta: &ParseNestedMeta<'_>, cx: &Ctxt) -> syn::Result<Option<RenameRule>> {
    let Some(lit) = ser_de_str(meta, cx)? else { return Ok(None) };
    match RenameRule::parse(&lit.value()) {
        Some(rule) => Ok(Some(rule)),
        None => {
            cx.error_spanned(
                &lit,
                format!(
                    "schemata: unknown rename rule `{}`, expected one of {RULE_NAMES}",
                    lit.value()
                ),
            );
            Ok(None)
        }
    }
}

/// `metadata(key = "value", "key:with:colons" = "value")`: keys as identifiers or strings,
/// since Confluent's own properties (`confluent:reserved`) are not identifiers.
fn metadata_pairs(meta: &ParseNestedMeta<'_>, cx: &Ctxt) -> syn::Result<Vec<(String, LitStr)>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let mut pairs: Vec<(String, LitStr)> = Vec::new();
    while !content.is_empty() {
        let (key, span) = if content.peek(LitStr) {
            let lit: LitStr = content.parse()?;
            (lit.value(), lit.span())
        } else {
            let ident: syn::Ident = content.call(syn::ext::IdentExt::parse_any)?;
            (ident.to_string(), ident.span())
        };
        content.parse::<Token![=]>()?;
        let value: LitStr = content.parse()?;
        if key.is_empty() {
            cx.push(syn::Error::new(span, "schemata: a metadata key cannot be empty"));
        } else if pairs.iter().any(|(k, _)| *k == key) {
            cx.push(syn::Error::new(span, format!("schemata: metadata key `{key}` given twice")));
        }
        pairs.push((key, value));
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(pairs)
}

/// `tags("PII", "SENSITIVE")`: one or more non-empty strings.
fn tag_list(meta: &ParseNestedMeta<'_>, cx: &Ctxt) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let tags = content.parse_terminated(|input| input.parse::<LitStr>(), Token![,])?;
    if tags.is_empty() {
        cx.error_spanned(&meta.path, "schemata: `tags(...)` needs at least one tag");
    }
    for tag in &tags {
        if tag.value().is_empty() {
            cx.error_spanned(tag, "schemata: a tag cannot be empty");
        }
    }
    Ok(tags.into_iter().collect())
}

fn lit_u32(meta: &ParseNestedMeta<'_>) -> syn::Result<u32> {
    let lit: syn::LitInt = meta.value()?.parse()?;
    lit.base10_parse()
}

/// Serde keys that make serde write a shape the derive cannot see.
fn unsupported_serde(meta: &ParseNestedMeta<'_>, cx: &Ctxt, keys: &[(&str, &str)]) {
    for (key, why) in keys {
        if meta.path.is_ident(key) {
            cx.error_spanned(
                &meta.path,
                format!("schemata: `#[serde({key})]` is not supported: {why}"),
            );
        }
    }
}

const WITH_WHY: &str = "it changes the serialized shape in a way the derive cannot see; derive \
                        Schema on a type that serializes as you want instead";

pub(crate) fn container(attrs: &[Attribute], cx: &Ctxt) -> Container {
    let mut out = Container { doc: doc_of(attrs), ..Container::default() };
    for attr in attrs {
        let result = if attr.path().is_ident("schemata") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("namespace") {
                    out.namespace = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("name") {
                    out.name = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("doc") {
                    out.doc = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("metadata") {
                    out.metadata.extend(metadata_pairs(&meta, cx)?);
                } else {
                    skip_value(&meta)?;
                    cx.error_spanned(
                        &meta.path,
                        "schemata: unknown attribute on a type, expected one of `namespace`, \
                         `name`, `doc`, `alias`, `metadata`",
                    );
                }
                Ok(())
            })
        } else if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.serde_rename = ser_de_str(&meta, cx)?;
                } else if meta.path.is_ident("rename_all") {
                    out.rename_all = rename_rule(&meta, cx)?;
                } else if meta.path.is_ident("rename_all_fields") {
                    out.rename_all_fields = rename_rule(&meta, cx)?;
                } else if meta.path.is_ident("tag") {
                    out.tag = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("content") {
                    out.content = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("untagged") {
                    out.untagged = Some(meta.path.span());
                } else if meta.path.is_ident("transparent") {
                    out.transparent = true;
                } else if meta.path.is_ident("deny_unknown_fields") {
                    out.deny_unknown_fields = true;
                } else if meta.path.is_ident("default") {
                    out.default = if meta.input.peek(Token![=]) {
                        let path: LitStr = meta.value()?.parse()?;
                        FieldDefault::Path(path.parse()?)
                    } else {
                        FieldDefault::Trait
                    };
                } else {
                    unsupported_serde(
                    &meta,
                    cx,
                    &[
                        ("into", "the type serializes as another type; derive Schema on that one"),
                        ("from", "the type deserializes from another type; derive Schema on that one"),
                        ("try_from", "the type deserializes from another type; derive Schema on that one"),
                        ("remote", "derive Schema on the remote type's definition instead"),
                    ],
                );
                    skip_value(&meta)?;
                }
                Ok(())
            })
        } else {
            Ok(())
        };
        if let Err(err) = result {
            cx.push(err);
        }
    }
    out
}

pub(crate) fn field(attrs: &[Attribute], cx: &Ctxt) -> Field {
    let mut out = Field { doc: doc_of(attrs), ..Field::default() };
    let mut skip_ser = None;
    let mut skip_de = None;
    for attr in attrs {
        let result = if attr.path().is_ident("schemata") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.schemata_rename = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("doc") {
                    out.doc = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("default") {
                    let lit: Lit = meta.value()?.parse()?;
                    let value = match &lit {
                        Lit::Str(s) => serde_json::Value::String(s.value()),
                        Lit::Bool(b) => serde_json::Value::Bool(b.value),
                        Lit::Int(i) => serde_json::Value::from(i.base10_parse::<i64>()?),
                        Lit::Float(f) => serde_json::Value::from(f.base10_parse::<f64>()?),
                        other => {
                            cx.error_spanned(
                                other,
                                "schemata: `default` takes a string, integer, float or bool \
                                 literal; use `default_json = \"...\"` for anything else",
                            );
                            serde_json::Value::Null
                        }
                    };
                    out.default = FieldDefault::Json(value.to_string());
                } else if meta.path.is_ident("default_json") {
                    let lit: LitStr = meta.value()?.parse()?;
                    match serde_json::from_str::<serde_json::Value>(&lit.value()) {
                        Ok(value) => out.default = FieldDefault::Json(value.to_string()),
                        Err(err) => cx.error_spanned(
                            &lit,
                            format!("schemata: `default_json` is not valid JSON: {err}"),
                        ),
                    }
                } else if meta.path.is_ident("avro") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value() != "long" && lit.value() != "decimal" {
                        cx.error_spanned(
                            &lit,
                            "schemata: `avro` takes \"long\" (range checked when serializing) or \
                             \"decimal\" (with precision and scale)",
                        );
                    }
                    out.avro = Some(lit);
                } else if meta.path.is_ident("precision") {
                    out.precision = Some(lit_u32(&meta)?);
                } else if meta.path.is_ident("scale") {
                    out.scale = Some(lit_u32(&meta)?);
                } else if meta.path.is_ident("timestamp") {
                    let lit: LitStr = meta.value()?.parse()?;
                    match lit.value().as_str() {
                        "millis" => out.timestamp_millis = true,
                        "micros" => out.timestamp_millis = false,
                        _ => cx.error_spanned(
                            &lit,
                            "schemata: `timestamp` takes \"millis\" or \"micros\"",
                        ),
                    }
                } else if meta.path.is_ident("fixed_name") {
                    out.fixed_name = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("tags") {
                    out.tags.extend(tag_list(&meta, cx)?);
                } else {
                    skip_value(&meta)?;
                    cx.error_spanned(
                        &meta.path,
                        "schemata: unknown attribute on a field, expected one of `rename`, `doc`, \
                         `alias`, `default`, `default_json`, `avro`, `precision`, `scale`, \
                         `timestamp`, `fixed_name`, `tags`",
                    );
                }
                Ok(())
            })
        } else if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.rename = ser_de_str(&meta, cx)?;
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("skip") {
                    out.skip = true;
                } else if meta.path.is_ident("skip_serializing") {
                    skip_ser = Some(meta.path.clone());
                } else if meta.path.is_ident("skip_deserializing") {
                    skip_de = Some(meta.path.clone());
                } else if meta.path.is_ident("flatten") {
                    out.flatten = true;
                } else if meta.path.is_ident("default") {
                    let default = if meta.input.peek(Token![=]) {
                        let path: LitStr = meta.value()?.parse()?;
                        FieldDefault::Path(path.parse()?)
                    } else {
                        FieldDefault::Trait
                    };
                    // An explicit #[schemata(default)] says what the schema carries; keep it.
                    if !matches!(out.default, FieldDefault::Json(_)) {
                        out.default = default;
                    }
                } else {
                    unsupported_serde(
                        &meta,
                        cx,
                        &[
                            ("with", WITH_WHY),
                            ("serialize_with", WITH_WHY),
                            ("deserialize_with", WITH_WHY),
                            (
                                "skip_serializing_if",
                                "Avro writes every field in order, so a field cannot be left out \
                             sometimes; use an Option with a null default",
                            ),
                            ("getter", "derive Schema on the remote type's definition instead"),
                        ],
                    );
                    skip_value(&meta)?;
                }
                Ok(())
            })
        } else {
            Ok(())
        };
        if let Err(err) = result {
            cx.push(err);
        }
    }
    match (skip_ser, skip_de) {
        (Some(_), Some(_)) => out.skip = true,
        (Some(path), None) | (None, Some(path)) if !out.skip => cx.error_spanned(
            path,
            "schemata: a field skipped in only one direction cannot have one schema; use \
             `#[serde(skip)]` or skip both serializing and deserializing",
        ),
        _ => {}
    }
    out
}

pub(crate) fn variant(attrs: &[Attribute], cx: &Ctxt) -> Variant {
    let mut out = Variant { doc: doc_of(attrs), ..Variant::default() };
    let mut skip_ser = None;
    let mut skip_de = None;
    for attr in attrs {
        let result = if attr.path().is_ident("schemata") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.schemata_rename = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("doc") {
                    out.doc = Some(meta.value()?.parse::<LitStr>()?.value());
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("default") {
                    out.default = Some(meta.path.clone());
                } else {
                    skip_value(&meta)?;
                    cx.error_spanned(
                        &meta.path,
                        "schemata: unknown attribute on a variant, expected one of `rename`, \
                         `doc`, `alias`, `default`",
                    );
                }
                Ok(())
            })
        } else if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.rename = ser_de_str(&meta, cx)?;
                } else if meta.path.is_ident("alias") {
                    out.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("rename_all") {
                    out.rename_all = rename_rule(&meta, cx)?;
                } else if meta.path.is_ident("skip") {
                    out.skip = true;
                } else if meta.path.is_ident("skip_serializing") {
                    skip_ser = Some(meta.path.clone());
                } else if meta.path.is_ident("skip_deserializing") {
                    skip_de = Some(meta.path.clone());
                } else {
                    unsupported_serde(
                        &meta,
                        cx,
                        &[
                            ("with", WITH_WHY),
                            ("serialize_with", WITH_WHY),
                            ("deserialize_with", WITH_WHY),
                            (
                                "untagged",
                                "Avro carries the variant as the union branch; mark the whole enum \
                             untagged or none of it",
                            ),
                        ],
                    );
                    skip_value(&meta)?;
                }
                Ok(())
            })
        } else {
            Ok(())
        };
        if let Err(err) = result {
            cx.push(err);
        }
    }
    match (skip_ser, skip_de) {
        (Some(_), Some(_)) => out.skip = true,
        (Some(path), None) | (None, Some(path)) if !out.skip => cx.error_spanned(
            path,
            "schemata: a variant skipped in only one direction cannot have one schema; use \
             `#[serde(skip)]`",
        ),
        _ => {}
    }
    out
}

/// Avro names: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_avro_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Avro namespaces: dot-separated names, or empty for the null namespace.
pub(crate) fn is_avro_namespace(namespace: &str) -> bool {
    namespace.is_empty() || namespace.split('.').all(is_avro_name)
}
