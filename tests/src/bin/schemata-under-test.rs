//! The `schemata` CLI, built in the tests package so integration tests can run it as a child
//! process through `env!("CARGO_BIN_EXE_schemata-under-test")`.

fn main() -> std::process::ExitCode {
    schemata_cli::main()
}
