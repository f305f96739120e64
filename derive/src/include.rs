//! `include_schema!("schemas/orders-value/v2.avsc")`: Rust types generated from an Avro schema
//! file, each deriving `Schema` so that the type's derived schema is the file's schema again.
//!
//! Mapping: records -> structs, enums -> unit enums, fixed -> `[u8; N]`, arrays -> `Vec`, maps ->
//! `HashMap<String, _>`, `["null", T]` -> `Option<T>`, other unions -> enums with one newtype
//! variant per branch, logical types -> uuid/chrono/rust_decimal types. Namespaces become nested
//! modules at the call site; docs become doc comments; defaults become serde defaults plus the
//! exact default in `#[schemata(default_json)]`. JSON Schema files (`.json`) go through `json`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Ident, LitStr};

mod json;
#[cfg(test)]
mod tests;

pub(crate) fn include_schema(path: &LitStr) -> TokenStream {
    match generate(path) {
        Ok(tokens) => tokens,
        Err(message) => {
            syn::Error::new_spanned(path, format!("schemata: {message}")).to_compile_error()
        }
    }
}

fn generate(lit: &LitStr) -> Result<TokenStream, String> {
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let written = lit.value();
    let path = base.join(&written);
    // Messages name the path as written: the absolute one differs per machine.
    let text = std::fs::read_to_string(&path).map_err(|err| {
        format!("cannot read `{written}` (relative to the crate's Cargo.toml): {err}")
    })?;
    let tracked = path.to_string_lossy().into_owned();
    if path.extension().is_some_and(|e| e == "json") {
        schemata_core::Schema::parse(schemata_core::SchemaType::Json, &text)
            .map_err(|err| format!("`{written}` is not a valid JSON Schema: {err}"))?;
        let schema: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
        let items = json::generate(&schema).map_err(|err| format!("`{written}`: {err}"))?;
        // The JSON generator's types that need a feature, found in what it generated.
        let text = items.to_string();
        let features: BTreeMap<&'static str, String> = [
            ("chrono", "string with a date or date-time format"),
            ("uuid", "string with the uuid format"),
        ]
        .into_iter()
        .filter(|(feature, _)| text.contains(&format!("__private :: {feature} ::")))
        .map(|(feature, what)| (feature, what.to_owned()))
        .collect();
        let body = quote! {
            const _: &str = ::core::include_str!(#tracked);
            #items
        };
        return Ok(gate(body, &written, "JSON Schema type", &features));
    }
    schemata_core::Schema::parse(schemata_core::SchemaType::Avro, &text)
        .map_err(|err| format!("`{written}` is not a valid Avro schema: {err}"))?;
    let schema: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
    let mut generator = Generator::default();
    generator.ty(&schema, "", "", "Root")?;
    let features = std::mem::take(&mut generator.features);
    let modules = generator.emit();
    let body = quote! {
        // Rebuild when the file changes.
        const _: &str = ::core::include_str!(#tracked);
        #modules
    };
    Ok(gate(body, &written, "Avro logical type", &features))
}

/// Wraps `body` in the client's `if_FEATURE!` macro for each feature it needs. The macro cannot
/// see the client's features, so the client chooses: the types when the feature is on, else one
/// error naming the feature (instead of errors about `__private` items configured out).
fn gate(
    mut body: TokenStream,
    written: &str,
    what: &str,
    features: &BTreeMap<&'static str, String>,
) -> TokenStream {
    for (feature, logical) in features.iter().rev() {
        let message = feature_message(written, what, feature, logical);
        let gate = quote::format_ident!("if_{}", feature);
        body = quote! {
            ::schemata::__private::#gate! { { #body } else { ::core::compile_error!(#message); } }
        };
    }
    body
}

/// The compile error for a logical type whose feature is off.
fn feature_message(written: &str, what: &str, feature: &str, logical: &str) -> String {
    format!(
        "`{written}` uses the {what} `{logical}`, which needs schemata's `{feature}` feature: \
         enable it on the dependency, e.g. schemata = {{ features = [\"{feature}\"] }}"
    )
}

/// A Rust type for a field, with the field annotations its leaves need.
struct FieldType {
    ty: TokenStream,
    attrs: Vec<TokenStream>,
    option: bool,
}

impl FieldType {
    fn plain(ty: TokenStream) -> FieldType {
        FieldType { ty, attrs: Vec::new(), option: false }
    }
}

#[derive(Default)]
struct Generator {
    /// Items per module path (namespace segments).
    modules: BTreeMap<Vec<String>, Vec<TokenStream>>,
    /// The schemata features the generated types need (`uuid`, `chrono`, `rust_decimal`), each
    /// with the first logical type that needs it, for the error when it is off.
    features: BTreeMap<&'static str, String>,
    /// Full name -> kind, for references by name.
    named: HashMap<String, Named>,
}

#[derive(Clone)]
enum Named {
    Type { namespace: String, name: String },
    Fixed { full: String, size: usize },
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// A Rust identifier for an Avro name: raw for keywords, suffixed where raw is not allowed.
fn ident(name: &str) -> Ident {
    if matches!(name, "self" | "Self" | "super" | "crate") {
        format_ident!("{name}_")
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.char_indices() {
        if ch.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect()
}

/// A variant name for a union branch: a named type's short name, a primitive's name capitalized.
fn variant_ident(name: &str) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    if short.starts_with(|c: char| c.is_ascii_uppercase()) {
        short.to_owned()
    } else {
        pascal(short)
    }
}

fn split_full(full: &str) -> (String, String) {
    match full.rsplit_once('.') {
        Some((namespace, name)) => (namespace.to_owned(), name.to_owned()),
        None => (String::new(), full.to_owned()),
    }
}

fn segments(namespace: &str) -> Vec<String> {
    if namespace.is_empty() {
        Vec::new()
    } else {
        namespace.split('.').map(str::to_owned).collect()
    }
}

/// The path from module `from` to the item `name` in namespace `to`.
fn path_to(from: &str, to: &str, name: &str) -> TokenStream {
    let ups = segments(from).len();
    let supers = (0..ups).map(|_| quote!(super::));
    let down = segments(to).into_iter().map(|s| ident(&s));
    let name = ident(name);
    quote!(#(#supers)* #(#down ::)* #name)
}

fn doc_attr(value: &Value) -> TokenStream {
    match value.get("doc").and_then(Value::as_str) {
        Some(doc) => quote!(#[doc = #doc]),
        None => TokenStream::new(),
    }
}

fn aliases_attr(value: &Value, serde: bool) -> TokenStream {
    let aliases: Vec<&str> = value
        .get("aliases")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if serde {
        quote!(#(#[serde(alias = #aliases)])*)
    } else {
        quote!(#(#[schemata(alias = #aliases)])*)
    }
}

impl Generator {
    fn full_name(&self, name: &str, namespace: &str) -> String {
        if name.contains('.') || namespace.is_empty() {
            name.to_owned()
        } else {
            format!("{namespace}.{name}")
        }
    }

    /// The Rust type of `schema`, seen from module `from` with enclosing namespace `namespace`;
    /// `hint` names a generated union enum.
    fn ty(
        &mut self,
        schema: &Value,
        namespace: &str,
        from: &str,
        hint: &str,
    ) -> Result<FieldType, String> {
        match schema {
            Value::String(name) => self.named_or_primitive(name, namespace, from),
            Value::Array(branches) => self.union(branches, namespace, from, hint),
            Value::Object(object) => {
                let kind = object.get("type").ok_or("a schema object without \"type\"")?;
                let logical = object.get("logicalType").and_then(Value::as_str);
                match (kind.as_str(), logical) {
                    (Some("string"), Some("uuid")) => {
                        self.needs("uuid", "uuid");
                        Ok(FieldType::plain(quote!(::schemata::__private::uuid::Uuid)))
                    }
                    (Some("long"), Some(l @ ("timestamp-millis" | "timestamp-micros"))) => {
                        Ok(self.needs("chrono", l).timed(
                            quote!(
                                ::schemata::__private::chrono::DateTime<
                                    ::schemata::__private::chrono::Utc,
                                >
                            ),
                            l.ends_with("millis"),
                        ))
                    }
                    (
                        Some("long"),
                        Some(l @ ("local-timestamp-millis" | "local-timestamp-micros")),
                    ) => Ok(self.needs("chrono", l).timed(
                        quote!(::schemata::__private::chrono::NaiveDateTime),
                        l.ends_with("millis"),
                    )),
                    (Some("int"), Some("date")) => {
                        self.needs("chrono", "date");
                        Ok(FieldType::plain(quote!(::schemata::__private::chrono::NaiveDate)))
                    }
                    (Some("int"), Some("time-millis")) => Ok(self
                        .needs("chrono", "time-millis")
                        .timed(quote!(::schemata::__private::chrono::NaiveTime), true)),
                    (Some("long"), Some("time-micros")) => Ok(self
                        .needs("chrono", "time-micros")
                        .timed(quote!(::schemata::__private::chrono::NaiveTime), false)),
                    (Some("bytes"), Some("decimal")) => {
                        self.needs("rust_decimal", "decimal");
                        let precision =
                            object.get("precision").and_then(Value::as_u64).unwrap_or(0) as u32;
                        let scale = object.get("scale").and_then(Value::as_u64).unwrap_or(0) as u32;
                        Ok(FieldType {
                            ty: quote!(::schemata::__private::rust_decimal::Decimal),
                            attrs: vec![
                                quote!(#[schemata(precision = #precision, scale = #scale)]),
                            ],
                            option: false,
                        })
                    }
                    (Some("array"), _) => {
                        let items = object.get("items").ok_or("an array without \"items\"")?;
                        let inner = self.ty(items, namespace, from, hint)?;
                        let ty = inner.ty;
                        Ok(FieldType {
                            ty: quote!(::std::vec::Vec<#ty>),
                            attrs: inner.attrs,
                            option: false,
                        })
                    }
                    (Some("map"), _) => {
                        let values = object.get("values").ok_or("a map without \"values\"")?;
                        let inner = self.ty(values, namespace, from, hint)?;
                        let ty = inner.ty;
                        Ok(FieldType {
                            ty: quote!(::std::collections::HashMap<::std::string::String, #ty>),
                            attrs: inner.attrs,
                            option: false,
                        })
                    }
                    (Some("record" | "error"), _) => self.record(object, namespace, from),
                    (Some("enum"), _) => self.enumeration(object, namespace, from),
                    (Some("fixed"), _) => self.fixed(object, namespace),
                    (Some(primitive), _) => self.named_or_primitive(primitive, namespace, from),
                    (None, _) => self.ty(kind, namespace, from, hint),
                }
            }
            _ => Err(format!("unexpected schema {schema}")),
        }
    }

    /// Notes that the generated code needs `feature` (first for `logical`).
    fn needs(&mut self, feature: &'static str, logical: &str) -> &mut Generator {
        self.features.entry(feature).or_insert_with(|| logical.to_owned());
        self
    }

    fn timed(&self, ty: TokenStream, millis: bool) -> FieldType {
        let attrs =
            if millis { vec![quote!(#[schemata(timestamp = "millis")])] } else { Vec::new() };
        FieldType { ty, attrs, option: false }
    }

    fn named_or_primitive(
        &mut self,
        name: &str,
        namespace: &str,
        from: &str,
    ) -> Result<FieldType, String> {
        let ty = match name {
            "boolean" => quote!(bool),
            "int" => quote!(i32),
            "long" => quote!(i64),
            "float" => quote!(f32),
            "double" => quote!(f64),
            "string" => quote!(::std::string::String),
            "bytes" => quote!(::std::vec::Vec<u8>),
            "null" => return Err("a bare \"null\" has no Rust type; use it in a union".to_owned()),
            _ => {
                let full = self.full_name(name, namespace);
                let found = self.named.get(&full).or_else(|| self.named.get(name)).cloned();
                match found {
                    Some(Named::Type { namespace, name }) => path_to(from, &namespace, &name),
                    Some(Named::Fixed { full, size }) => {
                        return Ok(FieldType {
                            ty: quote!([u8; #size]),
                            attrs: vec![quote!(#[schemata(fixed_name = #full)])],
                            option: false,
                        });
                    }
                    None => return Err(format!("unknown type name `{name}`")),
                }
            }
        };
        Ok(FieldType::plain(ty))
    }

    fn fixed(
        &mut self,
        object: &serde_json::Map<String, Value>,
        namespace: &str,
    ) -> Result<FieldType, String> {
        let name = object.get("name").and_then(Value::as_str).ok_or("a fixed without a name")?;
        let namespace = object.get("namespace").and_then(Value::as_str).unwrap_or(namespace);
        let full = self.full_name(name, namespace);
        let size =
            object.get("size").and_then(Value::as_u64).ok_or("a fixed without a size")? as usize;
        self.named.insert(full.clone(), Named::Fixed { full: full.clone(), size });
        Ok(FieldType {
            ty: quote!([u8; #size]),
            attrs: vec![quote!(#[schemata(fixed_name = #full)])],
            option: false,
        })
    }

    fn union(
        &mut self,
        branches: &[Value],
        namespace: &str,
        from: &str,
        hint: &str,
    ) -> Result<FieldType, String> {
        let nullable = branches.iter().any(|b| b == "null");
        let rest: Vec<&Value> = branches.iter().filter(|b| *b != "null").collect();
        let inner = match rest.as_slice() {
            [] => return Err("a union of only null has no Rust type".to_owned()),
            [single] => self.ty(single, namespace, from, hint)?,
            many => {
                let mut variants = Vec::new();
                for branch in many {
                    let variant_name = match branch {
                        Value::String(name) => variant_ident(name),
                        Value::Object(o) => variant_ident(
                            o.get("name")
                                .or_else(|| o.get("type"))
                                .and_then(Value::as_str)
                                .unwrap_or("Branch"),
                        ),
                        _ => "Branch".to_owned(),
                    };
                    let field = self.ty(branch, namespace, from, hint)?;
                    let ty = field.ty;
                    let field_attrs = field.attrs;
                    let variant = format_ident!("{}", variant_name);
                    variants.push(quote!(#variant(#(#field_attrs)* #ty)));
                }
                let name = format!("{hint}Union");
                let ident = ident(&name);
                let module = segments(from);
                let item = quote! {
                    #[derive(
                        Debug, Clone, PartialEq,
                        ::schemata::__private::serde::Serialize,
                        ::schemata::__private::serde::Deserialize,
                        ::schemata::Schema,
                    )]
                    #[serde(crate = "::schemata::__private::serde")]
                    #[schemata(namespace = #from)]
                    pub enum #ident { #(#variants),* }
                };
                self.modules.entry(module).or_default().push(item);
                FieldType::plain(quote!(#ident))
            }
        };
        if !nullable {
            return Ok(inner);
        }
        let ty = inner.ty;
        Ok(FieldType { ty: quote!(::core::option::Option<#ty>), attrs: inner.attrs, option: true })
    }

    fn record(
        &mut self,
        object: &serde_json::Map<String, Value>,
        namespace: &str,
        from: &str,
    ) -> Result<FieldType, String> {
        let raw_name =
            object.get("name").and_then(Value::as_str).ok_or("a record without a name")?;
        let (namespace, name) = self.define(raw_name, object, namespace);
        let own = Value::Object(object.clone());
        let doc = doc_attr(&own);
        let aliases = aliases_attr(&own, false);
        let mut fields = Vec::new();
        let mut defaults = Vec::new();
        for field in
            object.get("fields").and_then(Value::as_array).ok_or("a record without fields")?
        {
            let field_name =
                field.get("name").and_then(Value::as_str).ok_or("a field without a name")?;
            let schema = field.get("type").ok_or("a field without a type")?;
            let hint = format!("{name}{}", pascal(field_name));
            let field_type = self.ty(schema, &namespace, &namespace, &hint)?;
            let rust_name = snake(field_name);
            let field_ident = ident(&rust_name);
            let rename = if rust_name == field_name {
                TokenStream::new()
            } else {
                quote!(#[serde(rename = #field_name)])
            };
            let default = match field.get("default") {
                None => TokenStream::new(),
                Some(Value::Null) if field_type.option => quote!(#[serde(default)]),
                Some(default) => {
                    let text = default.to_string();
                    let function = format!("__schemata_default_{}_{}", snake(&name), rust_name);
                    let function_ident = format_ident!("{}", function);
                    let ty = &field_type.ty;
                    defaults.push(quote! {
                        #[allow(non_snake_case)]
                        fn #function_ident() -> #ty {
                            ::schemata::__private::default_from_json(#text)
                        }
                    });
                    quote!(#[schemata(default_json = #text)] #[serde(default = #function)])
                }
            };
            let field_doc = doc_attr(field);
            let field_aliases = aliases_attr(field, true);
            let attrs = field_type.attrs;
            let ty = field_type.ty;
            fields.push(quote! {
                #field_doc
                #rename
                #field_aliases
                #default
                #(#attrs)*
                pub #field_ident: #ty
            });
        }
        let ident = ident(&name);
        let item = quote! {
            #doc
            #[derive(
                Debug, Clone, PartialEq,
                ::schemata::__private::serde::Serialize,
                ::schemata::__private::serde::Deserialize,
                ::schemata::Schema,
            )]
            #[serde(crate = "::schemata::__private::serde")]
            #[schemata(namespace = #namespace, name = #name)]
            #aliases
            pub struct #ident { #(#fields),* }
            #(#defaults)*
        };
        self.modules.entry(segments(&namespace)).or_default().push(item);
        Ok(FieldType::plain(path_to(from, &namespace, &name)))
    }

    fn define(
        &mut self,
        raw_name: &str,
        object: &serde_json::Map<String, Value>,
        namespace: &str,
    ) -> (String, String) {
        let namespace = object.get("namespace").and_then(Value::as_str).unwrap_or(namespace);
        let full = self.full_name(raw_name, namespace);
        let (namespace, name) = split_full(&full);
        self.named.insert(full, Named::Type { namespace: namespace.clone(), name: name.clone() });
        (namespace, name)
    }

    fn enumeration(
        &mut self,
        object: &serde_json::Map<String, Value>,
        namespace: &str,
        from: &str,
    ) -> Result<FieldType, String> {
        let raw_name =
            object.get("name").and_then(Value::as_str).ok_or("an enum without a name")?;
        let (namespace, name) = self.define(raw_name, object, namespace);
        let own = Value::Object(object.clone());
        let doc = doc_attr(&own);
        let aliases = aliases_attr(&own, false);
        let symbols: Vec<&str> = object
            .get("symbols")
            .and_then(Value::as_array)
            .ok_or("an enum without symbols")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut idents: Vec<String> = symbols.iter().map(|s| pascal(s)).collect();
        let distinct = {
            let mut sorted = idents.clone();
            sorted.sort();
            sorted.dedup();
            sorted.len() == idents.len() && idents.iter().all(|i| !i.is_empty())
        };
        if !distinct {
            idents = symbols.iter().map(|s| (*s).to_owned()).collect();
        }
        let default = object.get("default").and_then(Value::as_str);
        let variants = symbols.iter().zip(&idents).map(|(symbol, variant)| {
            let variant = ident(variant);
            let default = if default == Some(*symbol) {
                quote!(#[schemata(default)])
            } else {
                TokenStream::new()
            };
            quote!(#[serde(rename = #symbol)] #default #variant)
        });
        let ident = ident(&name);
        let item = quote! {
            #doc
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash,
                ::schemata::__private::serde::Serialize,
                ::schemata::__private::serde::Deserialize,
                ::schemata::Schema,
            )]
            #[serde(crate = "::schemata::__private::serde")]
            #[schemata(namespace = #namespace, name = #name)]
            #aliases
            #[allow(non_camel_case_types)]
            pub enum #ident { #(#variants),* }
        };
        self.modules.entry(segments(&namespace)).or_default().push(item);
        Ok(FieldType::plain(path_to(from, &namespace, &name)))
    }

    /// Nested modules, one per namespace segment, holding the generated items.
    fn emit(self) -> TokenStream {
        fn emit_level(
            prefix: &[String],
            modules: &BTreeMap<Vec<String>, Vec<TokenStream>>,
        ) -> TokenStream {
            let items = modules.get(prefix).map(Vec::as_slice).unwrap_or_default();
            let mut children: Vec<&String> = modules
                .keys()
                .filter(|k| k.len() > prefix.len() && k.starts_with(prefix))
                .map(|k| &k[prefix.len()])
                .collect();
            children.dedup();
            let children = children.into_iter().map(|child| {
                let mut path = prefix.to_vec();
                path.push(child.clone());
                let inner = emit_level(&path, modules);
                let child = ident(child);
                quote!(pub mod #child { #inner })
            });
            quote!(#(#items)* #(#children)*)
        }
        emit_level(&[], &self.modules)
    }
}
