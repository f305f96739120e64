//! The Protobuf compatibility engine: a structural diff of two files with Confluent's change
//! kinds, each classified compatible or not the way Confluent's registry classifies it.
//!
//! What is compared: the package; top-level and nested messages and enums by name; fields by
//! number (name, kind, scalar wire group, named type, label); oneofs by name and the fields that
//! move in or out of them. Message-typed fields are compared structurally, so an incompatible
//! change inside an imported message is found through the field that uses it.
//!
//! Paths are JSON-pointer-like: `#/` then the type's name relative to the package with `/` for
//! nesting, then a oneof name and a field or enum value number (`#/Order/items/3`).
//!
//! `reserved` numbers: a field or enum value removed without reserving its number, and a
//! reserved number that is no longer reserved, are reported (Confluent added these four kinds
//! for its LOGICAL policy). Under Confluent's default policy they are compatible, as here: they
//! inform (`schemata diff`, the UI) without changing a verdict. Reserved names are not compared,
//! as in Confluent: a name does not protect a number from reuse.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use prost_reflect::{EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};

use super::ProtobufSchema;
use crate::budget::{self, Budget, BudgetExceeded};

/// The kinds of change between two Protobuf schemas (Confluent's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ChangeKind {
    PackageChanged,
    MessageAdded,
    MessageRemoved,
    MessageMoved,
    EnumAdded,
    EnumRemoved,
    EnumConstAdded,
    EnumConstChanged,
    EnumConstRemoved,
    FieldAdded,
    FieldRemoved,
    FieldNameChanged,
    FieldKindChanged,
    FieldScalarKindChanged,
    FieldNamedTypeChanged,
    FieldNumericLabelChanged,
    FieldStringOrBytesLabelChanged,
    RequiredFieldAdded,
    RequiredFieldRemoved,
    OneofAdded,
    OneofRemoved,
    OneofFieldAdded,
    OneofFieldRemoved,
    MultipleFieldsMovedToOneof,
    FieldMovedToExistingOneof,
    /// A field was removed and its number not reserved, so a later field may reuse it.
    FieldRemovedNotReserved,
    /// An enum value was removed and its number not reserved.
    EnumConstRemovedNotReserved,
    /// A field number the original reserved is no longer reserved.
    ReservedFieldNumberRemoved,
    /// An enum value number the original reserved is no longer reserved.
    ReservedEnumNumberRemoved,
    /// Not one of Confluent's kinds: the check ran out of its work budget, so what was not
    /// compared may be incompatible and the verdict fails closed.
    CheckBudgetExceeded,
}

