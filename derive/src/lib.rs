//! schemata-derive: `#[derive(Schema)]` (Rust type -> Avro and JSON Schema). Use it through the
//! `schemata` crate, which re-exports it; generated code reaches only `::schemata::__private`.
//!
//! The pipeline is parse (`attr`, `shape`) -> check (collecting every error in `ctxt`) -> expand
//! (`expand`), with a fallback impl on error so that one mistake does not cascade.

mod attr;
mod case;
mod ctxt;
mod expand;
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
