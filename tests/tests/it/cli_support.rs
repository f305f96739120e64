//! Runs the built `schemata` binary as users do: arguments, environment, working directory and
//! stdin in; exit code, stdout and stderr out. Async, so a test's in-process registry keeps
//! serving while the child talks to it; every run is bounded by `harness::WAIT`.
#![allow(dead_code, reason = "helpers shared by the CLI test modules, not each used by all")]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt as _;

use crate::harness::WAIT;

/// What one run of the binary produced.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// The exit code (`None` only if a signal ended it).
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// Panics with the whole output unless the exit code is `code`.
    #[track_caller]
    pub(crate) fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A command line to run; `schemata(["check", ...])`, then optional settings, then `.run()`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Another build of the CLI (an installed one) instead of `binary()`.
    program: Option<PathBuf>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
    stdin: Vec<u8>,
}

/// The binary cargo built for this test run.
pub(crate) fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_schemata-under-test"))
}

/// Starts describing a run with `args`.
pub(crate) fn schemata<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Run {
        program: None,
        args: args.into_iter().map(Into::into).collect(),
        env: Vec::new(),
        cwd: None,
        stdin: Vec::new(),
    }
}

impl Run {
    /// Runs `program` (another build of the CLI) instead of the one built for the tests.
    pub(crate) fn program(mut self, program: &Path) -> Run {
        self.program = Some(program.to_path_buf());
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Run {
        self.env.push((key.into(), value.into()));
        self
    }

    pub(crate) fn cwd(mut self, dir: &Path) -> Run {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    pub(crate) fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = bytes.into();
        self
    }

    /// Runs the binary to completion (bounded by `WAIT`) and returns what it printed.
    pub(crate) async fn run(self) -> Output {
        let mut command = tokio::process::Command::new(self.program.unwrap_or_else(binary));
        command
            .args(&self.args)
            // The user's environment must not leak a registry into tests.
            .env_remove("SCHEMATA_REGISTRY_URL")
            .env_remove("SCHEMATA_REGISTRY_BASIC_AUTH")
            .env_remove("SCHEMATA_REGISTRY_BEARER_TOKEN")
            .env_remove("SCHEMATA_REGISTRY_CA")
            .env_remove("SCHEMATA_REGISTRY_TIMEOUT_MS")
            .env_remove("SCHEMATA_BOOTSTRAP_SERVERS")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        let mut child = command.spawn().expect("spawn the schemata binary");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = self.stdin;
        // Fed concurrently with reading the output, so a large input cannot deadlock on pipes.
        let feeder = tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
            drop(stdin);
        });
        let output = match tokio::time::timeout(WAIT, child.wait_with_output()).await {
            Ok(output) => output.expect("wait for the schemata binary"),
            Err(_) => panic!("schemata {:?} did not finish within {WAIT:?}", self.args),
        };
        let _ = feeder.await;
        Output {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
