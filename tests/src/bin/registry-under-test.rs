//! The registry binary, as users run it, built in the tests package so integration tests can
//! spawn it as a child process (crash and signal tests).

fn main() -> std::process::ExitCode {
    schemata_registry::main()
}
