//! schemata-derive: `#[derive(Schema)]` (Rust type -> Avro and JSON Schema) and
//! `include_schema!` (Avro schema file -> Rust types). Use it through the
//! `schemata` crate, which re-exports it; generated code reaches only `::schemata::__private`.
//!
//! The pipeline is parse (`attr`, `shape`) -> check (collecting every error in `ctxt`) -> expand
//! (`expand`), with a fallback impl on error so that one mistake does not cascade.

mod attr;
mod case;
mod ctxt;
mod expand;
mod include;
mod namespace;
mod shape;

use proc_macro::TokenStream;

/// Derives `schemata::Schema`. See the `schemata` crate documentation for the mapping and the
/// attributes.
#[proc_macro_derive(Schema, attributes(schemata, serde))]
pub fn derive_schema(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}

/// Generates Rust types (deriving `Schema` and serde) from an Avro schema file, the path relative
/// to the crate's manifest directory. See the `schemata` crate documentation.
#[proc_macro]
pub fn include_schema(input: TokenStream) -> TokenStream {
    let path = syn::parse_macro_input!(input as syn::LitStr);
    include::include_schema(&path).into()
}
