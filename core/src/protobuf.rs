//! Protobuf: parsing `.proto` text (proto2 and proto3) or a base64 `FileDescriptorProto` into
//! descriptors without protoc (protox compiles, prost-reflect holds the pool), the canonical and
//! normalized `.proto` printings, message indexes for the wire format, and the compatibility
//! engine, a structural diff whose change kinds follow Confluent's classification.
//!
//! Imports resolve, in order, through the schema's references (the reference name is the import
//! path), the files Confluent bundles (`confluent/*`, `google/type/*`) and the well-known
//! `google/protobuf/*` files protox ships.

mod bundled;
mod diff;
mod imports;
mod print;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use base64::Engine as _;
use prost::Message as _;
use prost_reflect::{DescriptorPool, FileDescriptor, MessageDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use crate::budget::{self, Budget, BudgetExceeded};
use crate::compat::Finding;
use crate::schema::{ParseError, ResolvedReference};

pub use diff::{Change, ChangeKind, diff, diff_with_budget, is_compatible};
pub use imports::{
    ImportedFile, Imports, MAX_IMPORTED_FILES, ReadResult, collect_imports, parse_with_imports,
    reference_subject,
};

/// The file name the schema itself gets when it is given as `.proto` text (a descriptor keeps
/// its own name). Confluent names it the same way.
pub const ROOT_FILE_NAME: &str = "default.proto";

/// How deeply braces may nest in `.proto` text: the parser recurses per level, so hostile input
/// is refused before it can exhaust the stack. Real schemas nest a handful of levels.
pub const MAX_NESTING: usize = 64;

/// How many bytes of `.proto` text one budget step pays for.
pub const BYTES_PER_STEP: usize = 16;

/// A parsed, linked Protobuf schema: its file and every file it imports, in one pool.
#[derive(Debug, Clone)]
pub struct ProtobufSchema {
    file: FileDescriptor,
}

impl ProtobufSchema {
    /// Parses `text` (`.proto` source or a base64 `FileDescriptorProto`), with `references` (in
    /// dependency order) importable under their names.
    pub fn parse(
        text: &str,
        references: &[ResolvedReference],
    ) -> Result<ProtobufSchema, ParseError> {
        ProtobufSchema::parse_with_budget(text, references, &mut Budget::default())
    }

    /// As [`ProtobufSchema::parse`], spending steps from `budget`: one per [`BYTES_PER_STEP`]
    /// bytes of the schema and its references, paid before compiling (protox's work is linear in
    /// the text it reads, with linking bounded by the declarations that text holds).
    pub fn parse_with_budget(
        text: &str,
        references: &[ResolvedReference],
        budget: &mut Budget,
    ) -> Result<ProtobufSchema, ParseError> {
        let bytes = text.len() + references.iter().map(|r| r.text.len()).sum::<usize>();
        let steps = u64::try_from(bytes / BYTES_PER_STEP).unwrap_or(u64::MAX).saturating_add(1);
        if !budget.spend(steps) {
            return Err(budget.exceeded(budget::PARSE).into());
        }
        let mut sources = Sources::default();
        for reference in references {
            let source = Source::read(&reference.name, &reference.text)?;
            sources.files.insert(reference.name.clone(), source);
        }
        let root = Source::read(ROOT_FILE_NAME, text)?;
        let root_name = match &root {
            Source::Text(_) => ROOT_FILE_NAME.to_owned(),
            Source::Descriptor { name, .. } => name.clone(),
        };
        sources.files.insert(root_name.clone(), root);
        let texts: HashMap<String, String> = sources
            .files
            .iter()
            .filter_map(|(name, source)| match source {
                Source::Text(text) => Some((name.clone(), text.clone())),
                Source::Descriptor { .. } => None,
            })
            .collect();
        let mut chain = ChainFileResolver::new();
        chain.add(sources);
        chain.add(BundledResolver);
        chain.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        compiler.include_imports(true);
        compiler.open_file(&root_name).map_err(|error| located(&error, &texts))?;
        let pool = compiler.descriptor_pool();
        let file = pool.get_file_by_name(&root_name).ok_or_else(|| ParseError::Protobuf {
            file: root_name.clone(),
            line: None,
            column: None,
            message: "the schema's file is missing after compilation".to_owned(),
        })?;
        Ok(ProtobufSchema { file })
    }

    /// A schema for a file already compiled elsewhere (a prost type's descriptor, say), for its
    /// printings and message indexes. The file is trusted as linked; nothing is re-checked.
    pub fn from_file(file: FileDescriptor) -> ProtobufSchema {
        ProtobufSchema { file }
    }

    /// The schema's own file.
    pub fn file(&self) -> &FileDescriptor {
        &self.file
    }

    /// The pool holding the schema's file and everything it imports.
    pub fn pool(&self) -> &DescriptorPool {
        self.file.parent_pool()
    }

    /// The schema as `.proto` text, printed the way Confluent prints it: declarations in source
    /// order, types named relative to the package where that resolves to the same type.
    pub fn canonical(&self) -> String {
        print::print(&self.file, print::Style::Canonical)
    }

    /// Deterministic text for de-duplication: the canonical printing with every type name fully
    /// qualified and options and imports sorted, so spellings of the same schema print the same.
    pub fn normalized(&self) -> String {
        print::print(&self.file, print::Style::Normalized)
    }

    /// The schema's `FileDescriptorProto`, encoded (custom options included) and base64-encoded:
    /// the `format=serialized` answer and what the Python and JavaScript clients register.
    pub fn serialized(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.descriptor_bytes())
    }

    /// The schema's `FileDescriptorProto`, encoded with its custom options but without source
    /// locations (which only describe the text it was parsed from).
    pub fn descriptor_bytes(&self) -> Vec<u8> {
        let encoded = self.file.encode_to_vec();
        let Some(descriptor) =
            DescriptorPool::global().get_message_by_name("google.protobuf.FileDescriptorProto")
        else {
            return encoded;
        };
        match prost_reflect::DynamicMessage::decode(descriptor, encoded.as_slice()) {
            Ok(mut message) => {
                message.clear_field_by_name("source_code_info");
                message.encode_to_vec()
            }
            Err(_) => encoded,
        }
    }

    /// The first message declared in the file, the one message index `[0]` names.
    pub fn first_message(&self) -> Option<MessageDescriptor> {
        self.file.messages().next()
    }

    /// The message-index path of a message declared in this file (`[0]` is the first top-level
    /// message, `[1, 0]` the first message nested in the second), or `None` if the file does not
    /// declare it. Map entries count, as in the descriptor.
    pub fn message_indexes(&self, full_name: &str) -> Option<Vec<i32>> {
        let message = self.pool().get_message_by_name(full_name)?;
        if message.parent_file().name() != self.file.name() {
            return None;
        }
        // A message's descriptor path alternates (field number, index): 4 = message_type at the
        // top level, 3 = nested_type below it; the indexes are every second element.
        let path = message.path();
        Some(path.iter().skip(1).step_by(2).copied().collect())
    }

    /// The message of this file that `name` names: its full name (`shop.Order`), or its name
    /// within the package (`Order`, `Order.Line` for a nested one). Map entries are not
    /// messages one writes, so they are never named.
    pub fn message_named(&self, name: &str) -> Option<MessageDescriptor> {
        let package = self.file.package_name();
        let name = name.trim_start_matches('.');
        let qualified = (!package.is_empty()).then(|| format!("{package}.{name}"));
        [Some(name), qualified.as_deref()].into_iter().flatten().find_map(|candidate| {
            self.pool()
                .get_message_by_name(candidate)
                .filter(|m| m.parent_file().name() == self.file.name() && !m.is_map_entry())
        })
    }

    /// The full names of every message this file declares, nested ones after their parent, map
    /// entries left out: what [`ProtobufSchema::message_named`] can name.
    pub fn message_names(&self) -> Vec<String> {
        fn walk(messages: impl Iterator<Item = MessageDescriptor>, out: &mut Vec<String>) {
            for message in messages.filter(|m| !m.is_map_entry()) {
                out.push(message.full_name().to_owned());
                walk(message.child_messages(), out);
            }
        }
        let mut out = Vec::new();
        walk(self.file.messages(), &mut out);
        out
    }

    /// Where the element a change path names (`#/Order/3`, `#/Order/payment`, `#/Kind/2`, `#/`
    /// for the package) is declared in the text this schema was parsed from: 1-based line and
    /// column. `None` for a path naming nothing here, or a schema given as a descriptor (which
    /// has no source positions).
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let segments: Vec<&str> =
            path.strip_prefix('#')?.split('/').filter(|s| !s.is_empty()).collect();
        let target: Vec<i32> = if segments.is_empty() {
            // The package statement: field 2 of FileDescriptorProto.
            vec![2]
        } else {
            element_path(&self.file, &segments)?
        };
        let info = self.file.file_descriptor_proto().source_code_info.as_ref()?;
        let location = info.location.iter().find(|l| l.path == target)?;
        let line = usize::try_from(*location.span.first()?).ok()? + 1;
        let column = usize::try_from(*location.span.get(1)?).ok()? + 1;
        Some((line, column))
    }

    /// Where a change path lands in one of the files this schema imports, transitively, when it
    /// names nothing in its own file (a change inside an imported message is reported at that
    /// message's path, `#/Money/1`): the import path of the file and the 1-based line and column
    /// there. The first file declaring the element wins; built-in files are not searched.
    pub fn locate_in_imports(&self, path: &str) -> Option<(String, usize, usize)> {
        let segments: Vec<&str> =
            path.strip_prefix('#')?.split('/').filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            return None;
        }
        let mut queue: Vec<FileDescriptor> = self.file.dependencies().collect();
        let mut seen = std::collections::HashSet::new();
        while let Some(file) = queue.pop() {
            if is_builtin_import(file.name()) || !seen.insert(file.name().to_owned()) {
                continue;
            }
            if let Some(target) = element_path(&file, &segments) {
                let info = file.file_descriptor_proto().source_code_info.as_ref();
                let location = info.and_then(|i| i.location.iter().find(|l| l.path == target));
                if let Some(location) = location {
                    let line = usize::try_from(*location.span.first()?).ok()? + 1;
                    let column = usize::try_from(*location.span.get(1)?).ok()? + 1;
                    return Some((file.name().to_owned(), line, column));
                }
            }
            // Nearer imports first: the queue is a stack, so push the children in reverse.
            let mut children: Vec<FileDescriptor> = file.dependencies().collect();
            children.reverse();
            queue.extend(children);
        }
        None
    }

    /// The message a message-index path names, or `None` if it names nothing in this file.
    pub fn message_at(&self, indexes: &[i32]) -> Option<MessageDescriptor> {
        let (&first, rest) = indexes.split_first().unwrap_or((&0, &[]));
        let mut message = self.file.messages().nth(usize::try_from(first).ok()?)?;
        for &index in rest {
            let child = message.child_messages().nth(usize::try_from(index).ok()?)?;
            message = child;
        }
        Some(message)
    }
}

