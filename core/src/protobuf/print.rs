//! Prints a file descriptor back as `.proto` text. The canonical style keeps declaration order and
//! names types as briefly as still resolves to the same type; the normalized style (used for
//! de-duplication) fully qualifies every type name and sorts options and imports, so different
//! spellings of one schema print identically.

use std::fmt::Write as _;

use prost_reflect::{
    Cardinality, DynamicMessage, EnumDescriptor, ExtensionDescriptor, FieldDescriptor,
    FileDescriptor, Kind, MessageDescriptor, OneofDescriptor, ServiceDescriptor, Syntax, Value,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Canonical,
    Normalized,
}

/// How deeply option values (message literals) are printed before giving up: descriptors from
/// base64 input are untrusted and a value could nest arbitrarily.
const MAX_VALUE_DEPTH: usize = 32;

pub(crate) fn print(file: &FileDescriptor, style: Style) -> String {
    let printer = Printer { file, style };
    let mut out = String::new();
    printer.file(&mut out);
    out
}

struct Printer<'a> {
    file: &'a FileDescriptor,
    style: Style,
}

impl Printer<'_> {
    fn file(&self, out: &mut String) {
        let proto = self.file.file_descriptor_proto();
        let syntax = match self.file.syntax() {
            Syntax::Proto2 => "proto2",
            Syntax::Proto3 => "proto3",
        };
        let _ = writeln!(out, "syntax = \"{syntax}\";");
        if !self.file.package_name().is_empty() {
            let _ = writeln!(out, "package {};", self.file.package_name());
        }
        let mut imports: Vec<String> = proto
            .dependency
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let index = i32::try_from(index).unwrap_or(i32::MAX);
                let modifier = if proto.public_dependency.contains(&index) {
                    "public "
                } else if proto.weak_dependency.contains(&index) {
                    "weak "
                } else {
                    ""
                };
                format!("import {modifier}{};", quote(name))
            })
            .collect();
        if self.style == Style::Normalized {
            imports.sort();
        }
        if !imports.is_empty() {
            out.push('\n');
            for import in imports {
                let _ = writeln!(out, "{import}");
            }
        }
        let options = self.options(&self.file.options());
        if !options.is_empty() {
            out.push('\n');
            for option in options {
                let _ = writeln!(out, "option {option};");
            }
        }
        // Declaration order is kept: message indexes in framed records depend on it.
        for message in self.file.messages() {
            out.push('\n');
            self.message(out, &message, 0);
        }
        for enumeration in self.file.enums() {
            out.push('\n');
            self.enumeration(out, &enumeration, 0);
        }
        let extensions: Vec<ExtensionDescriptor> = self.file.extensions().collect();
        self.extends(out, &extensions, self.file.package_name(), 0);
        for service in self.file.services() {
            out.push('\n');
            self.service(out, &service);
        }
    }

    fn message(&self, out: &mut String, message: &MessageDescriptor, depth: usize) {
        let pad = indent(depth);
        let _ = writeln!(out, "{pad}message {} {{", message.name());
        self.message_body(out, message, depth + 1);
        let _ = writeln!(out, "{pad}}}");
    }

    fn message_body(&self, out: &mut String, message: &MessageDescriptor, depth: usize) {
        let pad = indent(depth);
        let proto = message.descriptor_proto();
        let ranges: Vec<String> = message
            .reserved_ranges()
            .map(|range| range_text(i64::from(range.start), i64::from(range.end) - 1, 536_870_911))
            .collect();
        if !ranges.is_empty() {
            let _ = writeln!(out, "{pad}reserved {};", ranges.join(", "));
        }
        let names: Vec<String> = message.reserved_names().map(quote).collect();
        if !names.is_empty() {
            let _ = writeln!(out, "{pad}reserved {};", names.join(", "));
        }
        for option in self.options(&message.options()) {
            let _ = writeln!(out, "{pad}option {option};");
        }
        let scope = message.full_name();
        let mut printed_oneofs: Vec<String> = Vec::new();
        let groups: Vec<String> =
            message.fields().filter(|f| f.is_group()).map(|f| group_type_name(&f)).collect();
        for field in message.fields() {
            match field.containing_oneof() {
                Some(oneof) if !oneof.is_synthetic() => {
                    if !printed_oneofs.iter().any(|name| name == oneof.name()) {
                        printed_oneofs.push(oneof.name().to_owned());
                        self.oneof(out, &oneof, scope, depth);
                    }
                }
                _ => self.field(out, &field, scope, depth, true),
            }
        }
        for nested in message.child_messages() {
            if nested.is_map_entry() || groups.iter().any(|g| g == nested.full_name()) {
                continue;
            }
            self.message(out, &nested, depth);
        }
        for nested in message.child_enums() {
            self.enumeration(out, &nested, depth);
        }
        let extension_ranges: Vec<String> = proto
            .extension_range
            .iter()
            .map(|range| {
                range_text(i64::from(range.start()), i64::from(range.end()) - 1, 536_870_911)
            })
            .collect();
        if !extension_ranges.is_empty() {
            let _ = writeln!(out, "{pad}extensions {};", extension_ranges.join(", "));
        }
        let extensions: Vec<ExtensionDescriptor> = message.child_extensions().collect();
        self.extends(out, &extensions, scope, depth);
    }

    fn oneof(&self, out: &mut String, oneof: &OneofDescriptor, scope: &str, depth: usize) {
        let pad = indent(depth);
        let _ = writeln!(out, "{pad}oneof {} {{", oneof.name());
        for option in self.options(&oneof.options()) {
            let _ = writeln!(out, "{}option {option};", indent(depth + 1));
        }
        for field in oneof.fields() {
            self.field(out, &field, scope, depth + 1, false);
        }
        let _ = writeln!(out, "{pad}}}");
    }

    fn field(
        &self,
        out: &mut String,
        field: &FieldDescriptor,
        scope: &str,
        depth: usize,
        labelled: bool,
    ) {
        let pad = indent(depth);
        let proto = field.field_descriptor_proto();
        let label = if !labelled || field.is_map() {
            ""
        } else {
            match field.cardinality() {
                Cardinality::Repeated => "repeated ",
                Cardinality::Required => "required ",
                Cardinality::Optional => {
                    if field.parent_file().syntax() == Syntax::Proto2 || proto.proto3_optional() {
                        "optional "
                    } else {
                        ""
                    }
                }
            }
        };
        let mut options = Vec::new();
        if let Some(default) = &proto.default_value {
            options.push(format!("default = {}", default_text(field.kind(), default)));
        }
        if proto.json_name.as_deref().is_some_and(|name| name != default_json_name(field.name())) {
            options.push(format!("json_name = {}", quote(field.json_name())));
        }
        options.extend(self.options(&field.options()));
        if self.style == Style::Normalized {
            options.sort();
        }
        let options =
            if options.is_empty() { String::new() } else { format!(" [{}]", options.join(", ")) };
        if field.is_group() {
            if let Kind::Message(group) = field.kind() {
                let _ = writeln!(
                    out,
                    "{pad}{label}group {} = {}{options} {{",
                    group.name(),
                    field.number()
                );
                self.message_body(out, &group, depth + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            return;
        }
        let type_name = self.field_type(field, scope);
        let _ = writeln!(
            out,
            "{pad}{label}{type_name} {} = {}{options};",
            field.name(),
            field.number()
        );
    }

    fn field_type(&self, field: &FieldDescriptor, scope: &str) -> String {
        if field.is_map()
            && let Kind::Message(entry) = field.kind()
        {
            let key = self.kind_name(&entry.map_entry_key_field().kind(), scope);
            let value = self.kind_name(&entry.map_entry_value_field().kind(), scope);
            return format!("map<{key}, {value}>");
        }
        self.kind_name(&field.kind(), scope)
    }

    fn kind_name(&self, kind: &Kind, scope: &str) -> String {
        match kind {
            Kind::Message(message) => self.type_ref(message.full_name(), scope),
            Kind::Enum(enumeration) => self.type_ref(enumeration.full_name(), scope),
            scalar => scalar_name(scalar).to_owned(),
        }
    }

    /// How a field declared in `scope` names the type `full_name`: fully qualified in the
    /// normalized style; otherwise without the package when protobuf's scoping rules still find
    /// the same type from `scope`.
    fn type_ref(&self, full_name: &str, scope: &str) -> String {
        let qualified = format!(".{full_name}");
        if self.style == Style::Normalized {
            return qualified;
        }
        let package = self.file.package_name();
        let relative = match package {
            "" => full_name,
            package => match full_name.strip_prefix(package).and_then(|r| r.strip_prefix('.')) {
                Some(relative) => relative,
                None => return qualified,
            },
        };
        if resolves(self.file, scope, relative) == Some(full_name.to_owned()) {
            relative.to_owned()
        } else {
            qualified
        }
    }

    fn enumeration(&self, out: &mut String, enumeration: &EnumDescriptor, depth: usize) {
        let pad = indent(depth);
        let inner = indent(depth + 1);
        let _ = writeln!(out, "{pad}enum {} {{", enumeration.name());
        let ranges: Vec<String> = enumeration
            .reserved_ranges()
            .map(|range| {
                range_text(i64::from(*range.start()), i64::from(*range.end()), 2_147_483_647)
            })
            .collect();
        if !ranges.is_empty() {
            let _ = writeln!(out, "{inner}reserved {};", ranges.join(", "));
        }
        let names: Vec<String> = enumeration.reserved_names().map(quote).collect();
        if !names.is_empty() {
            let _ = writeln!(out, "{inner}reserved {};", names.join(", "));
        }
        for option in self.options(&enumeration.options()) {
            let _ = writeln!(out, "{inner}option {option};");
        }
        // Declaration order (the pool sorts aliases), so the printing is stable.
        for value in &enumeration.enum_descriptor_proto().value {
            let Some(value) = enumeration.get_value_by_name(value.name()) else { continue };
            let mut options = self.options(&value.options());
            if self.style == Style::Normalized {
                options.sort();
            }
            let options = if options.is_empty() {
                String::new()
            } else {
                format!(" [{}]", options.join(", "))
            };
            let _ = writeln!(out, "{inner}{} = {}{options};", value.name(), value.number());
        }
        let _ = writeln!(out, "{pad}}}");
    }

    /// `extend` blocks for extensions declared in one scope, one block per extended message.
    fn extends(
        &self,
        out: &mut String,
        extensions: &[ExtensionDescriptor],
        scope: &str,
        depth: usize,
    ) {
        let mut extendees: Vec<String> = Vec::new();
        for extension in extensions {
            let extendee = extension.containing_message().full_name().to_owned();
            if !extendees.contains(&extendee) {
                extendees.push(extendee);
            }
        }
        let pad = indent(depth);
        for extendee in extendees {
            out.push('\n');
            let _ = writeln!(out, "{pad}extend {} {{", self.type_ref(&extendee, scope));
            for extension in extensions {
                if extension.containing_message().full_name() != extendee {
                    continue;
                }
                let label = match extension.cardinality() {
                    Cardinality::Repeated => "repeated ",
                    Cardinality::Required => "required ",
                    Cardinality::Optional if self.file.syntax() == Syntax::Proto2 => "optional ",
                    Cardinality::Optional => "",
                };
                let type_name = self.kind_name(&extension.kind(), scope);
                let mut options = self.options(&extension.options());
                if self.style == Style::Normalized {
                    options.sort();
                }
                let options = if options.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", options.join(", "))
                };
                let _ = writeln!(
                    out,
                    "{}{label}{type_name} {} = {}{options};",
                    indent(depth + 1),
                    extension.name(),
                    extension.number()
                );
            }
            let _ = writeln!(out, "{pad}}}");
        }
    }

    fn service(&self, out: &mut String, service: &ServiceDescriptor) {
        let _ = writeln!(out, "service {} {{", service.name());
        for option in self.options(&service.options()) {
            let _ = writeln!(out, "  option {option};");
        }
        let scope = self.file.package_name();
        for method in service.methods() {
            let client = if method.is_client_streaming() { "stream " } else { "" };
            let server = if method.is_server_streaming() { "stream " } else { "" };
            let options = self.options(&method.options());
            let _ = write!(
                out,
                "  rpc {}({client}{}) returns ({server}{})",
                method.name(),
                self.type_ref(method.input().full_name(), scope),
                self.type_ref(method.output().full_name(), scope)
            );
            if options.is_empty() {
                out.push_str(";\n");
            } else {
                out.push_str(" {\n");
                for option in options {
                    let _ = writeln!(out, "    option {option};");
                }
                out.push_str("  }\n");
            }
        }
        out.push_str("}\n");
    }

    /// `name = value` for every option set on an options message, standard ones by name and
    /// custom ones as `(full.name)`; a repeated option gives one entry per element.
    fn options(&self, options: &DynamicMessage) -> Vec<String> {
        let mut out = Vec::new();
        for (field, value) in options.fields() {
            // `map_entry` is implied by `map<K, V>`; `packed` is printed as written.
            if field.name() == "map_entry" {
                continue;
            }
            push_option(&mut out, field.name().to_owned(), &field.kind(), value);
        }
        for (extension, value) in options.extensions() {
            push_option(&mut out, format!("({})", extension.full_name()), &extension.kind(), value);
        }
        if self.style == Style::Normalized {
            out.sort();
        }
        out
    }
}

