//! The previous version of a file at a git ref, read with the `git` command line rather than a
//! git library: CI runners and laptops have git, and its answers (shallow clones, worktrees,
//! `origin/main`) are exactly what the user's own `git show` would say.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::CliError;

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
        self.show_at(&self.name, file)
    }

    /// The text of `file` at `rev` (this ref, or a commit of its history), or `None` when the
    /// file did not exist there.
    pub(crate) fn show_at(&self, rev: &str, file: &Path) -> Result<Option<String>, CliError> {
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
            return Ok(None);
        };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        // A folder gone from the work tree (git needs one to run in): read as absent.
        if !dir.is_dir() {
            return Ok(None);
        }
        // `REF:./name` is relative to the directory git runs in, so any file in the work tree
        // works whatever the current directory is.
        let object = format!("{rev}:./{}", name.to_string_lossy());
        let exists = git(dir, &["cat-file", "-e", &object])?;
        if !exists.success {
            return Ok(None);
        }
        let shown = git(dir, &["show", &object])?;
        if !shown.success {
            return Err(CliError::Other(format!("git show {object}: {}", shown.stderr_line())));
        }
        String::from_utf8(shown.stdout).map(Some).map_err(|_| CliError::Schema {
            path: format!("{rev}:{}", file.display()),
            message: "not UTF-8 text".into(),
        })
    }

    /// The versions of `file` in the history of this ref, newest first, each with a label (the
    /// ref's name for the newest, else the short commit id) and its text; consecutive identical
    /// texts are one version. At most `limit` versions. Renames are not followed: a renamed file's
    /// history starts at the rename.
    pub(crate) fn history(
        &self,
        file: &Path,
        limit: usize,
    ) -> Result<Vec<(String, String)>, CliError> {
        let Some(newest) = self.show(file)? else {
            return Ok(Vec::new());
        };
        let mut versions = vec![(self.name.clone(), newest)];
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
            return Ok(versions);
        };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let name = format!("./{}", name.to_string_lossy());
        let log = git(dir, &["log", "--format=%h", "--end-of-options", &self.name, "--", &name])?;
        if !log.success {
            return Err(CliError::Other(format!("git log {}: {}", self.name, log.stderr_line())));
        }
        let commits = String::from_utf8_lossy(&log.stdout).into_owned();
        for commit in commits.lines().map(str::trim).filter(|c| !c.is_empty()) {
            if versions.len() >= limit {
                break;
            }
            let object = format!("{commit}:{name}");
            // A commit that deleted the file has no version of it.
            let shown = git(dir, &["show", &object])?;
            if !shown.success {
                continue;
            }
            let Ok(text) = String::from_utf8(shown.stdout) else {
                continue;
            };
            if versions.last().is_some_and(|(_, last)| *last == text) {
                continue;
            }
            versions.push((commit.to_owned(), text));
        }
        Ok(versions)
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