/// The descriptor path (as in `SourceCodeInfo`) of the element named by a change path's
/// segments: type names down from the file, then a oneof name or a field or value number.
fn element_path(file: &FileDescriptor, segments: &[&str]) -> Option<Vec<i32>> {
    let (first, rest) = segments.split_first()?;
    if let Some(message) = file.messages().find(|m| m.name() == *first) {
        return message_element(&message, rest);
    }
    let enumeration = file.enums().find(|e| e.name() == *first)?;
    enum_element(&enumeration, rest)
}

fn message_element(message: &MessageDescriptor, segments: &[&str]) -> Option<Vec<i32>> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(message.path().to_vec());
    };
    if let Ok(number) = first.parse::<u32>() {
        return rest
            .is_empty()
            .then(|| message.get_field(number))
            .flatten()
            .map(|f| f.path().to_vec());
    }
    if let Some(child) = message.child_messages().find(|m| m.name() == *first) {
        return message_element(&child, rest);
    }
    if let Some(child) = message.child_enums().find(|e| e.name() == *first) {
        return enum_element(&child, rest);
    }
    let oneof = message.oneofs().find(|o| o.name() == *first)?;
    match rest {
        [] => Some(oneof.path().to_vec()),
        [number] => {
            let number = number.parse::<u32>().ok()?;
            oneof.fields().find(|f| f.number() == number).map(|f| f.path().to_vec())
        }
        _ => None,
    }
}

