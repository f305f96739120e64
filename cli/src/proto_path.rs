//! `.proto` files with their imports, resolved as protoc resolves them: each import path is
//! looked up in the folders of an include path in turn (`--proto-path DIR`, like protoc's `-I`,
//! then the folders the command defaults to), the first file found wins; the well-known and
//! Confluent-bundled imports need no file. Core walks the imports (`collect_imports`, with its
//! cycle, depth and count limits); this module only reads files, from disk or from a git ref.

use std::path::{Component, Path, PathBuf};

use schemata_core::protobuf::{Imports, ReadResult, collect_imports, parse_with_imports};
use schemata_core::{ParseError, Schema, SchemaType};

use crate::CliError;

/// The folders imports are looked up in, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProtoPath {
    dirs: Vec<PathBuf>,
    /// The working directory, so messages show folders under it relative to it.
    cwd: PathBuf,
}

impl ProtoPath {
    /// `explicit` (the `--proto-path` folders, relative to `cwd`) first, then `defaults`;
    /// a folder named twice is searched once, at its first place.
    pub(crate) fn new(
        explicit: &[PathBuf],
        defaults: impl IntoIterator<Item = PathBuf>,
        cwd: &Path,
    ) -> ProtoPath {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for dir in explicit.iter().map(|d| cwd.join(d)).chain(defaults) {
            let dir = normalize(&dir);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        ProtoPath { dirs, cwd: cwd.to_path_buf() }
    }

    /// This include path with `dir` searched last (a file's own folder, say).
    pub(crate) fn then(&self, dir: Option<&Path>) -> ProtoPath {
        let mut out = self.clone();
        if let Some(dir) = dir {
            let dir = normalize(dir);
            if !out.dirs.contains(&dir) {
                out.dirs.push(dir);
            }
        }
        out
    }

    /// The import path `file` would be imported by: relative to the first folder that holds it,
    /// else its file name. It names the root in import-cycle messages.
    fn name_of(&self, file: &Path) -> String {
        let file = normalize(file);
        self.dirs
            .iter()
            .find_map(|dir| file.strip_prefix(dir).ok())
            .unwrap_or_else(|| Path::new(file.file_name().unwrap_or_default()))
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// Every file `text` (the file at `file`) imports, read from disk.
    pub(crate) fn imports(&self, file: &Path, text: &str) -> Result<Imports, ParseError> {
        self.imports_with(file, text, &mut |path| match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        })
    }

    /// The files on disk that `text` (the file at `file`) imports, transitively, each with its
    /// import path; none when its imports do not resolve.
    pub(crate) fn imported_files(&self, file: &Path, text: &str) -> Vec<(PathBuf, String)> {
        let Ok(imports) = self.imports(file, text) else {
            return Vec::new();
        };
        imports
            .files
            .iter()
            .filter_map(|f| {
                let found = self.dirs.iter().map(|dir| dir.join(&f.name)).find(|p| p.is_file());
                found.map(|path| (path, f.name.clone()))
            })
            .collect()
    }

    /// An import path as a file to show: the file it resolves to on disk, relative to the
    /// working directory when under it; the import path itself when no folder holds it.
    pub(crate) fn shown_import(&self, import: &str) -> String {
        let Some(path) = self.dirs.iter().map(|dir| dir.join(import)).find(|p| p.is_file()) else {
            return import.to_owned();
        };
        path.strip_prefix(&self.cwd).unwrap_or(&path).to_string_lossy().replace('\\', "/")
    }

    /// As [`ProtoPath::imports`], reading each candidate file through `read` (a git ref's
    /// version of it, say): `Ok(None)` when it is not there.
    pub(crate) fn imports_with(
        &self,
        file: &Path,
        text: &str,
        read: &mut dyn FnMut(&Path) -> ReadResult,
    ) -> Result<Imports, ParseError> {
        let mut find = |import: &str| -> ReadResult {
            // An import path names a file below an include folder, never above or beside it.
            let relative = Path::new(import);
            if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err("an import path is relative to the include path, without '..'".into());
            }
            for dir in &self.dirs {
                if let Some(text) = read(&dir.join(relative))? {
                    return Ok(Some(text));
                }
            }
            Ok(None)
        };
        collect_imports(&self.name_of(file), text, &mut find)
    }

    /// Parses a schema file: a `.proto` file with its imports (offline, each referenced as its
    /// latest version), any other type as it is. Errors name `shown` and, for a missing
    /// import, the folders searched.
    pub(crate) fn parse(
        &self,
        schema_type: SchemaType,
        file: &Path,
        text: &str,
        shown: &str,
    ) -> Result<Schema, CliError> {
        self.parse_with(schema_type, file, text, shown, None)
    }

    /// As [`ProtoPath::parse`], reading imports through `read` when given.
    pub(crate) fn parse_with(
        &self,
        schema_type: SchemaType,
        file: &Path,
        text: &str,
        shown: &str,
        read: Option<&mut dyn FnMut(&Path) -> ReadResult>,
    ) -> Result<Schema, CliError> {
        let parsed = if schema_type == SchemaType::Protobuf {
            let imports = match read {
                Some(read) => self.imports_with(file, text, read),
                None => self.imports(file, text),
            };
            imports.and_then(|imports| parse_with_imports(text, &imports, &|_| -1))
        } else {
            Schema::parse(schema_type, text)
        };
        parsed.map_err(|e| self.error(shown, &e))
    }

