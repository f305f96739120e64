//! The `schemata` binary; everything lives in `schemata::cli`.

fn main() -> std::process::ExitCode {
    schemata::cli::main()
}
