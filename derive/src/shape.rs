//! Reads a field's type syntactically into the shape its schema takes. Shapes that need a choice
//! or have no Avro form (u64, tuples, maps with non-string keys, ...) are reported here, at the
//! span of the offending type; everything else becomes a call to the type's `Component` impl.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

use crate::attr::Field;
use crate::ctxt::Ctxt;

#[derive(Debug)]
pub(crate) enum Shape {
    Option(Box<Shape>),
    Array(Box<Shape>),
    Map(Box<Shape>),
    Bytes,
    Fixed(syn::Expr),
    Str,
    /// An integer wider than Avro allows, written as long by request (range checked later).
    Long {
        unsigned: bool,
    },
    /// An integer wider than Avro allows, written as a decimal by request.
    DecimalInt {
        precision: u32,
        scale: u32,
        unsigned: bool,
    },
    /// Anything else: `<T as Component>`.
    Leaf(Type),
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

fn generic_args(segment: &syn::PathSegment) -> Vec<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_ident(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_none())
}

fn is_string_like(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_ident(&r.elem, "str"),
        _ => is_ident(ty, "String") || last_segment(ty).is_some_and(|s| s.ident == "Cow"),
    }
}

pub(crate) fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

pub(crate) fn is_map(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "HashMap" || s.ident == "BTreeMap")
}

/// Whether a type mentions rust_decimal's `Decimal` (directly or inside a wrapper).
fn mentions_decimal(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .iter()
            .any(|s| s.ident == "Decimal" || generic_args(s).into_iter().any(mentions_decimal)),
        Type::Reference(r) => mentions_decimal(&r.elem),
        Type::Paren(p) => mentions_decimal(&p.elem),
        Type::Group(g) => mentions_decimal(&g.elem),
        _ => false,
    }
}

pub(crate) fn analyze(ty: &Type, field: &Field, cx: &Ctxt) -> Shape {
    if mentions_decimal(ty) && (field.precision.is_none() || field.scale.is_none()) {
        cx.error_spanned(
            ty,
            "schemata: a Decimal needs #[schemata(precision = P, scale = S)]: Avro decimals have \
             one scale for every value",
        );
    }
    shape(ty, field, cx)
}

fn shape(ty: &Type, field: &Field, cx: &Ctxt) -> Shape {
    match ty {
        Type::Paren(p) => return shape(&p.elem, field, cx),
        Type::Group(g) => return shape(&g.elem, field, cx),
        Type::Reference(r) => {
            if is_ident(&r.elem, "str") {
                return Shape::Str;
            }
            if let Type::Slice(slice) = &*r.elem {
                if is_ident(&slice.elem, "u8") {
                    return Shape::Bytes;
                }
                return Shape::Array(Box::new(shape(&slice.elem, field, cx)));
            }
            return shape(&r.elem, field, cx);
        }
        Type::Tuple(tuple) if tuple.elems.is_empty() => {
            cx.error_spanned(
                ty,
                "schemata: the unit type `()` has no Avro form; leave the field out",
            );
            return Shape::Str;
        }
        Type::Tuple(_) => {
            cx.error_spanned(
                ty,
                "schemata: tuples have no Avro form (fields need names); use a struct with named \
                 fields",
            );
            return Shape::Str;
        }
        Type::Array(array) => {
            if is_ident(&array.elem, "u8") {
                return Shape::Fixed(array.len.clone());
            }
            cx.error_spanned(
                ty,
                "schemata: only byte arrays `[u8; N]` have an Avro form (fixed); use a Vec for a \
                 list",
            );
            return Shape::Str;
        }
        Type::Path(_) => {}
        _ => {
            cx.error_spanned(ty, "schemata: this type has no Avro form");
            return Shape::Str;
        }
    }
    let Some(segment) = last_segment(ty) else { return Shape::Leaf(ty.clone()) };
    let name = segment.ident.to_string();
    let args = generic_args(segment);
    match (name.as_str(), args.as_slice()) {
        ("Option", [inner]) => {
            if is_option(inner) {
                cx.error_spanned(
                    ty,
                    "schemata: `Option<Option<T>>` has no Avro form: both `None`s would be null",
                );
            }
            Shape::Option(Box::new(shape(inner, field, cx)))
        }
        ("Box" | "Rc" | "Arc", [inner]) => shape(inner, field, cx),
        ("Cow", [_]) if is_string_like(ty) => Shape::Str,
        ("Vec", [inner]) if is_ident(inner, "u8") => Shape::Bytes,
        ("Vec" | "VecDeque" | "HashSet" | "BTreeSet", [inner, ..]) => {
            Shape::Array(Box::new(shape(inner, field, cx)))
        }
        ("HashMap" | "BTreeMap", [key, value, ..]) => {
            if !is_string_like(key) {
                cx.error_spanned(
                    key,
                    "schemata: Avro map keys are strings; use `String` as the key type",
                );
            }
            Shape::Map(Box::new(shape(value, field, cx)))
        }
        ("String", []) | ("str", []) => Shape::Str,
        ("u64" | "usize" | "u128" | "i128", []) => wide_integer(ty, &name, field, cx),
        _ => Shape::Leaf(ty.clone()),
    }
}