fn enum_element(
    enumeration: &prost_reflect::EnumDescriptor,
    segments: &[&str],
) -> Option<Vec<i32>> {
    match segments {
        [] => Some(enumeration.path().to_vec()),
        [number] => {
            let number = number.parse::<i32>().ok()?;
            enumeration.get_value(number).map(|v| v.path().to_vec())
        }
        _ => None,
    }
}

/// Whether an import path is served without a reference (the well-known `google/protobuf/*`
/// files and the ones Confluent bundles), so serializers register only the other imports.
pub fn is_builtin_import(name: &str) -> bool {
    name.starts_with("google/protobuf/") || bundled::source(name).is_some()
}

/// Every reason `reader` (the update) cannot read data written with `writer` (the original):
/// the incompatible changes of the diff from writer to reader.
pub fn can_read(reader: &ProtobufSchema, writer: &ProtobufSchema) -> Vec<Finding> {
    diff(writer, reader)
        .into_iter()
        .filter(|change| !is_compatible(change.kind))
        .map(|change| Finding {
            rule: change.kind.as_str(),
            path: change.path,
            message: change.message,
        })
        .collect()
}

/// As [`can_read`], spending steps from `budget`; `Err` when it runs out.
pub fn can_read_with_budget(
    reader: &ProtobufSchema,
    writer: &ProtobufSchema,
    budget: &mut Budget,
) -> Result<Vec<Finding>, BudgetExceeded> {
    Ok(diff_with_budget(writer, reader, budget)?
        .into_iter()
        .filter(|change| !is_compatible(change.kind))
        .map(|change| Finding {
            rule: change.kind.as_str(),
            path: change.path,
            message: change.message,
        })
        .collect())
}

