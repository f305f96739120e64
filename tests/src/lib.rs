//! schemata-tests: the integration-test crate; its harness starts real services on loopback.

/// The README's Rust snippets as doctests (`cargo test -p schemata-tests --doc`): the ones that
/// need no registry or broker run, the others (`no_run`) compile, so a README edit that breaks
/// a snippet breaks the build. The shell steps run in `tests/it/readme_tour.rs`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}