    /// Registers every file a `.proto` file imports (dependencies first, each under its import
    /// path as subject: the client's `register_proto_imports`, the serializers' rule), then
    /// answers the file parsed with references to the versions they have; the caller registers
    /// it. Idempotent: a second run finds every import registered already. Also answers the
    /// import paths registered, for the caller to report.
    pub(crate) async fn register_imports(
        &self,
        client: &schemata::RegistryClient,
        file: &Path,
        text: &str,
        shown: &str,
        normalize: bool,
    ) -> Result<(Schema, Vec<(String, i32)>), CliError> {
        let imports = self.imports(file, text).map_err(|e| self.error(shown, &e))?;
        let versions = schemata::register_proto_imports(client, &imports, true, normalize)
            .await
            .map_err(|e| self.client_error(shown, e))?;
        let schema = schemata::parse_proto_with_versions(text, &imports, &versions)
            .map_err(|e| self.client_error(shown, e))?;
        let registered = imports
            .files
            .iter()
            .map(|f| (f.name.clone(), versions.get(&f.name).copied().unwrap_or(-1)))
            .collect();
        Ok((schema, registered))
    }

    fn client_error(&self, shown: &str, error: schemata::Error) -> CliError {
        match error {
            schemata::Error::Schema(parse) => self.error(shown, &parse),
            other => CliError::from(other),
        }
    }

    /// A parse error of `shown`; a missing import also lists where it was looked for.
    pub(crate) fn error(&self, shown: &str, error: &ParseError) -> CliError {
        let mut message = error.to_string();
        if matches!(error, ParseError::Protobuf { message, .. } if message.ends_with("not found")) {
            let dirs: Vec<String> = self
                .dirs
                .iter()
                .map(|dir| match dir.strip_prefix(&self.cwd) {
                    Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
                    Ok(relative) => relative.display().to_string(),
                    Err(_) => dir.display().to_string(),
                })
                .collect();
            message.push_str(&format!(
                " (include path: {}; add folders with --proto-path)",
                dirs.join(", ")
            ));
        }
        CliError::Schema { path: shown.to_owned(), message }
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (a folder may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The include path over real folders: which file an import finds, in which order, and
    //! what is refused.

    use super::*;

    /// Writes `files` (path → text) under a fresh temporary folder and returns it.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn imports_resolve_through_the_include_path_in_order() {
        let dir = tree(&[
            ("a/x.proto", "syntax = \"proto3\"; package a; message X {}"),
            ("b/x.proto", "syntax = \"proto3\"; package b; message X {}"),
            ("b/y.proto", "syntax = \"proto3\"; package b; message Y {}"),
            ("root/sib.proto", "syntax = \"proto3\"; package s; message S {}"),
        ]);
        let d = dir.path();
        let check = |explicit: &[&str], import: &str, expected: Result<&str, &str>| {
            let explicit: Vec<PathBuf> = explicit.iter().map(PathBuf::from).collect();
            let path = ProtoPath::new(&explicit, [], d).then(Some(&d.join("root")));
            let text = format!("syntax = \"proto3\"; import \"{import}\";");
            let got = path
                .imports(&d.join("root/r.proto"), &text)
                .map(|i| i.files[0].text.clone())
                .map_err(|e| path.error("r.proto", &e).to_string());
            match (got, expected) {
                (Ok(text), Ok(package)) => assert!(text.contains(package), "{import}: {text}"),
                (Err(error), Err(part)) => assert!(error.contains(part), "{import}: {error}"),
                (got, _) => panic!("{explicit:?} {import}: {got:?}"),
            }
        };
        check(&["a", "b"], "x.proto", Ok("package a"));
        check(&["b", "a"], "x.proto", Ok("package b"));
        check(&["a", "b"], "y.proto", Ok("package b"));
        // The file's own folder comes last, without being named.
        check(&["a"], "sib.proto", Ok("package s"));
        check(&[], "x.proto", Err("import 'x.proto' not found (include path: "));
        check(&["a"], "../b/y.proto", Err("'..' components"));
        check(&["a"], "/etc/passwd", Err("'..' components"));
    }

    #[test]
    fn the_root_is_named_relative_to_its_include_folder() {
        let dir = tree(&[("p/q/r.proto", ""), ("p/back.proto", "import \"q/r.proto\";")]);
        let path = ProtoPath::new(&[PathBuf::from("p")], [], dir.path());
        assert_eq!(path.name_of(&dir.path().join("p/q/r.proto")), "q/r.proto");
        assert_eq!(path.name_of(&dir.path().join("elsewhere/z.proto")), "z.proto");
        let error = path
            .imports(&dir.path().join("p/q/r.proto"), "import \"back.proto\";")
            .unwrap_err()
            .to_string();
        assert!(error.contains("import cycle: q/r.proto -> back.proto -> q/r.proto"), "{error}");
    }
}
