//! The previous version of a file at a git ref, read with the `git` command line rather than a
//! git library: CI runners and laptops have git, and its answers (shallow clones, worktrees,
//! `origin/main`) are exactly what the user's own `git show` would say.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::CliError;

/// A ref verified to name a commit in the repository around `cwd`.
#[derive(Debug)]
pub(crate) struct GitRef {
    name: String,
}

impl GitRef {
    /// Checks that `cwd` is inside a git work tree and that `name` resolves to a commit.
    pub(crate) fn open(cwd: &Path, name: &str) -> Result<GitRef, CliError> {
        let inside = git(cwd, &["rev-parse", "--is-inside-work-tree"])?;
        if !inside.success {
            return Err(CliError::Other(format!(
                "--against-git {name}: the current directory is not inside a git repository ({})",
                inside.stderr_line()
            )));
        }
        let spec = format!("{name}^{{commit}}");
        let verified = git(cwd, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])?;
        if !verified.success {
            return Err(CliError::Usage(format!(
                "--against-git {name}: no such commit, branch or tag in this repository \
                 (in CI, check out with fetch-depth: 0 so {name} is there)"
            )));
        }
        Ok(GitRef { name: name.to_owned() })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The text of `file` at this ref, or `None` when the file did not exist there.
    pub(crate) fn show(&self, file: &Path) -> Result<Option<String>, CliError> {
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
            return Ok(None);
        };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        // `REF:./name` is relative to the directory git runs in, so any file in the work tree
        // works whatever the current directory is.
        let object = format!("{}:./{}", self.name, name.to_string_lossy());
        let exists = git(dir, &["cat-file", "-e", &object])?;
        if !exists.success {
            return Ok(None);
        }
        let shown = git(dir, &["show", &object])?;
        if !shown.success {
            return Err(CliError::Other(format!("git show {object}: {}", shown.stderr_line())));
        }
        String::from_utf8(shown.stdout).map(Some).map_err(|_| CliError::Schema {
            path: format!("{}:{}", self.name, file.display()),
            message: "not UTF-8 text".into(),
        })
    }
}

#[derive(Debug)]
struct GitOutput {
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl GitOutput {
    fn stderr_line(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        text.lines().next().unwrap_or("no message").trim().to_owned()
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<GitOutput, CliError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        // Never prompt (credentials, pagers) in CI.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| CliError::io("git (is git installed and on PATH?)", e))?;
    Ok(GitOutput { success: output.status.success(), stdout: output.stdout, stderr: output.stderr })
}