fn wide_integer(ty: &Type, name: &str, field: &Field, cx: &Ctxt) -> Shape {
    let unsigned = name.starts_with('u');
    match field.avro.as_ref().map(syn::LitStr::value).as_deref() {
        Some("long") => Shape::Long { unsigned },
        Some("decimal") => match (field.precision, field.scale) {
            (Some(precision), Some(scale)) => Shape::DecimalInt { precision, scale, unsigned },
            _ => {
                cx.error_spanned(
                    ty,
                    "schemata: `avro = \"decimal\"` needs `precision = P, scale = S` too",
                );
                Shape::Long { unsigned }
            }
        },
        _ => {
            cx.error_spanned(
                ty,
                format!(
                    "schemata: `{name}` does not fit Avro's signed 64-bit long; choose with \
                     #[schemata(avro = \"long\")] (values beyond the long range fail when \
                     serializing) or #[schemata(avro = \"decimal\", precision = 20, scale = 0)]"
                ),
            );
            Shape::Long { unsigned }
        }
    }
}

impl Shape {
    pub(crate) fn is_option(&self) -> bool {
        matches!(self, Shape::Option(_))
    }

    /// An expression of type `Value` building the Avro schema; `ctx` and `hints` are in scope.
    pub(crate) fn avro(&self, field: &Field) -> TokenStream {
        match self {
            Shape::Option(inner) => {
                let inner = inner.avro(field);
                quote!(__sp::avro::option(#inner))
            }
            Shape::Array(inner) => {
                let inner = inner.avro(field);
                quote!(__sp::avro::array(#inner))
            }
            Shape::Map(inner) => {
                let inner = inner.avro(field);
                quote!(__sp::avro::map(#inner))
            }
            Shape::Bytes => quote!(__sp::avro::bytes()),
            Shape::Fixed(len) => {
                let name = field.fixed_name.as_ref().map(syn::LitStr::value).unwrap_or_default();
                quote!(ctx.fixed(#name, (#len) as usize))
            }
            Shape::Str => quote!(__sp::avro::primitive("string")),
            Shape::Long { .. } => quote!(__sp::avro::primitive("long")),
            Shape::DecimalInt { precision, scale, .. } => {
                quote!(__sp::avro::decimal_bytes(#precision, #scale))
            }
            Shape::Leaf(ty) => quote!(<#ty as __sp::Component>::avro(ctx, &hints)),
        }
    }

    /// An expression of type `Value` building the JSON Schema.
    pub(crate) fn json(&self) -> TokenStream {
        match self {
            Shape::Option(inner) => {
                let inner = inner.json();
                quote!(__sp::json::option(#inner))
            }
            Shape::Array(inner) => {
                let inner = inner.json();
                quote!(__sp::json::array(#inner))
            }
            Shape::Map(inner) => {
                let inner = inner.json();
                quote!(__sp::json::map(#inner))
            }
            Shape::Bytes => quote!(__sp::json::bytes()),
            Shape::Fixed(len) => quote!(__sp::json::fixed((#len) as usize)),
            Shape::Str => quote!(__sp::json::string()),
            Shape::Long { unsigned: true } | Shape::DecimalInt { unsigned: true, .. } => {
                quote!(__sp::json::unsigned())
            }
            Shape::Long { unsigned: false } | Shape::DecimalInt { unsigned: false, .. } => {
                quote!(__sp::json::integer())
            }
            Shape::Leaf(ty) => quote!(<#ty as __sp::Component>::json(ctx, &hints)),
        }
    }
}

/// The hints a field's annotations pass to its leaf types.
pub(crate) fn hints(field: &Field) -> TokenStream {
    let millis = field.timestamp_millis;
    let decimal = match (field.precision, field.scale) {
        (Some(p), Some(s)) => quote!(::core::option::Option::Some((#p, #s))),
        _ => quote!(::core::option::Option::None),
    };
    quote!(__sp::Hints { timestamp_millis: #millis, decimal: #decimal })
}