impl ChangeKind {
    /// The rule id in findings.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::PackageChanged => "PACKAGE_CHANGED",
            ChangeKind::MessageAdded => "MESSAGE_ADDED",
            ChangeKind::MessageRemoved => "MESSAGE_REMOVED",
            ChangeKind::MessageMoved => "MESSAGE_MOVED",
            ChangeKind::EnumAdded => "ENUM_ADDED",
            ChangeKind::EnumRemoved => "ENUM_REMOVED",
            ChangeKind::EnumConstAdded => "ENUM_CONST_ADDED",
            ChangeKind::EnumConstChanged => "ENUM_CONST_CHANGED",
            ChangeKind::EnumConstRemoved => "ENUM_CONST_REMOVED",
            ChangeKind::FieldAdded => "FIELD_ADDED",
            ChangeKind::FieldRemoved => "FIELD_REMOVED",
            ChangeKind::FieldNameChanged => "FIELD_NAME_CHANGED",
            ChangeKind::FieldKindChanged => "FIELD_KIND_CHANGED",
            ChangeKind::FieldScalarKindChanged => "FIELD_SCALAR_KIND_CHANGED",
            ChangeKind::FieldNamedTypeChanged => "FIELD_NAMED_TYPE_CHANGED",
            ChangeKind::FieldNumericLabelChanged => "FIELD_NUMERIC_LABEL_CHANGED",
            ChangeKind::FieldStringOrBytesLabelChanged => "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
            ChangeKind::RequiredFieldAdded => "REQUIRED_FIELD_ADDED",
            ChangeKind::RequiredFieldRemoved => "REQUIRED_FIELD_REMOVED",
            ChangeKind::OneofAdded => "ONEOF_ADDED",
            ChangeKind::OneofRemoved => "ONEOF_REMOVED",
            ChangeKind::OneofFieldAdded => "ONEOF_FIELD_ADDED",
            ChangeKind::OneofFieldRemoved => "ONEOF_FIELD_REMOVED",
            ChangeKind::MultipleFieldsMovedToOneof => "MULTIPLE_FIELDS_MOVED_TO_ONEOF",
            ChangeKind::FieldMovedToExistingOneof => "FIELD_MOVED_TO_EXISTING_ONEOF",
            ChangeKind::FieldRemovedNotReserved => "FIELD_REMOVED_NOT_RESERVED",
            ChangeKind::EnumConstRemovedNotReserved => "ENUM_CONST_REMOVED_NOT_RESERVED",
            ChangeKind::ReservedFieldNumberRemoved => "RESERVED_FIELD_NUMBER_REMOVED",
            ChangeKind::ReservedEnumNumberRemoved => "RESERVED_ENUM_NUMBER_REMOVED",
            ChangeKind::CheckBudgetExceeded => "CHECK_BUDGET_EXCEEDED",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ChangeKind::PackageChanged => "the package changed",
            ChangeKind::MessageAdded => "a message was added",
            ChangeKind::MessageRemoved => "a message was removed",
            ChangeKind::MessageMoved => "a message moved to another position",
            ChangeKind::EnumAdded => "an enum was added",
            ChangeKind::EnumRemoved => "an enum was removed",
            ChangeKind::EnumConstAdded => "an enum value was added",
            ChangeKind::EnumConstChanged => "an enum value number now has another name",
            ChangeKind::EnumConstRemoved => "an enum value was removed",
            ChangeKind::FieldAdded => "a field was added",
            ChangeKind::FieldRemoved => "a field was removed",
            ChangeKind::FieldNameChanged => "a field number now has another name",
            ChangeKind::FieldKindChanged => {
                "a field changed between scalar, message and map (not wire-compatible)"
            }
            ChangeKind::FieldScalarKindChanged => {
                "a field's scalar type changed to one outside its wire-compatible group"
            }
            ChangeKind::FieldNamedTypeChanged => {
                "a field's message type changed to another or incompatible message"
            }
            ChangeKind::FieldNumericLabelChanged => {
                "a numeric field changed between singular and repeated (packed encoding differs)"
            }
            ChangeKind::FieldStringOrBytesLabelChanged => {
                "a string or bytes field changed between singular and repeated"
            }
            ChangeKind::RequiredFieldAdded => "a required field was added",
            ChangeKind::RequiredFieldRemoved => "a required field was removed",
            ChangeKind::OneofAdded => "a oneof was added",
            ChangeKind::OneofRemoved => "a oneof was removed",
            ChangeKind::OneofFieldAdded => "a field was added to a oneof",
            ChangeKind::OneofFieldRemoved => "a field was removed from a oneof",
            ChangeKind::MultipleFieldsMovedToOneof => {
                "several existing fields moved into one oneof (data setting both is lost)"
            }
            ChangeKind::FieldMovedToExistingOneof => {
                "an existing field moved into an existing oneof"
            }
            ChangeKind::FieldRemovedNotReserved => {
                "a field was removed without reserving its number (a new field could reuse it)"
            }
            ChangeKind::EnumConstRemovedNotReserved => {
                "an enum value was removed without reserving its number"
            }
            ChangeKind::ReservedFieldNumberRemoved => {
                "a reserved field number is no longer reserved"
            }
            ChangeKind::ReservedEnumNumberRemoved => {
                "a reserved enum value number is no longer reserved"
            }
            ChangeKind::CheckBudgetExceeded => "the check ran out of its work budget",
        }
    }
}

