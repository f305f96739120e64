//! schemata-tests: the integration-test crate; its harness starts real services on loopback.
