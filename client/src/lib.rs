//! schemata: the crate users depend on. Re-exports the core today; the registry client,
//! serializers and Kafka support arrive with their issues.

pub use schemata_core as core;
