//! The `schemata-registry` binary: everything happens in `schemata_registry::main`.

fn main() -> std::process::ExitCode {
    schemata_registry::main()
}