impl Change {
    /// Whether the path names an element of the original (something removed) rather than of the
    /// update: which text to locate it in.
    pub fn in_original(&self) -> bool {
        matches!(
            self.kind,
            ChangeKind::MessageRemoved
                | ChangeKind::EnumRemoved
                | ChangeKind::EnumConstRemoved
                | ChangeKind::FieldRemoved
                | ChangeKind::RequiredFieldRemoved
                | ChangeKind::OneofRemoved
                | ChangeKind::OneofFieldRemoved
                | ChangeKind::FieldRemovedNotReserved
                | ChangeKind::EnumConstRemovedNotReserved
        )
    }
}

/// Whether a change kind keeps data written with the original readable with the update.
pub fn is_compatible(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::MessageAdded
            | ChangeKind::MessageMoved
            | ChangeKind::EnumAdded
            | ChangeKind::EnumRemoved
            | ChangeKind::EnumConstAdded
            | ChangeKind::EnumConstChanged
            | ChangeKind::EnumConstRemoved
            | ChangeKind::FieldAdded
            | ChangeKind::FieldRemoved
            | ChangeKind::FieldNameChanged
            | ChangeKind::FieldStringOrBytesLabelChanged
            | ChangeKind::OneofAdded
            | ChangeKind::OneofRemoved
            | ChangeKind::OneofFieldAdded
            // Confluent's default (STRICT) policy lets these pass; only its LOGICAL policy
            // refuses them.
            | ChangeKind::FieldRemovedNotReserved
            | ChangeKind::EnumConstRemovedNotReserved
            | ChangeKind::ReservedFieldNumberRemoved
            | ChangeKind::ReservedEnumNumberRemoved
    )
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// Where, e.g. `#/Order/3` (see the module documentation).
    pub path: String,
    pub message: String,
}

/// Every change from `original` to `update`, compatible or not, in a deterministic order and
/// without duplicates. Within the default work budget: past it the changes found so far end with
/// an incompatible `CHECK_BUDGET_EXCEEDED` change, so a verdict fails closed.
pub fn diff(original: &ProtobufSchema, update: &ProtobufSchema) -> Vec<Change> {
    let mut budget = Budget::default();
    let mut changes = run(original, update, &mut budget);
    if let Err(exceeded) = budget.result(budget::CHECK) {
        changes.push(Change {
            kind: ChangeKind::CheckBudgetExceeded,
            path: "#/".to_owned(),
            message: format!("not compared to the end: {exceeded}"),
        });
    }
    changes
}

/// As [`diff`], spending one step per message, enum and field compared from `budget`; `Err`
/// when it runs out, since a partial diff could miss an incompatible change.
pub fn diff_with_budget(
    original: &ProtobufSchema,
    update: &ProtobufSchema,
    budget: &mut Budget,
) -> Result<Vec<Change>, BudgetExceeded> {
    let changes = run(original, update, budget);
    budget.result(budget::CHECK)?;
    Ok(changes)
}

fn run(original: &ProtobufSchema, update: &ProtobufSchema, budget: &mut Budget) -> Vec<Change> {
    let mut differ = Differ { changes: Vec::new(), compared: HashMap::new(), budget };
    let (o, u) = (original.file(), update.file());
    if o.package_name() != u.package_name() {
        differ.push(ChangeKind::PackageChanged, "#/".to_owned());
    }
    differ.types(
        &o.messages().collect::<Vec<_>>(),
        &o.enums().collect::<Vec<_>>(),
        &u.messages().collect::<Vec<_>>(),
        &u.enums().collect::<Vec<_>>(),
        "#",
    );
    let mut seen = HashSet::new();
    differ.changes.retain(|change| seen.insert((change.kind, change.path.clone())));
    differ.changes
}

struct Differ<'b> {
    changes: Vec<Change>,
    budget: &'b mut Budget,
    /// Message pairs compared (or being compared), with whether they were found incompatible:
    /// recursive types terminate, and each pair is walked once however many fields use it.
    compared: HashMap<(String, String), bool>,
}

/// Which of the three shapes a field type has; a change between them is never wire-compatible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    Message,
    Map,
}

