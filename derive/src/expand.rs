//! `#[derive(Schema)]`: parse the attributes, check the type against what Avro can express, and
//! expand to `Component`, `Flatten` (named structs) and `Schema` impls. Every error is collected
//! with its span; on error a fallback impl is emitted so that uses of the type elsewhere do not add
//! a second wave of errors.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Data, DeriveInput, Fields, Ident, LitStr};

use crate::attr::{self, Container, FieldDefault};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::namespace;
use crate::shape::{self, Shape};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let impls = expand(input, &cx);
    match cx.finish() {
        Ok(()) => impls,
        Err(errors) => {
            let errors = errors.to_compile_error();
            let fallback = fallback(input);
            quote!(#errors #fallback)
        }
    }
}

/// Impls with unreachable bodies: the crate does not compile anyway, but every other use of the
/// type still type-checks, so the user sees only the errors that matter.
fn fallback(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let flatten = match &input.data {
        Data::Struct(data) if matches!(data.fields, Fields::Named(_)) => quote! {
            impl #impl_generics ::schemata::__private::Flatten for #ident #ty_generics #where_clause {
                fn avro_fields(_: &mut ::schemata::__private::AvroCtx)
                    -> ::std::vec::Vec<::schemata::__private::Value> { ::core::unreachable!() }
                fn json_object(_: &mut ::schemata::__private::JsonCtx)
                    -> ::schemata::__private::JsonObject { ::core::unreachable!() }
            }
        },
        _ => TokenStream::new(),
    };
    quote! {
        #flatten
        impl #impl_generics ::schemata::__private::Component for #ident #ty_generics #where_clause {
            fn avro(_: &mut ::schemata::__private::AvroCtx, _: &::schemata::__private::Hints)
                -> ::schemata::__private::Value { ::core::unreachable!() }
            fn json(_: &mut ::schemata::__private::JsonCtx, _: &::schemata::__private::Hints)
                -> ::schemata::__private::Value { ::core::unreachable!() }
        }
        impl #impl_generics ::schemata::Schema for #ident #ty_generics #where_clause {
            fn avro_schema() -> &'static ::schemata::__private::Value { ::core::unreachable!() }
            fn json_schema() -> &'static ::schemata::__private::Value { ::core::unreachable!() }
            fn full_name() -> &'static str { ::core::unreachable!() }
        }
    }
}

/// What every kind of type needs to name itself.
struct Names {
    /// The Avro name (short).
    name: String,
    namespace: String,
    full: String,
    doc: TokenStream,
    aliases: Vec<String>,
}

fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn check_aliases(aliases: &[LitStr], cx: &Ctxt) -> Vec<String> {
    aliases
        .iter()
        .map(|alias| {
            let value = alias.value();
            // Type aliases may be full names; field aliases are plain names.
            if !attr::is_avro_namespace(&value) || value.is_empty() {
                cx.error_spanned(
                    alias,
                    format!("schemata: alias `{value}` is not a valid Avro name"),
                );
            }
            value
        })
        .collect()
}

fn check_name(name: &str, at: impl ToTokens, what: &str, cx: &Ctxt) {
    if !attr::is_avro_name(name) {
        cx.error_spanned(
            at,
            format!(
                "schemata: {what} `{name}` is not a valid Avro name: Avro names match \
                 [A-Za-z_][A-Za-z0-9_]*"
            ),
        );
    }
}