/// One file the resolver can serve: `.proto` text, or an encoded descriptor already renamed to
/// the name it is imported under.
#[derive(Debug, Clone)]
enum Source {
    Text(String),
    Descriptor { name: String, encoded: Vec<u8> },
}

impl Source {
    /// Tells a base64 `FileDescriptorProto` from `.proto` text: `.proto` text always has a
    /// space, `;` or `"` somewhere, base64 never does.
    fn read(name: &str, text: &str) -> Result<Source, ParseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(protobuf_error(name, None, "the schema is empty"));
        }
        let looks_base64 = trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n' | b'\r'));
        if looks_base64 {
            let compact: String = trimmed.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).map_err(
                    |e| protobuf_error(name, None, &format!("invalid base64 descriptor: {e}")),
                )?;
            let descriptor =
                prost_types::FileDescriptorProto::decode(bytes.as_slice()).map_err(|e| {
                    protobuf_error(name, None, &format!("invalid FileDescriptorProto: {e}"))
                })?;
            // The root keeps its own name; an import must carry the name it is imported under.
            let (name, mut encoded) = if name == ROOT_FILE_NAME {
                match descriptor.name.as_deref() {
                    Some(own) if !own.is_empty() => (own.to_owned(), bytes),
                    _ => (ROOT_FILE_NAME.to_owned(), bytes),
                }
            } else {
                (name.to_owned(), bytes)
            };
            if descriptor.name.as_deref() != Some(name.as_str()) {
                // A singular field's last occurrence wins on decode: appending field 1 renames
                // the file without re-encoding (which would drop custom options).
                let rename = prost_types::FileDescriptorProto {
                    name: Some(name.clone()),
                    ..Default::default()
                };
                encoded.extend_from_slice(&rename.encode_to_vec());
            }
            return Ok(Source::Descriptor { name, encoded });
        }
        check_nesting(name, text)?;
        Ok(Source::Text(text.to_owned()))
    }
}

/// Refuses text whose braces nest deeper than [`MAX_NESTING`] (strings and comments are not
/// skipped: braces inside them only make the bound stricter, never looser).
fn check_nesting(name: &str, text: &str) -> Result<(), ParseError> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let (line, column) = line_column(text, offset);
                    return Err(ParseError::Protobuf {
                        file: name.to_owned(),
                        line: Some(line),
                        column: Some(column),
                        message: format!("declarations nest deeper than {MAX_NESTING} levels"),
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Sources {
    files: HashMap<String, Source>,
}

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.get(name) {
            Some(Source::Text(text)) => File::from_source(name, text),
            Some(Source::Descriptor { encoded, .. }) => {
                File::decode_file_descriptor_proto(encoded.as_slice()).map_err(protox::Error::new)
            }
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

#[derive(Debug)]
struct BundledResolver;

impl FileResolver for BundledResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match bundled::source(name) {
            Some(text) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Turns a protox error into a parse error located at line:column of the file it points into.
fn located(error: &protox::Error, texts: &HashMap<String, String>) -> ParseError {
    use miette::Diagnostic as _;
    let file = error.file().unwrap_or(ROOT_FILE_NAME).to_owned();
    // The last label is the offending spot ("first defined here" labels come before it).
    let offset = error.labels().and_then(|labels| labels.last()).map(|label| label.offset());
    let text = texts.get(&file).map(String::as_str).or_else(|| bundled::source(&file));
    let (line, column) = match (offset, text) {
        (Some(offset), Some(text)) => {
            let (line, column) = line_column(text, offset);
            (Some(line), Some(column))
        }
        _ => (None, None),
    };
    let mut message = error.to_string();
    if let Some(help) = error.help() {
        message.push_str(&format!(" ({help})"));
    }
    ParseError::Protobuf { file, line, column, message }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn protobuf_error(file: &str, line: Option<usize>, message: &str) -> ParseError {
    ParseError::Protobuf { file: file.to_owned(), line, column: None, message: message.to_owned() }
}