/// The groups of scalar types that share an encoding, and so may replace each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarGroup {
    Varint,
    ZigZag,
    LengthDelimited,
    Fixed32,
    Fixed64,
    Float,
    Double,
}

impl Differ<'_> {
    /// Spends one step; false once the budget is gone (the walk then unwinds).
    fn step(&mut self) -> bool {
        self.budget.spend(1)
    }

    fn push(&mut self, kind: ChangeKind, path: String) {
        let message = format!("{} at '{path}'", kind.describe());
        self.changes.push(Change { kind, path, message });
    }

    fn incompatible_count(&self) -> usize {
        self.changes.iter().filter(|c| !is_compatible(c.kind)).count()
    }

    /// Compares two lists of sibling declarations: messages and enums by name, plus the
    /// position of each message among its siblings.
    fn types(
        &mut self,
        original_messages: &[MessageDescriptor],
        original_enums: &[EnumDescriptor],
        update_messages: &[MessageDescriptor],
        update_enums: &[EnumDescriptor],
        path: &str,
    ) {
        let index = |list: &[MessageDescriptor]| -> BTreeMap<String, (usize, MessageDescriptor)> {
            list.iter()
                .filter(|m| !m.is_map_entry())
                .enumerate()
                .map(|(i, m)| (m.name().to_owned(), (i, m.clone())))
                .collect()
        };
        let originals = index(original_messages);
        let updates = index(update_messages);
        let names: BTreeSet<&String> = originals.keys().chain(updates.keys()).collect();
        for name in names {
            if !self.step() {
                return;
            }
            let at = format!("{path}/{name}");
            match (originals.get(name), updates.get(name)) {
                (Some(_), None) => self.push(ChangeKind::MessageRemoved, at),
                (None, Some(_)) => self.push(ChangeKind::MessageAdded, at),
                (Some((oi, o)), Some((ui, u))) => {
                    self.message(o, u, &at);
                    if oi != ui {
                        self.push(ChangeKind::MessageMoved, at);
                    }
                }
                (None, None) => {}
            }
        }
        let enums = |list: &[EnumDescriptor]| -> BTreeMap<String, EnumDescriptor> {
            list.iter().map(|e| (e.name().to_owned(), e.clone())).collect()
        };
        let originals = enums(original_enums);
        let updates = enums(update_enums);
        let names: BTreeSet<&String> = originals.keys().chain(updates.keys()).collect();
        for name in names {
            let at = format!("{path}/{name}");
            match (originals.get(name), updates.get(name)) {
                (Some(_), None) => self.push(ChangeKind::EnumRemoved, at),
                (None, Some(_)) => self.push(ChangeKind::EnumAdded, at),
                (Some(o), Some(u)) => self.enumeration(o, u, &at),
                (None, None) => {}
            }
        }
    }

    fn enumeration(&mut self, original: &EnumDescriptor, update: &EnumDescriptor, path: &str) {
        let by_number = |e: &EnumDescriptor| -> BTreeMap<i32, String> {
            e.values().map(|v| (v.number(), v.name().to_owned())).collect()
        };
        let originals = by_number(original);
        let updates = by_number(update);
        let reserved = |e: &EnumDescriptor| -> Vec<(i64, i64)> {
            e.reserved_ranges().map(|r| (i64::from(*r.start()), i64::from(*r.end()))).collect()
        };
        let update_reserved = merged(reserved(update));
        let numbers: BTreeSet<&i32> = originals.keys().chain(updates.keys()).collect();
        for number in numbers {
            if !self.step() {
                return;
            }
            let at = format!("{path}/{number}");
            match (originals.get(number), updates.get(number)) {
                (Some(_), None) => {
                    self.push(ChangeKind::EnumConstRemoved, at.clone());
                    if !covers(&update_reserved, (i64::from(*number), i64::from(*number))) {
                        self.push(ChangeKind::EnumConstRemovedNotReserved, at);
                    }
                }
                (None, Some(_)) => self.push(ChangeKind::EnumConstAdded, at),
                (Some(o), Some(u)) if o != u => self.push(ChangeKind::EnumConstChanged, at),
                _ => {}
            }
        }
        self.unreserved(reserved(original), &update_reserved, path, true);
    }

    /// Reports the original's reserved ranges the update no longer covers, once per range, at
    /// the type's path.
    fn unreserved(
        &mut self,
        original: Vec<(i64, i64)>,
        update: &[(i64, i64)],
        path: &str,
        is_enum: bool,
    ) {
        let kind = if is_enum {
            ChangeKind::ReservedEnumNumberRemoved
        } else {
            ChangeKind::ReservedFieldNumberRemoved
        };
        for (start, end) in original {
            if !covers(update, (start, end)) {
                let numbers =
                    if start == end { start.to_string() } else { format!("{start} to {end}") };
                let message = format!(
                    "{} at '{path}': reserved {numbers} is no longer (wholly) reserved",
                    kind.describe()
                );
                self.changes.push(Change { kind, path: path.to_owned(), message });
            }
        }
    }

    /// Compares two messages; returns whether an incompatible change was found in them.
    fn message(
        &mut self,
        original: &MessageDescriptor,
        update: &MessageDescriptor,
        path: &str,
    ) -> bool {
        let key = (original.full_name().to_owned(), update.full_name().to_owned());
        if let Some(&incompatible) = self.compared.get(&key) {
            return incompatible;
        }
        // Each message's fields are read once here: that linear pass is paid for up front.
        let fields =
            u64::try_from(original.fields().len() + update.fields().len()).unwrap_or(u64::MAX);
        if !self.budget.spend(fields.saturating_add(1)) {
            return false;
        }
        self.compared.insert(key.clone(), false);
        let before = self.incompatible_count();

        // Fields outside any real oneof (a proto3 `optional` field's synthetic oneof is not one).
        let real_oneof = |f: &FieldDescriptor| f.containing_oneof().filter(|o| !o.is_synthetic());
        let mut original_top: BTreeMap<u32, FieldDescriptor> = BTreeMap::new();
        let mut original_all: BTreeMap<u32, FieldDescriptor> = BTreeMap::new();
        let mut original_oneof_of: HashMap<u32, String> = HashMap::new();
        for field in original.fields() {
            original_all.insert(field.number(), field.clone());
            match real_oneof(&field) {
                Some(oneof) => {
                    original_oneof_of.insert(field.number(), oneof.name().to_owned());
                }
                None => {
                    original_top.insert(field.number(), field);
                }
            }
        }
        let mut update_top: BTreeMap<u32, FieldDescriptor> = BTreeMap::new();
        let mut update_all: BTreeMap<u32, FieldDescriptor> = BTreeMap::new();
        let mut update_oneof_of: HashMap<u32, String> = HashMap::new();
        for field in update.fields() {
            update_all.insert(field.number(), field.clone());
            match real_oneof(&field) {
                Some(oneof) => {
                    update_oneof_of.insert(field.number(), oneof.name().to_owned());
                }
                None => {
                    update_top.insert(field.number(), field);
                }
            }
        }

        // Fields moving into a oneof: one existing field may become a oneof (what was written
        // stays readable), two may not (a record setting both would lose one), nor may a field
        // join a oneof whose other members already existed.
        let oneofs = |m: &MessageDescriptor| -> BTreeMap<String, Vec<u32>> {
            m.oneofs()
                .filter(|o| !o.is_synthetic())
                .map(|o| (o.name().to_owned(), o.fields().map(|f| f.number()).collect()))
                .collect()
        };
        let original_oneofs = oneofs(original);
        let update_oneofs = oneofs(update);
        for (name, numbers) in &update_oneofs {
            let mut moved = 0;
            let mut existing = 0;
            for number in numbers {
                if original_top.remove(number).is_some() {
                    moved += 1;
                } else if original_oneof_of.contains_key(number) {
                    existing += 1;
                }
            }
            let at = format!("{path}/{name}");
            if moved > 1 {
                self.push(ChangeKind::MultipleFieldsMovedToOneof, at);
            } else if moved == 1 && existing > 0 {
                self.push(ChangeKind::FieldMovedToExistingOneof, at);
            }
        }
        let names: BTreeSet<&String> = original_oneofs.keys().chain(update_oneofs.keys()).collect();
        for name in names {
            let at = format!("{path}/{name}");
            match (original_oneofs.get(name), update_oneofs.get(name)) {
                (Some(_), None) => self.push(ChangeKind::OneofRemoved, at),
                (None, Some(_)) => self.push(ChangeKind::OneofAdded, at),
                (Some(o), Some(u)) => {
                    let numbers: BTreeSet<&u32> = o.iter().chain(u.iter()).collect();
                    for &number in numbers {
                        let field_at = format!("{at}/{number}");
                        match (o.contains(&number), u.contains(&number)) {
                            // A field that left the oneof but still exists was relocated.
                            (true, false) if !update_all.contains_key(&number) => {
                                self.push(ChangeKind::OneofFieldRemoved, field_at);
                            }
                            (false, true) => self.push(ChangeKind::OneofFieldAdded, field_at),
                            (true, true) => {
                                if let (Some(of), Some(uf)) =
                                    (original_all.get(&number), update_all.get(&number))
                                {
                                    self.field(of, uf, &field_at);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                (None, None) => {}
            }
        }

        let numbers: BTreeSet<u32> =
            original_top.keys().chain(update_top.keys()).copied().collect();
        for number in numbers {
            let at = format!("{path}/{number}");
            match (original_top.get(&number), update_top.get(&number)) {
                // A field moved into a oneof was taken out of `original_top` above; one moved
                // out of a oneof counts as added at the top level, as in Confluent.
                (Some(o), None) => {
                    let kind = if o.is_required() {
                        ChangeKind::RequiredFieldRemoved
                    } else {
                        ChangeKind::FieldRemoved
                    };
                    self.push(kind, at);
                }
                (None, Some(u)) => {
                    let kind = if u.is_required() {
                        ChangeKind::RequiredFieldAdded
                    } else {
                        ChangeKind::FieldAdded
                    };
                    self.push(kind, at);
                }
                (Some(o), Some(u)) => self.field(o, u, &at),
                (None, None) => {}
            }
        }

        // Numbers that left without being reserved (in or out of a oneof), and reserved ranges
        // the update gave up: a later field could then reuse a number old data still holds.
        let reserved = |m: &MessageDescriptor| -> Vec<(i64, i64)> {
            // Message ranges are end-exclusive in descriptors.
            m.reserved_ranges().map(|r| (i64::from(r.start), i64::from(r.end) - 1)).collect()
        };
        let update_reserved = merged(reserved(update));
        for number in original_all.keys() {
            if update_all.contains_key(number)
                || covers(&update_reserved, (i64::from(*number), i64::from(*number)))
            {
                continue;
            }
            let at = match original_oneof_of.get(number) {
                Some(oneof) => format!("{path}/{oneof}/{number}"),
                None => format!("{path}/{number}"),
            };
            self.push(ChangeKind::FieldRemovedNotReserved, at);
        }
        self.unreserved(reserved(original), &update_reserved, path, false);

        // Fields whose oneof membership changed are still compared by number.
        for (number, o) in &original_all {
            let Some(u) = update_all.get(number) else { continue };
            let (oo, uo) = (original_oneof_of.get(number), update_oneof_of.get(number));
            let top_in_both = oo.is_none() && uo.is_none();
            let same_oneof = oo.is_some() && oo == uo;
            if top_in_both || same_oneof {
                continue;
            }
            let at = match uo {
                Some(oneof) => format!("{path}/{oneof}/{number}"),
                None => format!("{path}/{number}"),
            };
            self.field(o, u, &at);
        }

        let nested = |m: &MessageDescriptor| m.child_messages().collect::<Vec<_>>();
        let enums = |m: &MessageDescriptor| m.child_enums().collect::<Vec<_>>();
        self.types(&nested(original), &enums(original), &nested(update), &enums(update), path);

        let incompatible = self.incompatible_count() > before;
        self.compared.insert(key, incompatible);
        incompatible
    }

    fn field(&mut self, original: &FieldDescriptor, update: &FieldDescriptor, path: &str) {
        if !self.step() {
            return;
        }
        if original.name() != update.name() {
            self.push(ChangeKind::FieldNameChanged, path.to_owned());
        }
        if !original.is_map() && !update.is_map() && original.is_list() != update.is_list() {
            match (scalar_group(&original.kind()), scalar_group(&update.kind())) {
                (Some(ScalarGroup::LengthDelimited), _)
                | (_, Some(ScalarGroup::LengthDelimited)) => {
                    self.push(ChangeKind::FieldStringOrBytesLabelChanged, path.to_owned());
                }
                (Some(_), _) | (_, Some(_)) => {
                    self.push(ChangeKind::FieldNumericLabelChanged, path.to_owned());
                }
                // Singular and repeated messages share an encoding (a reader merges repeats).
                (None, None) => {}
            }
        }
        self.types_of(original, update, path);
    }

    fn types_of(&mut self, original: &FieldDescriptor, update: &FieldDescriptor, path: &str) {
        let (os, us) = (shape(original), shape(update));
        if os != us {
            self.push(ChangeKind::FieldKindChanged, path.to_owned());
            return;
        }
        match (os, original.kind(), update.kind()) {
            (Shape::Map, Kind::Message(o), Kind::Message(u)) => {
                self.types_of(&o.map_entry_key_field(), &u.map_entry_key_field(), path);
                self.types_of(&o.map_entry_value_field(), &u.map_entry_value_field(), path);
            }
            (Shape::Message, Kind::Message(o), Kind::Message(u)) => {
                let (ol, ul) = (local_name(&o), local_name(&u));
                if ol != ul {
                    self.push(ChangeKind::FieldNamedTypeChanged, path.to_owned());
                } else {
                    let at = format!("#/{}", ol.replace('.', "/"));
                    if self.message(&o, &u, &at) {
                        self.push(ChangeKind::FieldNamedTypeChanged, path.to_owned());
                    }
                }
            }
            (_, o, u) => {
                if scalar_group(&o) != scalar_group(&u) {
                    self.push(ChangeKind::FieldScalarKindChanged, path.to_owned());
                }
            }
        }
    }
}

/// Inclusive number ranges sorted and merged (touching ones joined), so a range is covered when
/// one merged range holds it.
fn merged(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Whether the merged `ranges` hold every number of `range`.
fn covers(ranges: &[(i64, i64)], range: (i64, i64)) -> bool {
    ranges.iter().any(|&(start, end)| start <= range.0 && range.1 <= end)
}

fn shape(field: &FieldDescriptor) -> Shape {
    if field.is_map() {
        Shape::Map
    } else if matches!(field.kind(), Kind::Message(_)) {
        Shape::Message
    } else {
        Shape::Scalar
    }
}

/// The wire-compatible group of a scalar type (enums encode as varints); `None` for messages.
fn scalar_group(kind: &Kind) -> Option<ScalarGroup> {
    Some(match kind {
        Kind::Int32 | Kind::Int64 | Kind::Uint32 | Kind::Uint64 | Kind::Bool | Kind::Enum(_) => {
            ScalarGroup::Varint
        }
        Kind::Sint32 | Kind::Sint64 => ScalarGroup::ZigZag,
        Kind::String | Kind::Bytes => ScalarGroup::LengthDelimited,
        Kind::Fixed32 | Kind::Sfixed32 => ScalarGroup::Fixed32,
        Kind::Fixed64 | Kind::Sfixed64 => ScalarGroup::Fixed64,
        Kind::Float => ScalarGroup::Float,
        Kind::Double => ScalarGroup::Double,
        Kind::Message(_) => return None,
    })
}

/// A message's name relative to its package (`Outer.Inner`).
fn local_name(message: &MessageDescriptor) -> String {
    let package = message.package_name();
    let full = message.full_name();
    match full.strip_prefix(package).and_then(|r| r.strip_prefix('.')) {
        Some(local) if !package.is_empty() => local.to_owned(),
        _ => full.to_owned(),
    }
}