fn push_option(out: &mut Vec<String>, name: String, kind: &Kind, value: &Value) {
    match value {
        Value::List(items) => {
            for item in items {
                out.push(format!("{name} = {}", value_text(kind, item, 0)));
            }
        }
        value => out.push(format!("{name} = {}", value_text(kind, value, 0))),
    }
}

/// An option value as `.proto` text (message values in the text format's `{ a: 1 }` form).
fn value_text(kind: &Kind, value: &Value, depth: usize) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F32(n) => float_text(f64::from(*n)),
        Value::F64(n) => float_text(*n),
        Value::String(s) => quote(s),
        Value::Bytes(bytes) => quote_bytes(bytes),
        Value::EnumNumber(number) => match kind {
            Kind::Enum(enumeration) => enumeration
                .get_value(*number)
                .map_or_else(|| number.to_string(), |v| v.name().to_owned()),
            _ => number.to_string(),
        },
        Value::Message(message) => {
            if depth >= MAX_VALUE_DEPTH {
                return "{}".to_owned();
            }
            let mut parts = Vec::new();
            for (field, value) in message.fields() {
                message_field_text(
                    &mut parts,
                    field.name().to_owned(),
                    &field.kind(),
                    value,
                    depth,
                );
            }
            for (extension, value) in message.extensions() {
                let name = format!("[{}]", extension.full_name());
                message_field_text(&mut parts, name, &extension.kind(), value, depth);
            }
            if parts.is_empty() { "{}".to_owned() } else { format!("{{ {} }}", parts.join(" ")) }
        }
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|v| value_text(kind, v, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(map) => {
            // Map entries print as a list of `{ key: .. value: .. }` entries, sorted for stability.
            let mut entries: Vec<String> = map
                .iter()
                .map(|(key, value)| {
                    let value_kind = match kind {
                        Kind::Message(entry) => entry.map_entry_value_field().kind(),
                        other => other.clone(),
                    };
                    let key = match key {
                        prost_reflect::MapKey::Bool(b) => b.to_string(),
                        prost_reflect::MapKey::I32(n) => n.to_string(),
                        prost_reflect::MapKey::I64(n) => n.to_string(),
                        prost_reflect::MapKey::U32(n) => n.to_string(),
                        prost_reflect::MapKey::U64(n) => n.to_string(),
                        prost_reflect::MapKey::String(s) => quote(s),
                    };
                    format!("{{ key: {key} value: {} }}", value_text(&value_kind, value, depth + 1))
                })
                .collect();
            entries.sort();
            format!("[{}]", entries.join(", "))
        }
    }
}

