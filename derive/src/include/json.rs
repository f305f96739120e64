//! `include_schema!` for JSON Schema files: the draft 7 shape `#[derive(Schema)]` writes (objects
//! named by `title`, named types under `definitions`, `oneOf` null/T for options, the integer
//! ranges of the Rust integer types), so that the generated type's derived JSON Schema is the
//! file again. Anything outside that shape is an error naming the JSON pointer, never a guess.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

use super::{ident, snake};

pub(super) fn generate(schema: &Value) -> Result<TokenStream, String> {
    let root = schema.as_object().ok_or("the schema is not an object")?;
    let title = root
        .get("title")
        .and_then(Value::as_str)
        .ok_or("the root schema needs a \"title\": it names the generated type")?;
    let mut generator =
        Generator { root: title.to_owned(), items: Vec::new(), open: HashSet::new() };
    let empty = Map::new();
    let definitions = root.get("definitions").and_then(Value::as_object).unwrap_or(&empty);
    for (name, definition) in definitions {
        generator.definition(name, definition, &format!("/definitions/{name}"))?;
    }
    generator.definition(title, schema, "")?;
    let items = generator.items;
    Ok(quote!(#(#items)*))
}

struct Generator {
    root: String,
    items: Vec<TokenStream>,
    /// Types whose definition is being generated: a reference to one is boxed.
    open: HashSet<String>,
}

struct FieldType {
    ty: TokenStream,
    attrs: Vec<TokenStream>,
    option: bool,
}

fn plain(ty: TokenStream) -> FieldType {
    FieldType { ty, attrs: Vec::new(), option: false }
}

fn derives(copy: bool) -> TokenStream {
    let copy = if copy { quote!(Copy, Eq, Hash,) } else { TokenStream::new() };
    quote! {
        #[derive(
            Debug, Clone, PartialEq, #copy
            ::schemata::__private::serde::Serialize,
            ::schemata::__private::serde::Deserialize,
            ::schemata::Schema,
        )]
        #[serde(crate = "::schemata::__private::serde")]
    }
}

