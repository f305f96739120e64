//! schemata-registry: the Confluent-compatible schema registry server (see ARCHITECTURE.md).
