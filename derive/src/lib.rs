//! schemata-derive: `#[derive(Schema)]` (not built yet; see issue 5).