fn names(input: &DeriveInput, container: &Container, needs_namespace: bool, cx: &Ctxt) -> Names {
    let name = match (&container.name, &container.serde_rename) {
        (Some(lit), _) | (None, Some(lit)) => {
            check_name(&lit.value(), lit, "type name", cx);
            lit.value()
        }
        (None, None) => unraw(&input.ident),
    };
    let namespace = match &container.namespace {
        Some(lit) => {
            if !attr::is_avro_namespace(&lit.value()) {
                cx.error_spanned(
                    lit,
                    format!(
                        "schemata: `{}` is not a valid Avro namespace: dot-separated names, or \
                         \"\" for none",
                        lit.value()
                    ),
                );
            }
            lit.value()
        }
        None if !needs_namespace => String::new(),
        None => match namespace::crate_default() {
            Ok(Some(namespace)) => {
                if !attr::is_avro_namespace(&namespace) {
                    cx.error_spanned(
                        &input.ident,
                        format!(
                            "schemata: the crate default namespace `{namespace}` in Cargo.toml is \
                             not a valid Avro namespace"
                        ),
                    );
                }
                namespace
            }
            Ok(None) => {
                cx.error_spanned(
                    &input.ident,
                    format!(
                        "schemata: no Avro namespace for `{name}`: add #[schemata(namespace = \
                         \"com.example\")] to the type, or set a crate default with \
                         `[package.metadata.schemata] namespace = \"com.example\"` in Cargo.toml \
                         (namespace = \"\" opts into no namespace)"
                    ),
                );
                String::new()
            }
            Err(message) => {
                cx.error_spanned(&input.ident, format!("schemata: {message}"));
                String::new()
            }
        },
    };
    let full = if namespace.is_empty() { name.clone() } else { format!("{namespace}.{name}") };
    Names {
        name,
        namespace,
        full,
        doc: opt_str(container.doc.as_deref()),
        aliases: check_aliases(&container.aliases, cx),
    }
}

fn expand(input: &DeriveInput, cx: &Ctxt) -> TokenStream {
    for param in &input.generics.params {
        match param {
            syn::GenericParam::Lifetime(_) => {}
            _ => cx.error_spanned(
                param,
                "schemata: generic types cannot derive Schema: one Rust type must map to one \
                 named Avro type; derive it on a concrete type or newtype instead",
            ),
        }
    }
    let container = attr::container(&input.attrs, cx);
    let body = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) if container.transparent => {
                let live: Vec<_> = fields
                    .named
                    .iter()
                    .map(|f| (f, attr::field(&f.attrs, cx)))
                    .filter(|(_, a)| !a.skip)
                    .collect();
                match live.as_slice() {
                    [(field, attrs)] => newtype(input, &container, field, attrs, cx),
                    _ => {
                        cx.error_spanned(
                            &input.ident,
                            "schemata: `#[serde(transparent)]` needs exactly one field that is not \
                             skipped",
                        );
                        TokenStream::new()
                    }
                }
            }
            Fields::Named(fields) => record(input, &container, fields, cx),
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let field = &fields.unnamed[0];
                let attrs = attr::field(&field.attrs, cx);
                newtype(input, &container, field, &attrs, cx)
            }
            Fields::Unnamed(fields) => {
                cx.error_spanned(
                    fields,
                    "schemata: tuple structs have no Avro form (fields need names); use named \
                     fields",
                );
                TokenStream::new()
            }
            Fields::Unit => {
                cx.error_spanned(
                    &input.ident,
                    "schemata: unit structs carry no data and have no Avro record form; use an \
                     enum variant or a struct with fields",
                );
                TokenStream::new()
            }
        },
        Data::Enum(data) => enumeration(input, &container, data, cx),
        Data::Union(data) => {
            cx.error_spanned(
                data.union_token,
                "schemata: unions cannot derive Schema; use an enum",
            );
            TokenStream::new()
        }
    };
    let track = match (&container.namespace, namespace::manifest_in_use()) {
        (None, Some(manifest)) => quote!(
            const _: &[u8] = ::core::include_bytes!(#manifest);
        ),
        _ => TokenStream::new(),
    };
    quote! {
        #[doc(hidden)]
        const _: () = {
            use ::schemata::__private as __sp;
            #track
            #body
        };
    }
}

/// The field pushes of one record (struct or struct variant).
struct FieldCode {
    avro: Vec<TokenStream>,
    json: Vec<TokenStream>,
}

