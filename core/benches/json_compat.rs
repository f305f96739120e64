//! Placeholder until the engine lands.
fn main() {}