fn doc(object: &Map<String, Value>) -> TokenStream {
    match object.get("description").and_then(Value::as_str) {
        Some(doc) => quote!(#[doc = #doc]),
        None => TokenStream::new(),
    }
}

impl Generator {
    fn definition(&mut self, name: &str, schema: &Value, at: &str) -> Result<(), String> {
        let object = schema.as_object().ok_or(format!("{at}: not an object"))?;
        if object.get("title").and_then(Value::as_str) != Some(name) {
            return Err(format!("{at}: a definition's \"title\" must be its name `{name}`"));
        }
        let type_ident = ident(name);
        let doc = doc(object);
        if let Some(symbols) = object.get("enum").and_then(Value::as_array) {
            let variants = symbols
                .iter()
                .map(|symbol| {
                    let symbol =
                        symbol.as_str().ok_or(format!("{at}/enum: symbols are strings"))?;
                    let variant = ident(symbol);
                    Ok(quote!(#[serde(rename = #symbol)] #variant))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let derives = derives(true);
            self.items.push(quote! {
                #doc
                #derives
                #[schemata(namespace = "")]
                #[allow(non_camel_case_types)]
                pub enum #type_ident { #(#variants),* }
            });
            return Ok(());
        }
        if object.get("type").and_then(Value::as_str) != Some("object") {
            return Err(format!("{at}: a named type is an object or a string enum"));
        }
        self.open.insert(name.to_owned());
        let required: HashSet<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let properties = object.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let mut fields = Vec::new();
        for (property, schema) in properties {
            let at = format!("{at}/properties/{property}");
            fields.push(self.field(
                name,
                property,
                schema,
                required.contains(property.as_str()),
                &at,
            )?);
        }
        self.open.remove(name);
        let closed = if object.get("additionalProperties") == Some(&Value::Bool(false)) {
            quote!(#[serde(deny_unknown_fields)])
        } else {
            TokenStream::new()
        };
        let derives = derives(false);
        self.items.push(quote! {
            #doc
            #derives
            #[schemata(namespace = "")]
            #closed
            pub struct #type_ident { #(#fields),* }
        });
        Ok(())
    }

    fn field(
        &mut self,
        owner: &str,
        property: &str,
        schema: &Value,
        required: bool,
        at: &str,
    ) -> Result<TokenStream, String> {
        let mut object = schema.as_object().ok_or(format!("{at}: not an object"))?.clone();
        let field_doc = doc(&object);
        object.remove("description");
        let default = object.remove("default");
        // The derive wraps a `$ref` with siblings in `allOf`, since draft 7 ignores them.
        let inner = match object.get("allOf").and_then(Value::as_array) {
            Some(all) if object.len() == 1 && all.len() == 1 => all[0].clone(),
            _ => Value::Object(object),
        };
        let field_type = self.ty(&inner, at)?;
        let rust_name = snake(property);
        let field_ident = ident(&rust_name);
        let rename = if rust_name == property {
            TokenStream::new()
        } else {
            quote!(#[serde(rename = #property)])
        };
        let default = match (default, required, field_type.option) {
            (Some(_), true, _) => {
                return Err(format!("{at}: a required property cannot have a default"));
            }
            (None, true, false) | (None, false, true) => TokenStream::new(),
            (None, true, true) => {
                return Err(format!(
                    "{at}: a nullable property is never required in the derive's shape"
                ));
            }
            (None, false, false) => {
                return Err(format!(
                    "{at}: an optional property needs a default or a null branch (oneOf null/T)"
                ));
            }
            (Some(default), false, _) => {
                let text = default.to_string();
                let function = format!("__schemata_default_{}_{}", snake(owner), rust_name);
                let function_ident = format_ident!("{}", function);
                let ty = &field_type.ty;
                self.items.push(quote! {
                    #[allow(non_snake_case)]
                    fn #function_ident() -> #ty {
                        ::schemata::__private::default_from_json(#text)
                    }
                });
                quote!(#[schemata(default_json = #text)] #[serde(default = #function)])
            }
        };
        let attrs = field_type.attrs;
        let ty = field_type.ty;
        Ok(quote! {
            #field_doc
            #rename
            #default
            #(#attrs)*
            pub #field_ident: #ty
        })
    }

    fn reference(&self, name: &str) -> FieldType {
        let type_ident = ident(name);
        if self.open.contains(name) {
            plain(quote!(::std::boxed::Box<#type_ident>))
        } else {
            plain(quote!(#type_ident))
        }
    }

    fn ty(&mut self, schema: &Value, at: &str) -> Result<FieldType, String> {
        let object = schema.as_object().ok_or(format!("{at}: not an object"))?;
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            if reference == "#" {
                return Ok(self.reference(&self.root.clone()));
            }
            let name = reference
                .strip_prefix("#/definitions/")
                .ok_or(format!("{at}: only local `#/definitions/...` references are supported"))?;
            return Ok(self.reference(name));
        }
        if let Some(branches) = object.get("oneOf").and_then(Value::as_array) {
            return match branches.as_slice() {
                [null, inner] if null == &serde_json::json!({"type": "null"}) => {
                    let inner = self.ty(inner, &format!("{at}/oneOf/1"))?;
                    let ty = inner.ty;
                    Ok(FieldType {
                        ty: quote!(::core::option::Option<#ty>),
                        attrs: inner.attrs,
                        option: true,
                    })
                }
                _ => Err(format!(
                    "{at}: only `oneOf` of null and one schema (an Option) is supported"
                )),
            };
        }
        let kind =
            object.get("type").and_then(Value::as_str).ok_or(format!("{at}: no \"type\""))?;
        let minimum = object.get("minimum").and_then(Value::as_i64);
        let maximum = object.get("maximum").and_then(Value::as_i64);
        let format = object.get("format").and_then(Value::as_str);
        Ok(match (kind, format) {
            ("string", Some("uuid")) => plain(quote!(::schemata::__private::uuid::Uuid)),
            ("string", Some("date-time")) => plain(quote!(
                ::schemata::__private::chrono::DateTime<::schemata::__private::chrono::Utc>
            )),
            ("string", Some("date")) => plain(quote!(::schemata::__private::chrono::NaiveDate)),
            ("string", _) => plain(quote!(::std::string::String)),
            ("boolean", _) => plain(quote!(bool)),
            ("number", _) => plain(quote!(f64)),
            ("integer", _) => match (minimum, maximum) {
                (None, None) => plain(quote!(i64)),
                (Some(-128), Some(127)) => plain(quote!(i8)),
                (Some(-32768), Some(32767)) => plain(quote!(i16)),
                (Some(-2147483648), Some(2147483647)) => plain(quote!(i32)),
                (Some(0), Some(255)) => plain(quote!(u8)),
                (Some(0), Some(65535)) => plain(quote!(u16)),
                (Some(0), Some(4294967295)) => plain(quote!(u32)),
                (Some(0), None) => FieldType {
                    ty: quote!(u64),
                    attrs: vec![quote!(#[schemata(avro = "long")])],
                    option: false,
                },
                _ => return Err(format!("{at}: an integer range of no Rust integer type")),
            },
            ("array", _) => {
                let items = object.get("items").ok_or(format!("{at}: an array without items"))?;
                let inner = self.ty(items, &format!("{at}/items"))?;
                let ty = inner.ty;
                FieldType { ty: quote!(::std::vec::Vec<#ty>), attrs: inner.attrs, option: false }
            }
            ("object", _) => {
                let values = object.get("additionalProperties").filter(|v| v.is_object()).ok_or(
                    format!("{at}: an inline object; name it under definitions or use a map"),
                )?;
                let inner = self.ty(values, &format!("{at}/additionalProperties"))?;
                let ty = inner.ty;
                FieldType {
                    ty: quote!(::std::collections::HashMap<::std::string::String, #ty>),
                    attrs: inner.attrs,
                    option: false,
                }
            }
            (other, _) => return Err(format!("{at}: type `{other}` is not supported")),
        })
    }
}