fn fields_code(
    fields: &syn::FieldsNamed,
    rule: Option<RenameRule>,
    container_default: bool,
    cx: &Ctxt,
) -> FieldCode {
    let mut code = FieldCode { avro: Vec::new(), json: Vec::new() };
    let mut seen = HashSet::new();
    for field in &fields.named {
        let attrs = attr::field(&field.attrs, cx);
        if attrs.skip {
            continue;
        }
        let ty = &field.ty;
        let Some(ident) = &field.ident else { continue };
        if attrs.flatten {
            if let Some(tag) = attrs.tags.first() {
                cx.error_spanned(
                    tag,
                    "schemata: a flattened field has no field of its own to tag; tag the fields \
                     of the flattened type",
                );
            }
            if shape::is_map(ty) {
                cx.error_spanned(
                    ty,
                    "schemata: flattening a map has no Avro form: a record has a fixed set of \
                     fields",
                );
            } else if shape::is_option(ty) {
                cx.error_spanned(
                    ty,
                    "schemata: flattening an Option has no Avro form: a record's fields are \
                     always present; make each flattened field optional instead",
                );
            } else {
                code.avro.push(quote!(fields.extend(<#ty as __sp::Flatten>::avro_fields(ctx));));
                code.json.push(quote!(object.flatten(<#ty as __sp::Flatten>::json_object(ctx));));
            }
            continue;
        }
        let rust_name = unraw(ident);
        let name = match (&attrs.rename, rule) {
            (Some(lit), _) => {
                check_name(&lit.value(), lit, "field name", cx);
                lit.value()
            }
            (None, Some(rule)) => {
                let name = rule.apply_to_field(&rust_name);
                check_name(&name, ident, "field name (after rename_all)", cx);
                name
            }
            (None, None) => rust_name,
        };
        agrees_with_serde(attrs.schemata_rename.as_ref(), &name, cx);
        if !seen.insert(name.clone()) {
            cx.error_spanned(ident, format!("schemata: two fields are named `{name}`"));
        }
        let shape = shape::analyze(ty, &attrs, cx);
        let aliases = check_aliases(&attrs.aliases, cx);
        let doc = opt_str(attrs.doc.as_deref());
        let explicit_default = match &attrs.default {
            FieldDefault::Json(text) => Some(quote!(__sp::json_default(#text))),
            FieldDefault::Trait => {
                Some(quote!(__sp::serde_default(<#ty as ::core::default::Default>::default())))
            }
            FieldDefault::Path(path) => Some(quote!(__sp::serde_default(#path()))),
            FieldDefault::None if container_default => {
                Some(quote!(__sp::container_default::<Self>(#name)))
            }
            FieldDefault::None => None,
        };
        let required = explicit_default.is_none() && !shape.is_option();
        let json_default = match &explicit_default {
            Some(expr) => quote!(::core::option::Option::Some(#expr)),
            None => quote!(::core::option::Option::None),
        };
        let avro_default = match (&explicit_default, shape.is_option()) {
            (Some(expr), _) => quote!(::core::option::Option::Some(#expr)),
            // Option fields default to null, so adding one is a compatible change.
            (None, true) => quote!(::core::option::Option::Some(__sp::Value::Null)),
            (None, false) => quote!(::core::option::Option::None),
        };
        let hints = shape::hints(&attrs);
        let avro = shape.avro(&attrs);
        let json = shape.json();
        // Tags only change the output of tagged fields, so untagged schemas stay as they were.
        let tags = &attrs.tags;
        let (avro_tagged, json_tagged) = if tags.is_empty() {
            (quote!(field), TokenStream::new())
        } else {
            (
                quote!(__sp::avro::tagged(field, &[#(#tags),*])),
                quote!(object.tag(#name, &[#(#tags),*]);),
            )
        };
        code.avro.push(quote! {{
            let hints = #hints;
            let _ = &hints;
            let schema = #avro;
            let field = __sp::avro::field(#name, #doc, &[#(#aliases),*], schema, #avro_default);
            fields.push(#avro_tagged);
        }});
        code.json.push(quote! {{
            let hints = #hints;
            let _ = &hints;
            let schema = #json;
            object.property(#name, #doc, schema, #required, #json_default);
            #json_tagged
        }});
    }
    code
}

fn owner(input: &DeriveInput) -> TokenStream {
    let name = unraw(&input.ident);
    quote!(::core::concat!(::core::module_path!(), "::", #name))
}

fn schema_impl(
    input: &DeriveInput,
    container: &Container,
    full_name: TokenStream,
    json_root: &str,
) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // Only types with `#[schemata(metadata(...))]` override the trait's `None`.
    let metadata = if container.metadata.is_empty() {
        TokenStream::new()
    } else {
        let pairs = container.metadata.iter().map(|(key, value)| quote!((#key, #value)));
        quote! {
            fn metadata() -> ::core::option::Option<&'static __sp::Metadata> {
                static CELL: __sp::OnceLock<__sp::Metadata> = __sp::OnceLock::new();
                ::core::option::Option::Some(CELL.get_or_init(|| __sp::metadata(&[#(#pairs),*])))
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::schemata::Schema for #ident #ty_generics #where_clause {
            fn avro_schema() -> &'static __sp::Value {
                static CELL: __sp::OnceLock<__sp::Value> = __sp::OnceLock::new();
                CELL.get_or_init(__sp::root_avro::<Self>)
            }
            fn json_schema() -> &'static __sp::Value {
                static CELL: __sp::OnceLock<__sp::Value> = __sp::OnceLock::new();
                CELL.get_or_init(|| __sp::root_json::<Self>(#json_root))
            }
            fn full_name() -> &'static str {
                #full_name
            }
            #metadata
        }
    }
}

fn record(
    input: &DeriveInput,
    container: &Container,
    fields: &syn::FieldsNamed,
    cx: &Ctxt,
) -> TokenStream {
    let names = names(input, container, true, cx);
    let code = fields_code(
        fields,
        container.rename_all,
        matches!(container.default, FieldDefault::Trait),
        cx,
    );
    if let FieldDefault::Path(path) = &container.default {
        cx.error_spanned(
            path,
            "schemata: a container `default = \"...\"` is not supported; use `#[serde(default)]` \
             with a Default impl, or defaults on the fields",
        );
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let owner = owner(input);
    let Names { name, namespace, full, doc, aliases } = names;
    let (avro, json) = (&code.avro, &code.json);
    let closed = container.deny_unknown_fields;
    let schema = schema_impl(input, container, quote!(#full), &full);
    quote! {
        #[automatically_derived]
        impl #impl_generics __sp::Flatten for #ident #ty_generics #where_clause {
            #[allow(unused_mut, unused_variables)]
            fn avro_fields(ctx: &mut __sp::AvroCtx) -> ::std::vec::Vec<__sp::Value> {
                let mut fields = ::std::vec::Vec::new();
                #(#avro)*
                fields
            }
            #[allow(unused_mut, unused_variables)]
            fn json_object(ctx: &mut __sp::JsonCtx) -> __sp::JsonObject {
                let mut object = __sp::JsonObject::new();
                #(#json)*
                object
            }
        }
        #[automatically_derived]
        impl #impl_generics __sp::Component for #ident #ty_generics #where_clause {
            fn avro(ctx: &mut __sp::AvroCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.record(#owner, #namespace, #name, #doc, &[#(#aliases),*], |ctx| {
                    <Self as __sp::Flatten>::avro_fields(ctx)
                })
            }
            fn json(ctx: &mut __sp::JsonCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.named(#full, |ctx| {
                    <Self as __sp::Flatten>::json_object(ctx).finish(
                        ::core::option::Option::Some(#name),
                        #doc,
                        #closed,
                    )
                })
            }
        }
        #schema
    }
}

fn newtype(
    input: &DeriveInput,
    container: &Container,
    field: &syn::Field,
    attrs: &attr::Field,
    cx: &Ctxt,
) -> TokenStream {
    if let Some(tag) = attrs.tags.first() {
        cx.error_spanned(
            tag,
            "schemata: a newtype is not a record, so it has no field to tag; tag the field \
             that holds it",
        );
    }
    let shape = shape::analyze(&field.ty, attrs, cx);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let hints = shape::hints(attrs);
    let avro = shape.avro(attrs);
    let json = shape.json();
    let full_name = quote! {
        static CELL: __sp::OnceLock<::std::string::String> = __sp::OnceLock::new();
        CELL.get_or_init(|| {
            __sp::schema_full_name(<Self as ::schemata::Schema>::avro_schema())
        })
    };
    let schema = schema_impl(input, container, full_name, "");
    quote! {
        #[automatically_derived]
        impl #impl_generics __sp::Component for #ident #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn avro(ctx: &mut __sp::AvroCtx, _: &__sp::Hints) -> __sp::Value {
                let hints = #hints;
                #avro
            }
            #[allow(unused_variables)]
            fn json(ctx: &mut __sp::JsonCtx, _: &__sp::Hints) -> __sp::Value {
                let hints = #hints;
                #json
            }
        }
        #schema
    }
}

fn variant_name(
    variant: &syn::Variant,
    attrs: &attr::Variant,
    rule: Option<RenameRule>,
    cx: &Ctxt,
) -> String {
    let name = match (&attrs.rename, rule) {
        (Some(lit), _) => lit.value(),
        (None, Some(rule)) => rule.apply_to_variant(&unraw(&variant.ident)),
        (None, None) => unraw(&variant.ident),
    };
    agrees_with_serde(attrs.schemata_rename.as_ref(), &name, cx);
    name
}

/// `#[schemata(rename)]` may restate serde's name but never differ from it: the schema must name
/// what serde writes.
fn agrees_with_serde(schemata_rename: Option<&LitStr>, serde_name: &str, cx: &Ctxt) {
    if let Some(lit) = schemata_rename
        && lit.value() != serde_name
    {
        cx.error_spanned(
            lit,
            format!(
                "schemata: `rename = \"{}\"` differs from the name serde writes (`{serde_name}`); \
                 use #[serde(rename = \"{}\")], which both read",
                lit.value(),
                lit.value()
            ),
        );
    }
}

fn enumeration(
    input: &DeriveInput,
    container: &Container,
    data: &syn::DataEnum,
    cx: &Ctxt,
) -> TokenStream {
    let names = names(input, container, true, cx);
    if data.variants.is_empty() {
        cx.error_spanned(
            &input.ident,
            "schemata: an enum without variants has no values and no Avro form",
        );
        return TokenStream::new();
    }
    if let Some(tag) = &container.tag {
        let what = if container.content.is_some() { "adjacently" } else { "internally" };
        cx.error_spanned(
            tag,
            format!(
                "schemata: {what} tagged enums are not supported: Avro carries the variant as the \
                 union branch, and serde would write the tag as data no Avro reader expects; remove \
                 `tag` (serde's default external tagging) or use `#[serde(untagged)]`"
            ),
        );
        return TokenStream::new();
    }
    let variants: Vec<_> = data
        .variants
        .iter()
        .map(|v| (v, attr::variant(&v.attrs, cx)))
        .filter(|(_, attrs)| !attrs.skip)
        .collect();
    let unit_only = variants.iter().all(|(v, _)| matches!(v.fields, Fields::Unit));
    if unit_only && container.untagged.is_none() {
        return symbols(input, container, names, &variants, cx);
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let owner = owner(input);
    let Names { namespace, full, .. } = &names;
    let untagged = container.untagged.is_some();
    let mut avro_branches = Vec::new();
    let mut json_branches = Vec::new();
    let mut seen = HashSet::new();
    for (variant, attrs) in &variants {
        let name = variant_name(variant, attrs, container.rename_all, cx);
        let vowner = {
            let suffix = format!("::{}", unraw(&variant.ident));
            quote!(::core::concat!(#owner, #suffix))
        };
        if let Some(path) = &attrs.default {
            cx.error_spanned(
                path,
                "schemata: only enums of unit variants (Avro enums) have a default symbol",
            );
        }
        let vdoc = opt_str(attrs.doc.as_deref());
        let valiases = check_aliases(&attrs.aliases, cx);
        match &variant.fields {
            Fields::Unit => {
                if untagged {
                    cx.error_spanned(
                        variant,
                        "schemata: an untagged unit variant serializes as null, which no Avro \
                         union branch of a record can carry; give it fields or drop `untagged`",
                    );
                    continue;
                }
                check_name(&name, &variant.ident, "variant name", cx);
                avro_branches.push(quote! {
                    ctx.record(#vowner, #namespace, #name, #vdoc, &[#(#valiases),*], |_| {
                        ::std::vec::Vec::new()
                    })
                });
                json_branches.push(quote!(__sp::json::unit_variant(#name)));
            }
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let field = &fields.unnamed[0];
                let fattrs = attr::field(&field.attrs, cx);
                let shape = shape::analyze(&field.ty, &fattrs, cx);
                if let Shape::Option(_) = shape {
                    cx.error_spanned(
                        &field.ty,
                        "schemata: an Option inside a variant would nest a union in a union, \
                         which Avro forbids; add a unit variant for the empty case instead",
                    );
                }
                let hints = shape::hints(&fattrs);
                let avro = shape.avro(&fattrs);
                let json = shape.json();
                avro_branches.push(quote!({
                    let hints = #hints;
                    let _ = &hints;
                    #avro
                }));
                let body = quote!({
                    let hints = #hints;
                    let _ = &hints;
                    #json
                });
                json_branches.push(if untagged {
                    body
                } else {
                    quote!(__sp::json::tagged(#name, #body))
                });
            }
            Fields::Unnamed(fields) => {
                cx.error_spanned(
                    fields,
                    "schemata: tuple variants have no Avro form (fields need names); use a struct \
                     variant with named fields",
                );
            }
            Fields::Named(fields) => {
                check_name(&name, &variant.ident, "variant name", cx);
                let rule = attrs.rename_all.or(container.rename_all_fields);
                let code = fields_code(fields, rule, false, cx);
                let (avro, json) = (&code.avro, &code.json);
                avro_branches.push(quote! {
                    ctx.record(#vowner, #namespace, #name, #vdoc, &[#(#valiases),*], |ctx| {
                        let mut fields = ::std::vec::Vec::new();
                        #(#avro)*
                        fields
                    })
                });
                let body = quote!({
                    let mut object = __sp::JsonObject::new();
                    #(#json)*
                    object.finish(::core::option::Option::None, #vdoc, false)
                });
                json_branches.push(if untagged {
                    body
                } else {
                    quote!(__sp::json::tagged(#name, #body))
                });
            }
        }
        if !seen.insert(name.clone()) {
            cx.error_spanned(&variant.ident, format!("schemata: two variants are named `{name}`"));
        }
    }
    let schema = schema_impl(input, container, quote!(#full), full);
    quote! {
        #[automatically_derived]
        impl #impl_generics __sp::Component for #ident #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn avro(ctx: &mut __sp::AvroCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.union(#owner, |ctx| ::std::vec![#(#avro_branches),*])
            }
            #[allow(unused_variables)]
            fn json(ctx: &mut __sp::JsonCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.named(#full, |ctx| __sp::json::one_of(::std::vec![#(#json_branches),*]))
            }
        }
        #schema
    }
}

/// A unit-only enum: an Avro enum of symbols, a JSON string enum.
fn symbols(
    input: &DeriveInput,
    container: &Container,
    names: Names,
    variants: &[(&syn::Variant, attr::Variant)],
    cx: &Ctxt,
) -> TokenStream {
    let mut symbols = Vec::new();
    let mut default: Option<String> = None;
    for (variant, attrs) in variants {
        let name = variant_name(variant, attrs, container.rename_all, cx);
        if let Some(path) = &attrs.default {
            if default.is_some() {
                cx.error_spanned(path, "schemata: only one variant can be the enum's default");
            }
            default = Some(name.clone());
        }
        check_name(&name, &variant.ident, "enum symbol", cx);
        if symbols.contains(&name) {
            cx.error_spanned(&variant.ident, format!("schemata: two variants are named `{name}`"));
        }
        symbols.push(name);
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let owner = owner(input);
    let Names { name, namespace, full, doc, aliases } = names;
    let schema = schema_impl(input, container, quote!(#full), &full);
    let default = opt_str(default.as_deref());
    quote! {
        #[automatically_derived]
        impl #impl_generics __sp::Component for #ident #ty_generics #where_clause {
            fn avro(ctx: &mut __sp::AvroCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.enumeration(
                    #owner,
                    #namespace,
                    #name,
                    #doc,
                    &[#(#aliases),*],
                    &[#(#symbols),*],
                    #default,
                )
            }
            fn json(ctx: &mut __sp::JsonCtx, _: &__sp::Hints) -> __sp::Value {
                ctx.named(#full, |_| __sp::json::symbols(#name, #doc, &[#(#symbols),*]))
            }
        }
        #schema
    }
}