fn message_field_text(
    parts: &mut Vec<String>,
    name: String,
    kind: &Kind,
    value: &Value,
    depth: usize,
) {
    match (value, kind) {
        (Value::Map(_), _) => parts.push(format!("{name}: {}", value_text(kind, value, depth + 1))),
        (Value::List(items), _) => {
            let items: Vec<String> = items.iter().map(|v| value_text(kind, v, depth + 1)).collect();
            parts.push(format!("{name}: [{}]", items.join(", ")));
        }
        _ => parts.push(format!("{name}: {}", value_text(kind, value, depth + 1))),
    }
}

/// Follows protobuf's scoping: the first component of `name` is looked up from the innermost
/// scope outwards, and the rest is resolved inside whatever it found.
fn resolves(file: &FileDescriptor, scope: &str, name: &str) -> Option<String> {
    let pool = file.parent_pool();
    let first = name.split('.').next().unwrap_or(name);
    let mut scope = scope.to_owned();
    loop {
        let candidate_first =
            if scope.is_empty() { first.to_owned() } else { format!("{scope}.{first}") };
        let exists = pool.get_message_by_name(&candidate_first).is_some()
            || pool.get_enum_by_name(&candidate_first).is_some()
            || pool.files().any(|f| {
                let package = f.package_name();
                package == candidate_first
                    || package
                        .strip_prefix(candidate_first.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            });
        if exists {
            let full = if scope.is_empty() { name.to_owned() } else { format!("{scope}.{name}") };
            let found =
                pool.get_message_by_name(&full).is_some() || pool.get_enum_by_name(&full).is_some();
            return found.then_some(full);
        }
        if scope.is_empty() {
            return None;
        }
        scope = match scope.rfind('.') {
            Some(dot) => scope[..dot].to_owned(),
            None => String::new(),
        };
    }
}

fn group_type_name(field: &FieldDescriptor) -> String {
    match field.kind() {
        Kind::Message(message) => message.full_name().to_owned(),
        _ => String::new(),
    }
}

fn scalar_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Message(_) | Kind::Enum(_) => "",
    }
}

/// A `default = ...` value: the descriptor keeps strings raw and bytes already C-escaped.
fn default_text(kind: Kind, default: &str) -> String {
    match kind {
        Kind::String => quote(default),
        Kind::Bytes => format!("\"{default}\""),
        _ => default.to_owned(),
    }
}

/// The JSON name protoc derives when none is given: lowerCamelCase of the field name.
fn default_json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn range_text(start: i64, end_inclusive: i64, max: i64) -> String {
    if start == end_inclusive {
        start.to_string()
    } else if end_inclusive >= max {
        format!("{start} to max")
    } else {
        format!("{start} to {end_inclusive}")
    }
}

fn float_text(n: f64) -> String {
    if n.is_nan() {
        "nan".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "inf".to_owned() } else { "-inf".to_owned() }
    } else {
        n.to_string()
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('"');
    out
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}
