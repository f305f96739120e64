//! schemata's one integration-test binary. Each area is a module; all of them share `harness`,
//! which starts real services on loopback with fresh state per test.

mod broker;
mod cli_check;
mod cli_console;
mod cli_diff;
mod cli_registry;
mod cli_support;
mod cli_tls;
mod cli_transfer;
mod cli_workflow;
mod client_interop;
mod client_registry;
mod client_serde;
mod client_support;
mod client_tls;
mod harness;
mod json_interop;
mod kafka;
mod kafka_interop;
mod protobuf;
mod python;
mod readme_tour;
mod registry_api;
mod registry_bad_input;
mod registry_concurrency;
mod registry_connections;
mod registry_durability;
mod registry_interop;
mod registry_kafka;
mod registry_model;
mod registry_process;
mod security_support;
mod security_tls;
mod tidy;
mod ui;
mod ui_perf;
