//! The `schemata` binary; everything lives in the `schemata_cli` library (so the integration
//! tests can build the same entry point).

fn main() -> std::process::ExitCode {
    schemata_cli::main()
}
