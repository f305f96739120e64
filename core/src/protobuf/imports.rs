//! The `.proto` files a file imports, found through a caller-supplied reader (core does no I/O:
//! the CLI reads an include path on disk or a git ref, the client a prost type's descriptors),
//! and the one rule for the references they become: each imported file is registered under its
//! import path as subject (Confluent's default reference subject name strategy) and referenced
//! by that path.
//!
//! Built-in imports (`is_builtin_import`) are never read. The walk is depth first, so the
//! files come out in dependency order (a file after everything it imports), which is the order
//! they must be registered in; an unknown import or an import cycle is a located error naming
//! the importing file and its `import` statement.

use std::collections::HashMap;

use protox::file::File;

use super::{is_builtin_import, located};
use crate::schema::{
    DEFAULT_MAX_REFERENCE_DEPTH, ParseError, ReferencedSchema, Schema, SchemaReference, SchemaType,
};

/// How many files one schema may import, transitively: a bound on the reads a hostile or broken
/// include path can cause. Real schemas import a handful.
pub const MAX_IMPORTED_FILES: usize = 256;

/// A file reached through an import: its import path, text, and the import paths among its own
/// imports that are not built in (each needs a reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// The path the file is imported by: its reference name and its subject.
    pub name: String,
    pub text: String,
    pub imports: Vec<String>,
}

/// A root file's imports: the ones it names itself (not built in), and every file they reach,
/// dependencies first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imports {
    pub direct: Vec<String>,
    pub files: Vec<ImportedFile>,
}

/// The subject an imported file is registered under: its import path, as Confluent's default
/// reference subject name strategy names it. The one place the rule is written (the client's
/// serializers and the CLI's `register` both use it), so a schema registered either way
/// references the same subjects.
pub fn reference_subject(import: &str) -> String {
    import.to_owned()
}

/// What a reader answers for an import path: the file's text, `None` when it is not there, or an
/// error message (an unreadable file) that is reported as the import's error.
pub type ReadResult = Result<Option<String>, String>;

/// Finds every file `text` (the root, named `root` in messages and, if a file imports it back,
/// in cycle detection) imports, through `read`, which is asked once per import path.
pub fn collect_imports(
    root: &str,
    text: &str,
    read: &mut dyn FnMut(&str) -> ReadResult,
) -> Result<Imports, ParseError> {
    let mut walk = Walk { read, files: Vec::new(), state: HashMap::new(), path: Vec::new() };
    walk.state.insert(root.to_owned(), State::Open);
    walk.path.push(root.to_owned());
    let direct = walk.visit(root, text)?;
    Ok(Imports { direct, files: walk.files })
}

/// Parses `text` with its imports as references (named by import path, subject by
/// [`reference_subject`], version by `version_of`, e.g. the one the registry gave it or -1 for
/// latest offline).
pub fn parse_with_imports(
    text: &str,
    imports: &Imports,
    version_of: &dyn Fn(&str) -> i32,
) -> Result<Schema, ParseError> {
    let reference = |name: &String| SchemaReference {
        name: name.clone(),
        subject: reference_subject(name),
        version: version_of(name),
    };
    let references: Vec<SchemaReference> = imports.direct.iter().map(reference).collect();
    let mut lookup = |wanted: &SchemaReference| {
        let file = imports.files.iter().find(|f| f.name == wanted.name)?;
        Some(ReferencedSchema {
            schema_type: SchemaType::Protobuf,
            text: file.text.clone(),
            references: file.imports.iter().map(reference).collect(),
        })
    };
    Schema::parse_with_references(SchemaType::Protobuf, text, &references, &mut lookup)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// On the current import path: importing it again is a cycle.
    Open,
    Done,
}

struct Walk<'a> {
    read: &'a mut dyn FnMut(&str) -> ReadResult,
    files: Vec<ImportedFile>,
    state: HashMap<String, State>,
    /// The chain of files from the root to the one being read, for cycle messages.
    path: Vec<String>,
}

impl Walk<'_> {
    /// Reads `name`'s imports, visits each, and returns the ones that are not built in.
    fn visit(&mut self, name: &str, text: &str) -> Result<Vec<String>, ParseError> {
        let file = File::from_source(name, text).map_err(|error| {
            located(&error, &HashMap::from([(name.to_owned(), text.to_owned())]))
        })?;
        let descriptor = file.file_descriptor_proto();
        let mut out = Vec::new();
        for (index, import) in descriptor.dependency.iter().enumerate() {
            if is_builtin_import(import) {
                continue;
            }
            let at = |message: String| {
                let (line, column) = import_position(descriptor, index);
                ParseError::Protobuf { file: name.to_owned(), line, column, message }
            };
            match self.state.get(import) {
                Some(State::Done) => {}
                Some(State::Open) => {
                    let start = self.path.iter().position(|p| p == import).unwrap_or(0);
                    let mut cycle = self.path[start..].to_vec();
                    cycle.push(import.clone());
                    return Err(at(format!("import cycle: {}", cycle.join(" -> "))));
                }
                None => {
                    if self.path.len() > DEFAULT_MAX_REFERENCE_DEPTH {
                        return Err(at(format!(
                            "imports nest deeper than {DEFAULT_MAX_REFERENCE_DEPTH} levels"
                        )));
                    }
                    if self.state.len() > MAX_IMPORTED_FILES {
                        return Err(at(format!(
                            "more than {MAX_IMPORTED_FILES} files are imported"
                        )));
                    }
                    let text = match (self.read)(import) {
                        Ok(Some(text)) => text,
                        Ok(None) => return Err(at(format!("import '{import}' not found"))),
                        Err(message) => {
                            return Err(at(format!("import '{import}' unreadable: {message}")));
                        }
                    };
                    self.state.insert(import.clone(), State::Open);
                    self.path.push(import.clone());
                    let imports = self.visit(import, &text)?;
                    self.path.pop();
                    self.state.insert(import.clone(), State::Done);
                    self.files.push(ImportedFile { name: import.clone(), text, imports });
                }
            }
            if !out.contains(import) {
                out.push(import.clone());
            }
        }
        Ok(out)
    }
}

/// The 1-based line and column of the `index`th `import` statement (descriptor path [3, index]).
fn import_position(
    descriptor: &prost_types::FileDescriptorProto,
    index: usize,
) -> (Option<usize>, Option<usize>) {
    let Ok(index) = i32::try_from(index) else {
        return (None, None);
    };
    let location = descriptor
        .source_code_info
        .as_ref()
        .and_then(|info| info.location.iter().find(|l| l.path == [3, index]));
    let span = |i: usize| {
        location.and_then(|l| l.span.get(i)).and_then(|&n| usize::try_from(n).ok()).map(|n| n + 1)
    };
    (span(0), span(1))
}
