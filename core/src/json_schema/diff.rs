//! The JSON Schema compatibility engine: a structural diff of (original, update) into typed
//! changes, each with a stable kind, a JSON pointer into the update and a sentence, and the
//! classification of every kind for the BACKWARD direction under each policy.
//!
//! BACKWARD asks whether every document valid under the original is valid under the update, so
//! a change is compatible when it relaxes what the update accepts. FORWARD is the same question
//! with the schemas swapped (`compat::check_with_policy` does that), FULL asks both.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::JsonSchema;
use super::model::{Child, Documents, Draft, Node, NodeKind, is_assertion, push_segment};
use crate::budget::{self, Budget, BudgetExceeded};
use crate::compat::JsonPolicy;

/// Declares the change kinds with their stable names and their BACKWARD classification under
/// STRICT and LENIENT (`C` compatible, `I` incompatible), so the name, the table and the
/// classification cannot drift apart.
///
/// For the kinds Confluent has, STRICT is exactly its `SchemaDiff.COMPATIBLE_CHANGES_STRICT`
/// (formerly `COMPATIBLE_CHANGES`) and LENIENT exactly its `COMPATIBLE_CHANGES_LENIENT`: STRICT
/// plus `ADDITIONAL_PROPERTIES_NARROWED`, `ADDITIONAL_PROPERTIES_REMOVED`,
/// `PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL` and the two `PROPERTY_*_NOT_COVERED_BY_PARTIALLY_OPEN_*`
/// kinds; nothing about tuple items. The kinds Confluent does not have (`FORMAT_*`,
/// `CONTAINS_*`, `CONDITIONAL_*`, `CHECK_BUDGET_EXCEEDED`) are ours, for keywords its diff does
/// not look at; they judge the same under both policies. `tests::change_kind_table` pins the
/// whole table.
macro_rules! change_kinds {
    ($($variant:ident = $name:literal, $strict:ident, $lenient:ident;)*) => {
        /// What changed between two schemas. Names follow Confluent's JSON Schema
        /// `Difference.Type` where it has one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ChangeKind {
            $($variant,)*
        }

        impl ChangeKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ChangeKind] = &[$(ChangeKind::$variant,)*];

            /// The stable name, used as the finding's rule id.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChangeKind::$variant => $name,)*
                }
            }

            /// The kind with this stable name.
            pub fn parse(name: &str) -> Option<ChangeKind> {
                ChangeKind::ALL.iter().copied().find(|kind| kind.as_str() == name)
            }

            fn compatible_strict(self) -> bool {
                match self {
                    $(ChangeKind::$variant => change_kinds!(@verdict $strict),)*
                }
            }

            fn compatible_lenient(self) -> bool {
                match self {
                    $(ChangeKind::$variant => change_kinds!(@verdict $lenient),)*
                }
            }
        }
    };
    (@verdict C) => { true };
    (@verdict I) => { false };
}

change_kinds! {
    // Annotations: readers never reject data because of them.
    IdChanged = "ID_CHANGED", C, C;
    TitleChanged = "TITLE_CHANGED", C, C;
    DescriptionChanged = "DESCRIPTION_CHANGED", C, C;
    DefaultChanged = "DEFAULT_CHANGED", C, C;
    // A subschema keyword (such as the single schema for every array item) present on one side
    // only; Confluent reports these under these names. Removing one accepts more.
    SchemaAdded = "SCHEMA_ADDED", I, I;
    SchemaRemoved = "SCHEMA_REMOVED", C, C;
    // Types; integer is a subset of number.
    TypeExtended = "TYPE_EXTENDED", C, C;
    TypeNarrowed = "TYPE_NARROWED", I, I;
    TypeChanged = "TYPE_CHANGED", I, I;
    // enum and const (a const is a one-value enum).
    EnumArrayExtended = "ENUM_ARRAY_EXTENDED", C, C;
    EnumArrayNarrowed = "ENUM_ARRAY_NARROWED", I, I;
    EnumArrayChanged = "ENUM_ARRAY_CHANGED", I, I;
    // Strings.
    MaxLengthAdded = "MAX_LENGTH_ADDED", I, I;
    MaxLengthRemoved = "MAX_LENGTH_REMOVED", C, C;
    MaxLengthIncreased = "MAX_LENGTH_INCREASED", C, C;
    MaxLengthDecreased = "MAX_LENGTH_DECREASED", I, I;
    MinLengthAdded = "MIN_LENGTH_ADDED", I, I;
    MinLengthRemoved = "MIN_LENGTH_REMOVED", C, C;
    MinLengthIncreased = "MIN_LENGTH_INCREASED", I, I;
    MinLengthDecreased = "MIN_LENGTH_DECREASED", C, C;
    PatternAdded = "PATTERN_ADDED", I, I;
    PatternRemoved = "PATTERN_REMOVED", C, C;
    PatternChanged = "PATTERN_CHANGED", I, I;
    FormatAdded = "FORMAT_ADDED", I, I;
    FormatRemoved = "FORMAT_REMOVED", C, C;
    FormatChanged = "FORMAT_CHANGED", I, I;
    // Numbers.
    MaximumAdded = "MAXIMUM_ADDED", I, I;
    MaximumRemoved = "MAXIMUM_REMOVED", C, C;
    MaximumIncreased = "MAXIMUM_INCREASED", C, C;
    MaximumDecreased = "MAXIMUM_DECREASED", I, I;
    MinimumAdded = "MINIMUM_ADDED", I, I;
    MinimumRemoved = "MINIMUM_REMOVED", C, C;
    MinimumIncreased = "MINIMUM_INCREASED", I, I;
    MinimumDecreased = "MINIMUM_DECREASED", C, C;
    ExclusiveMaximumAdded = "EXCLUSIVE_MAXIMUM_ADDED", I, I;
    ExclusiveMaximumRemoved = "EXCLUSIVE_MAXIMUM_REMOVED", C, C;
    ExclusiveMaximumIncreased = "EXCLUSIVE_MAXIMUM_INCREASED", C, C;
    ExclusiveMaximumDecreased = "EXCLUSIVE_MAXIMUM_DECREASED", I, I;
    ExclusiveMinimumAdded = "EXCLUSIVE_MINIMUM_ADDED", I, I;
    ExclusiveMinimumRemoved = "EXCLUSIVE_MINIMUM_REMOVED", C, C;
    ExclusiveMinimumIncreased = "EXCLUSIVE_MINIMUM_INCREASED", I, I;
    ExclusiveMinimumDecreased = "EXCLUSIVE_MINIMUM_DECREASED", C, C;
    MultipleOfAdded = "MULTIPLE_OF_ADDED", I, I;
    MultipleOfRemoved = "MULTIPLE_OF_REMOVED", C, C;
    MultipleOfExpanded = "MULTIPLE_OF_EXPANDED", I, I;
    MultipleOfReduced = "MULTIPLE_OF_REDUCED", C, C;
    MultipleOfChanged = "MULTIPLE_OF_CHANGED", I, I;
    // Objects.
    RequiredAttributeAdded = "REQUIRED_ATTRIBUTE_ADDED", I, I;
    RequiredAttributeWithDefaultAdded = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", C, C;
    RequiredAttributeRemoved = "REQUIRED_ATTRIBUTE_REMOVED", C, C;
    MaxPropertiesAdded = "MAX_PROPERTIES_ADDED", I, I;
    MaxPropertiesRemoved = "MAX_PROPERTIES_REMOVED", C, C;
    MaxPropertiesIncreased = "MAX_PROPERTIES_INCREASED", C, C;
    MaxPropertiesDecreased = "MAX_PROPERTIES_DECREASED", I, I;
    MinPropertiesAdded = "MIN_PROPERTIES_ADDED", I, I;
    MinPropertiesRemoved = "MIN_PROPERTIES_REMOVED", C, C;
    MinPropertiesIncreased = "MIN_PROPERTIES_INCREASED", I, I;
    MinPropertiesDecreased = "MIN_PROPERTIES_DECREASED", C, C;
    AdditionalPropertiesAdded = "ADDITIONAL_PROPERTIES_ADDED", C, C;
    AdditionalPropertiesRemoved = "ADDITIONAL_PROPERTIES_REMOVED", I, C;
    AdditionalPropertiesExtended = "ADDITIONAL_PROPERTIES_EXTENDED", C, C;
    AdditionalPropertiesNarrowed = "ADDITIONAL_PROPERTIES_NARROWED", I, C;
    DependencyArrayAdded = "DEPENDENCY_ARRAY_ADDED", I, I;
    DependencyArrayRemoved = "DEPENDENCY_ARRAY_REMOVED", C, C;
    DependencyArrayExtended = "DEPENDENCY_ARRAY_EXTENDED", I, I;
    DependencyArrayNarrowed = "DEPENDENCY_ARRAY_NARROWED", C, C;
    DependencyArrayChanged = "DEPENDENCY_ARRAY_CHANGED", I, I;
    DependencySchemaAdded = "DEPENDENCY_SCHEMA_ADDED", I, I;
    DependencySchemaRemoved = "DEPENDENCY_SCHEMA_REMOVED", C, C;
    // Object content models. Old data under an open model may carry any property, so giving a
    // new property a schema can reject it: STRICT says incompatible, LENIENT trusts that
    // producers did not send undeclared properties, so it accepts properties added to (and
    // closing or narrowing) an open model, and properties added to or removed from a partially
    // open one whatever its schema for the rest says.
    PropertyAddedToOpenContentModel = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", I, C;
    PropertyWithEmptySchemaAddedToOpenContentModel =
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", C, C;
    RequiredPropertyAddedToUnopenContentModel =
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", I, I;
    RequiredPropertyWithDefaultAddedToUnopenContentModel =
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", C, C;
    OptionalPropertyAddedToUnopenContentModel =
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", C, C;
    PropertyRemovedFromOpenContentModel = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", C, C;
    PropertyWithFalseRemovedFromClosedContentModel =
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", C, C;
    PropertyRemovedFromClosedContentModel = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", I, I;
    PropertyAddedIsCoveredByPartiallyOpenContentModel =
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", C, C;
    PropertyAddedNotCoveredByPartiallyOpenContentModel =
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", I, C;
    PropertyRemovedIsCoveredByPartiallyOpenContentModel =
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", C, C;
    PropertyRemovedNotCoveredByPartiallyOpenContentModel =
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", I, C;
    // Arrays.
    MaxItemsAdded = "MAX_ITEMS_ADDED", I, I;
    MaxItemsRemoved = "MAX_ITEMS_REMOVED", C, C;
    MaxItemsIncreased = "MAX_ITEMS_INCREASED", C, C;
    MaxItemsDecreased = "MAX_ITEMS_DECREASED", I, I;
    MinItemsAdded = "MIN_ITEMS_ADDED", I, I;
    MinItemsRemoved = "MIN_ITEMS_REMOVED", C, C;
    MinItemsIncreased = "MIN_ITEMS_INCREASED", I, I;
    MinItemsDecreased = "MIN_ITEMS_DECREASED", C, C;
    UniqueItemsAdded = "UNIQUE_ITEMS_ADDED", I, I;
    UniqueItemsRemoved = "UNIQUE_ITEMS_REMOVED", C, C;
    AdditionalItemsAdded = "ADDITIONAL_ITEMS_ADDED", C, C;
    AdditionalItemsRemoved = "ADDITIONAL_ITEMS_REMOVED", I, I;
    AdditionalItemsExtended = "ADDITIONAL_ITEMS_EXTENDED", C, C;
    AdditionalItemsNarrowed = "ADDITIONAL_ITEMS_NARROWED", I, I;
    ContainsAdded = "CONTAINS_ADDED", I, I;
    ContainsRemoved = "CONTAINS_REMOVED", C, C;
    // Tuple content models, the array twin of the object ones. LENIENT relaxes nothing here,
    // as Confluent's does not: its lenient set names properties only.
    ItemAddedToOpenContentModel = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL", I, I;
    ItemWithEmptySchemaAddedToOpenContentModel =
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", C, C;
    ItemAddedToClosedContentModel = "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", C, C;
    ItemRemovedFromOpenContentModel = "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", C, C;
    ItemWithFalseRemovedFromClosedContentModel =
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", C, C;
    ItemRemovedFromClosedContentModel = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", I, I;
    ItemAddedIsCoveredByPartiallyOpenContentModel =
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", C, C;
    ItemAddedNotCoveredByPartiallyOpenContentModel =
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", I, I;
    ItemRemovedIsCoveredByPartiallyOpenContentModel =
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", C, C;
    ItemRemovedNotCoveredByPartiallyOpenContentModel =
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", I, I;
    // Combined schemas: anyOf/oneOf are sums, allOf is a product.
    CombinedTypeExtended = "COMBINED_TYPE_EXTENDED", C, C;
    CombinedTypeChanged = "COMBINED_TYPE_CHANGED", I, I;
    ProductTypeExtended = "PRODUCT_TYPE_EXTENDED", I, I;
    ProductTypeNarrowed = "PRODUCT_TYPE_NARROWED", C, C;
    SumTypeExtended = "SUM_TYPE_EXTENDED", C, C;
    SumTypeNarrowed = "SUM_TYPE_NARROWED", I, I;
    CombinedTypeSubschemasChanged = "COMBINED_TYPE_SUBSCHEMAS_CHANGED", I, I;
    // not: the negated schema growing means the update accepts less.
    NotTypeExtended = "NOT_TYPE_EXTENDED", I, I;
    NotTypeNarrowed = "NOT_TYPE_NARROWED", C, C;
    // if/then/else.
    ConditionalAdded = "CONDITIONAL_ADDED", I, I;
    ConditionalRemoved = "CONDITIONAL_REMOVED", C, C;
    ConditionalChanged = "CONDITIONAL_CHANGED", I, I;
    // The comparison ran out of its work budget: nothing past that point was compared, so the
    // verdict fails closed.
    CheckBudgetExceeded = "CHECK_BUDGET_EXCEEDED", I, I;
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a change of this kind keeps the update able to read data valid under the original
/// (the BACKWARD direction) under `policy`.
pub fn is_compatible(kind: ChangeKind, policy: JsonPolicy) -> bool {
    match policy {
        JsonPolicy::Strict => kind.compatible_strict(),
        JsonPolicy::Lenient => kind.compatible_lenient(),
    }
}

/// One difference between an original and an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// JSON pointer (URI-fragment form) into the update schema.
    pub path: String,
    pub message: String,
}

/// Every change from `original` to `update`, judged with the STRICT policy where the diff itself
/// needs a verdict (matching combined-schema branches, coverage by partially open models).
pub fn diff(original: &JsonSchema, update: &JsonSchema) -> Vec<Change> {
    diff_with_policy(original, update, JsonPolicy::Strict)
}

/// As [`diff`], with the policy used for the diff's own sub-verdicts. Runs within the default
/// work budget; past it the changes found so far end with a `CHECK_BUDGET_EXCEEDED` change, which
/// is incompatible under every policy, so a verdict built on them fails closed.
pub fn diff_with_policy(
    original: &JsonSchema,
    update: &JsonSchema,
    policy: JsonPolicy,
) -> Vec<Change> {
    let mut budget = Budget::default();
    let (mut changes, exceeded) = run(original, update, policy, &mut budget);
    if let Err(exceeded) = exceeded {
        changes.push(Change {
            kind: ChangeKind::CheckBudgetExceeded,
            path: "#".to_owned(),
            message: format!("not compared to the end: {exceeded}"),
        });
    }
    changes
}

/// As [`diff_with_policy`], spending steps from `budget` (which may be shared with other checks);
/// `Err` when it runs out, since a partial diff could miss an incompatibility.
pub fn diff_with_budget(
    original: &JsonSchema,
    update: &JsonSchema,
    policy: JsonPolicy,
    budget: &mut Budget,
) -> Result<Vec<Change>, BudgetExceeded> {
    let (changes, exceeded) = run(original, update, policy, budget);
    exceeded.map(|()| changes)
}

fn run(
    original: &JsonSchema,
    update: &JsonSchema,
    policy: JsonPolicy,
    budget: &mut Budget,
) -> (Vec<Change>, Result<(), BudgetExceeded>) {
    // The differ owns the budget while it runs (it is threaded through every recursive call).
    let lent = std::mem::replace(budget, Budget::new(0));
    let mut differ = Differ::new(original.documents(), update.documents(), policy, lent);
    let o = original.documents().root_node();
    let u = update.documents().root_node();
    differ.compare(&o, &u, "#");
    *budget = differ.budget;
    (differ.changes, budget.result(budget::CHECK))
}

/// How deep comparisons nest. References are memoized so recursion terminates anyway; this
/// bounds the stack on long chains of distinct definitions (hand-written schemas nest a few
/// levels; serde_json already refuses documents nested more than 128 deep).
const MAX_DEPTH: usize = 64;

/// How many branch pairs a combined schema may ask us to match before we fall back to
/// comparing branches by position.
const MAX_BRANCH_PAIRS: usize = 4096;

const COMBINERS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// JSON types as a bit set; `number` is `INTEGER | FRACTION`, so integer ⊂ number falls out of
/// set inclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Types(u8);

impl Types {
    const NULL: u8 = 1;
    const BOOLEAN: u8 = 2;
    const OBJECT: u8 = 4;
    const ARRAY: u8 = 8;
    const INTEGER: u8 = 16;
    const FRACTION: u8 = 32;
    const STRING: u8 = 64;
    const ALL: Types = Types(127);
    const NONE: Types = Types(0);

    fn from_name(name: &str) -> Types {
        Types(match name {
            "null" => Types::NULL,
            "boolean" => Types::BOOLEAN,
            "object" => Types::OBJECT,
            "array" => Types::ARRAY,
            "integer" => Types::INTEGER,
            "number" => Types::INTEGER | Types::FRACTION,
            "string" => Types::STRING,
            // Unknown names are refused by the meta-schema; be permissive if one slips through.
            _ => 127,
        })
    }

    fn of_value(value: &Value) -> Types {
        Types(match value {
            Value::Null => Types::NULL,
            Value::Bool(_) => Types::BOOLEAN,
            Value::Object(_) => Types::OBJECT,
            Value::Array(_) => Types::ARRAY,
            Value::String(_) => Types::STRING,
            Value::Number(n) => {
                let integral =
                    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
                if integral { Types::INTEGER } else { Types::FRACTION }
            }
        })
    }

    fn has(self, bits: u8) -> bool {
        self.0 & bits != 0
    }

    fn within(self, other: Types) -> bool {
        self.0 & !other.0 == 0
    }

    fn and(self, other: Types) -> Types {
        Types(self.0 & other.0)
    }

    fn or(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    fn describe(self) -> String {
        if self == Types::ALL {
            return "any type".to_owned();
        }
        let mut names = Vec::new();
        for (bit, name) in [
            (Types::NULL, "null"),
            (Types::BOOLEAN, "boolean"),
            (Types::OBJECT, "object"),
            (Types::ARRAY, "array"),
            (Types::STRING, "string"),
        ] {
            if self.has(bit) {
                names.push(name);
            }
        }
        match (self.has(Types::INTEGER), self.has(Types::FRACTION)) {
            (true, true) => names.push("number"),
            (true, false) => names.push("integer"),
            (false, true) => names.push("non-integer number"),
            (false, false) => {}
        }
        if names.is_empty() { "no type".to_owned() } else { names.join(", ") }
    }
}

/// What governs properties (or tuple items) a schema does not declare.
enum Rest<'a> {
    /// Absent or `true`: anything goes.
    Open,
    /// `false`: nothing else is allowed.
    Closed,
    /// A schema: partially open.
    Schema(Node<'a>),
}

/// Which side of the diff a node comes from, to pick its documents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Original,
    Update,
}

/// Memo tables, one per direction: a `not` asks its question with the sides swapped, and the
/// answers of the two directions must not mix.
type PairMemo<T> = [HashMap<(String, String), T>; 2];

struct Differ<'a> {
    /// The documents of the original and the update; swapped while a `not` asks its reverse
    /// question (`flipped` says so).
    original: &'a Documents,
    update: &'a Documents,
    flipped: bool,
    policy: JsonPolicy,
    changes: Vec<Change>,
    /// Node pairs already compared in the current diff: a recursive schema meets the same pair
    /// again and stops there.
    visited: HashSet<(String, String)>,
    /// Verdicts of sub-diffs, by direction and node pair; pairs still being decided count as
    /// compatible (a recursive structure is compatible unless some finite part of it is not).
    /// Shared by both directions' questions for the whole diff: a `not` whose negated schema
    /// leads back to the root once started a fresh differ here, which met the `not` again and
    /// started another, each redoing everything: exponential in the number of such `not`s (two
    /// took minutes, three never finished).
    verdicts: PairMemo<bool>,
    deciding: [HashSet<(String, String)>; 2],
    patterns: HashMap<String, Option<jsonschema::Validator>>,
    /// Type sets by (whether the node is in the update's documents, node key).
    type_cache: HashMap<(bool, String), Types>,
    /// Verdicts of `not` pairs, which ask the reverse question.
    negations: PairMemo<bool>,
    depth: usize,
    /// Every compared pair, verdict, type set and pattern match spends a step; when the budget
    /// is spent every call returns at once and the caller reports it.
    budget: Budget,
}

impl<'a> Differ<'a> {
    fn new(
        original: &'a Documents,
        update: &'a Documents,
        policy: JsonPolicy,
        budget: Budget,
    ) -> Differ<'a> {
        Differ {
            original,
            update,
            flipped: false,
            policy,
            changes: Vec::new(),
            visited: HashSet::new(),
            verdicts: [HashMap::new(), HashMap::new()],
            deciding: [HashSet::new(), HashSet::new()],
            patterns: HashMap::new(),
            type_cache: HashMap::new(),
            negations: [HashMap::new(), HashMap::new()],
            depth: 0,
            budget,
        }
    }

    /// Index of the current direction in the memo tables.
    fn direction(&self) -> usize {
        usize::from(self.flipped)
    }

    /// Swaps the sides, to ask (or to stop asking) the reverse question of a `not`.
    fn flip(&mut self) {
        std::mem::swap(&mut self.original, &mut self.update);
        self.flipped = !self.flipped;
    }

    fn docs(&self, side: Side) -> &'a Documents {
        match side {
            Side::Original => self.original,
            Side::Update => self.update,
        }
    }

    fn node(&self, side: Side, child: &Child<'a>) -> Node<'a> {
        self.docs(side).node(child.value, child.doc, child.ptr.clone())
    }

    fn sub(&self, side: Side, node: &Node<'a>, keyword: &str) -> Option<Node<'a>> {
        node.child(keyword).map(|c| self.node(side, &c))
    }

    fn push(&mut self, kind: ChangeKind, path: &str, message: String) {
        self.changes.push(Change { kind, path: path.to_owned(), message });
    }

    fn compare(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        if self.depth >= MAX_DEPTH || !self.budget.spend(1) {
            return;
        }
        if !self.visited.insert((o.key.clone(), u.key.clone())) {
            return;
        }
        self.depth += 1;
        self.compare_nodes(o, u, path);
        self.depth -= 1;
    }

    /// The changes between two nodes, without adding them to this diff.
    fn sub_diff(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) -> Vec<Change> {
        let saved_changes = std::mem::take(&mut self.changes);
        let saved_visited = std::mem::take(&mut self.visited);
        self.compare(o, u, path);
        self.visited = saved_visited;
        std::mem::replace(&mut self.changes, saved_changes)
    }

    /// Whether everything valid under `o` is valid under `u`, as far as the diff can tell.
    fn accepts(&mut self, o: &Node<'a>, u: &Node<'a>) -> bool {
        if !self.budget.spend(1) {
            // The diff is abandoned; the verdict is never used.
            return false;
        }
        let direction = self.direction();
        let key = (o.key.clone(), u.key.clone());
        if let Some(&verdict) = self.verdicts[direction].get(&key) {
            return verdict;
        }
        if !self.deciding[direction].insert(key.clone()) {
            return true;
        }
        let policy = self.policy;
        let verdict = self.sub_diff(o, u, "#").iter().all(|c| is_compatible(c.kind, policy));
        self.deciding[direction].remove(&key);
        self.verdicts[direction].insert(key, verdict);
        verdict
    }

    fn compare_nodes(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        if o.is_false() {
            if !u.is_false() {
                let message =
                    "the original accepted no value here; the update accepts some".to_owned();
                self.push(ChangeKind::TypeExtended, path, message);
            }
            return;
        }
        if u.is_false() {
            self.push(
                ChangeKind::TypeNarrowed,
                path,
                "the update accepts no value here".to_owned(),
            );
            return;
        }
        let o_combined = pure_combiner(o);
        let u_combined = pure_combiner(u);
        if o_combined.is_some() || u_combined.is_some() {
            self.compare_combined_nodes(o, o_combined, u, u_combined, path);
            return;
        }
        self.compare_annotations(o, u, path);
        let o_types = self.types(Side::Original, o, 0);
        let u_types = self.types(Side::Update, u, 0);
        if o_types == Types::NONE {
            // Nothing is valid under the original (an empty enum, contradictory types).
            return;
        }
        if o_types != u_types {
            let (kind, verb) = if o_types.within(u_types) {
                (ChangeKind::TypeExtended, "extended")
            } else if u_types.within(o_types) {
                (ChangeKind::TypeNarrowed, "narrowed")
            } else {
                (ChangeKind::TypeChanged, "changed")
            };
            let message =
                format!("type {verb} from {} to {}", o_types.describe(), u_types.describe());
            self.push(kind, path, message);
        }
        self.compare_enum(o, u, path);
        let common = o_types.and(u_types);
        if common.has(Types::STRING) {
            self.compare_string(o, u, path);
        }
        if common.has(Types::INTEGER | Types::FRACTION) {
            self.compare_number(o, u, path);
        }
        if common.has(Types::OBJECT) {
            self.compare_object(o, u, path);
        }
        if common.has(Types::ARRAY) {
            self.compare_array(o, u, path);
        }
        for combiner in COMBINERS {
            self.compare_combiner_keyword(o, u, combiner, path);
        }
        self.compare_not(o, u, path);
        if o.draft >= Draft::Draft7 || u.draft >= Draft::Draft7 {
            self.compare_conditional(o, u, path);
        }
    }

    fn compare_annotations(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let id_o = if o.draft == Draft::Draft4 { "id" } else { "$id" };
        let id_u = if u.draft == Draft::Draft4 { "id" } else { "$id" };
        let pairs = [
            (id_o, id_u, ChangeKind::IdChanged),
            ("title", "title", ChangeKind::TitleChanged),
            ("description", "description", ChangeKind::DescriptionChanged),
            ("default", "default", ChangeKind::DefaultChanged),
        ];
        for (ko, ku, kind) in pairs {
            // Only the node's own keywords: a `$ref` target's title is not this node's.
            let (vo, vu) = (own(o, ko), own(u, ku));
            if vo != vu {
                let message = format!("{ku} changed from {} to {}", show(vo), show(vu));
                self.push(kind, &child_path(path, ku), message);
            }
        }
    }

    /// The types a node admits, from `type`, `enum`/`const` and its combined schemas. Memoized
    /// per node: combined schemas that refer back to themselves would otherwise make this
    /// exponential; a node met again while its own types are being computed counts as any type.
    fn types(&mut self, side: Side, node: &Node<'a>, depth: usize) -> Types {
        let key = ((side == Side::Update) != self.flipped, node.key.clone());
        if let Some(&types) = self.type_cache.get(&key) {
            return types;
        }
        self.type_cache.insert(key.clone(), Types::ALL);
        let types = self.compute_types(side, node, depth);
        self.type_cache.insert(key, types);
        types
    }

    fn compute_types(&mut self, side: Side, node: &Node<'a>, depth: usize) -> Types {
        if !self.budget.spend(1) {
            return Types::ALL;
        }
        let mut types = match &node.kind {
            NodeKind::Bool(true) => return Types::ALL,
            NodeKind::Bool(false) => return Types::NONE,
            NodeKind::Object(_) => declared_types(node.get("type")),
        };
        if let Some(values) = enum_values(node) {
            let of_values = values.iter().fold(Types::NONE, |acc, v| acc.or(Types::of_value(v)));
            types = types.and(of_values);
        }
        if depth >= 8 {
            return types;
        }
        if let Some(all) = node.child("allOf") {
            for index in 0..all.value.as_array().map_or(0, Vec::len) {
                if let Some(branch) = all.index(index) {
                    let branch = self.node(side, &branch);
                    types = types.and(self.types(side, &branch, depth + 1));
                }
            }
        }
        for combiner in ["anyOf", "oneOf"] {
            if let Some(any) = node.child(combiner) {
                let mut union = Types::NONE;
                for index in 0..any.value.as_array().map_or(0, Vec::len) {
                    if let Some(branch) = any.index(index) {
                        let branch = self.node(side, &branch);
                        union = union.or(self.types(side, &branch, depth + 1));
                    }
                }
                types = types.and(union);
            }
        }
        types
    }

    fn compare_enum(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (vo, vu) = (enum_values(o), enum_values(u));
        if vo.is_none() && vu.is_none() {
            return;
        }
        let keyword = if u.get("const").is_some() || (vu.is_none() && o.get("const").is_some()) {
            "const"
        } else {
            "enum"
        };
        let path = child_path(path, keyword);
        match (vo, vu) {
            (None, None) => {}
            (Some(vo), Some(vu)) => {
                let o_in_u = vo.iter().all(|v| vu.contains(v));
                let u_in_o = vu.iter().all(|v| vo.contains(v));
                let (kind, verb) = match (o_in_u, u_in_o) {
                    (true, true) => return,
                    (true, false) => (ChangeKind::EnumArrayExtended, "extended"),
                    (false, true) => (ChangeKind::EnumArrayNarrowed, "narrowed"),
                    (false, false) => (ChangeKind::EnumArrayChanged, "changed"),
                };
                let message = format!("allowed values {verb} from {} to {}", list(&vo), list(&vu));
                self.push(kind, &path, message);
            }
            (None, Some(vu)) => {
                let message = format!("values are now restricted to {}", list(&vu));
                self.push(ChangeKind::EnumArrayNarrowed, &path, message);
            }
            (Some(vo), None) => {
                let message = format!("values are no longer restricted to {}", list(&vo));
                self.push(ChangeKind::EnumArrayExtended, &path, message);
            }
        }
    }

    fn compare_string(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let upper = [
            ChangeKind::MaxLengthAdded,
            ChangeKind::MaxLengthRemoved,
            ChangeKind::MaxLengthIncreased,
            ChangeKind::MaxLengthDecreased,
        ];
        self.compare_limit(o, u, "maxLength", upper, path);
        let lower = [
            ChangeKind::MinLengthAdded,
            ChangeKind::MinLengthRemoved,
            ChangeKind::MinLengthIncreased,
            ChangeKind::MinLengthDecreased,
        ];
        self.compare_limit(o, u, "minLength", lower, path);
        let pattern =
            [ChangeKind::PatternAdded, ChangeKind::PatternRemoved, ChangeKind::PatternChanged];
        self.compare_exact(o, u, "pattern", pattern, path);
        let format =
            [ChangeKind::FormatAdded, ChangeKind::FormatRemoved, ChangeKind::FormatChanged];
        self.compare_exact(o, u, "format", format, path);
    }

    /// A numeric keyword; `kinds` are (added, removed, increased, decreased).
    fn compare_limit(
        &mut self,
        o: &Node<'a>,
        u: &Node<'a>,
        keyword: &str,
        kinds: [ChangeKind; 4],
        path: &str,
    ) {
        let [added, removed, increased, decreased] = kinds;
        let vo = o.get(keyword).and_then(Value::as_f64);
        let vu = u.get(keyword).and_then(Value::as_f64);
        if vo.is_none() && vu.is_none() {
            return;
        }
        let path = child_path(path, keyword);
        match (vo, vu) {
            (None, None) => {}
            (None, Some(b)) => self.push(added, &path, format!("{keyword} {} added", num(b))),
            (Some(a), None) => self.push(removed, &path, format!("{keyword} {} removed", num(a))),
            (Some(a), Some(b)) if b > a => {
                self.push(
                    increased,
                    &path,
                    format!("{keyword} increased from {} to {}", num(a), num(b)),
                );
            }
            (Some(a), Some(b)) if b < a => {
                self.push(
                    decreased,
                    &path,
                    format!("{keyword} decreased from {} to {}", num(a), num(b)),
                );
            }
            _ => {}
        }
    }

    /// A keyword compared by value; `kinds` are (added, removed, changed).
    fn compare_exact(
        &mut self,
        o: &Node<'a>,
        u: &Node<'a>,
        keyword: &str,
        kinds: [ChangeKind; 3],
        path: &str,
    ) {
        let [added, removed, changed] = kinds;
        let (vo, vu) = (o.get(keyword), u.get(keyword));
        if vo.is_none() && vu.is_none() {
            return;
        }
        let path = child_path(path, keyword);
        match (vo, vu) {
            (None, Some(b)) => self.push(added, &path, format!("{keyword} {b} added")),
            (Some(a), None) => self.push(removed, &path, format!("{keyword} {a} removed")),
            (Some(a), Some(b)) if a != b => {
                self.push(changed, &path, format!("{keyword} changed from {a} to {b}"));
            }
            _ => {}
        }
    }

    fn compare_number(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        self.compare_bound(o, u, true, path);
        self.compare_bound(o, u, false, path);
        let (mo, mu) = (
            o.get("multipleOf").and_then(Value::as_f64),
            u.get("multipleOf").and_then(Value::as_f64),
        );
        if mo.is_none() && mu.is_none() {
            return;
        }
        let path = child_path(path, "multipleOf");
        match (mo, mu) {
            (None, None) => {}
            (None, Some(b)) => self.push(
                ChangeKind::MultipleOfAdded,
                &path,
                format!("multipleOf {} added", num(b)),
            ),
            (Some(a), None) => self.push(
                ChangeKind::MultipleOfRemoved,
                &path,
                format!("multipleOf {} removed", num(a)),
            ),
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                let (kind, how) = if is_multiple(a, b) {
                    (
                        ChangeKind::MultipleOfReduced,
                        "every multiple of the old value still qualifies",
                    )
                } else if is_multiple(b, a) {
                    (
                        ChangeKind::MultipleOfExpanded,
                        "some multiples of the old value no longer qualify",
                    )
                } else {
                    (ChangeKind::MultipleOfChanged, "the two are not multiples of each other")
                };
                self.push(
                    kind,
                    &path,
                    format!("multipleOf changed from {} to {}: {how}", num(a), num(b)),
                );
            }
        }
    }

    /// One side of the numeric range. The bound is computed from `minimum`/`exclusiveMinimum`
    /// in the node's draft (a boolean modifier in draft 4, a number from draft 6), so moving
    /// between the two spellings is judged by the range it allows, not by the keyword used.
    fn compare_bound(&mut self, o: &Node<'a>, u: &Node<'a>, lower: bool, path: &str) {
        let (bo, bu) = (bound(o, lower), bound(u, lower));
        let (plain, exclusive) =
            if lower { ("minimum", "exclusiveMinimum") } else { ("maximum", "exclusiveMaximum") };
        let kinds = |excl: bool| -> [ChangeKind; 4] {
            match (lower, excl) {
                (true, false) => [
                    ChangeKind::MinimumAdded,
                    ChangeKind::MinimumRemoved,
                    ChangeKind::MinimumIncreased,
                    ChangeKind::MinimumDecreased,
                ],
                (true, true) => [
                    ChangeKind::ExclusiveMinimumAdded,
                    ChangeKind::ExclusiveMinimumRemoved,
                    ChangeKind::ExclusiveMinimumIncreased,
                    ChangeKind::ExclusiveMinimumDecreased,
                ],
                (false, false) => [
                    ChangeKind::MaximumAdded,
                    ChangeKind::MaximumRemoved,
                    ChangeKind::MaximumIncreased,
                    ChangeKind::MaximumDecreased,
                ],
                (false, true) => [
                    ChangeKind::ExclusiveMaximumAdded,
                    ChangeKind::ExclusiveMaximumRemoved,
                    ChangeKind::ExclusiveMaximumIncreased,
                    ChangeKind::ExclusiveMaximumDecreased,
                ],
            }
        };
        let name = |excl: bool| if excl { exclusive } else { plain };
        let describe = |(v, excl): (f64, bool)| {
            let op = match (lower, excl) {
                (true, false) => ">=",
                (true, true) => ">",
                (false, false) => "<=",
                (false, true) => "<",
            };
            format!("{op} {}", num(v))
        };
        match (bo, bu) {
            (None, None) => {}
            (None, Some(b)) => {
                let [added, ..] = kinds(b.1);
                self.push(
                    added,
                    &child_path(path, name(b.1)),
                    format!("bound {} added", describe(b)),
                );
            }
            (Some(a), None) => {
                let [_, removed, ..] = kinds(a.1);
                self.push(
                    removed,
                    &child_path(path, name(a.1)),
                    format!("bound {} removed", describe(a)),
                );
            }
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                // Does the update's bound admit everything the original's did?
                let relaxed = if lower {
                    b.0 < a.0 || (b.0 == a.0 && (!b.1 || a.1))
                } else {
                    b.0 > a.0 || (b.0 == a.0 && (!b.1 || a.1))
                };
                let message = format!("bound changed from {} to {}", describe(a), describe(b));
                let kind = if a.1 != b.1 {
                    // The spelling changed: name the change by the keyword that appeared (when
                    // tightening) or disappeared (when relaxing).
                    if relaxed { kinds(a.1)[1] } else { kinds(b.1)[0] }
                } else {
                    let [_, _, increased, decreased] = kinds(b.1);
                    if b.0 > a.0 { increased } else { decreased }
                };
                self.push(kind, &child_path(path, name(b.1)), message);
            }
        }
    }

    fn compare_object(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (props_o, props_u) = (o.child("properties"), u.child("properties"));
        let names_o = member_names(props_o.as_ref());
        let names_u = member_names(props_u.as_ref());
        let required_o = string_set(o.get("required"));
        let required_u = string_set(u.get("required"));
        let mut required_reported: HashSet<&str> = HashSet::new();
        let props_path = child_path(path, "properties");

        for name in &names_o {
            let prop_path = child_path(&props_path, name);
            let Some(po) = props_o.as_ref().and_then(|p| p.member(name)) else { continue };
            let node_o = self.node(Side::Original, &po);
            if let Some(pu) = props_u.as_ref().and_then(|p| p.member(name)) {
                let node_u = self.node(Side::Update, &pu);
                self.compare(&node_o, &node_u, &prop_path);
                continue;
            }
            // Removed: the update's content model now governs this name.
            match self.rest_for(Side::Update, u, name) {
                Rest::Open => self.push(
                    ChangeKind::PropertyRemovedFromOpenContentModel,
                    &prop_path,
                    format!("property '{name}' removed; the update's open content model still accepts it"),
                ),
                Rest::Closed if node_o.is_false() => self.push(
                    ChangeKind::PropertyWithFalseRemovedFromClosedContentModel,
                    &prop_path,
                    format!("property '{name}', which allowed no value, removed from a closed content model"),
                ),
                Rest::Closed => self.push(
                    ChangeKind::PropertyRemovedFromClosedContentModel,
                    &prop_path,
                    format!("property '{name}' removed from a closed content model: data carrying it is rejected"),
                ),
                Rest::Schema(_) => {
                    let governing = self.governing(Side::Update, u, name);
                    let covered = governing.iter().all(|g| self.accepts(&node_o, g));
                    let (kind, how) = if covered {
                        (ChangeKind::PropertyRemovedIsCoveredByPartiallyOpenContentModel, "is")
                    } else {
                        (ChangeKind::PropertyRemovedNotCoveredByPartiallyOpenContentModel, "is not")
                    };
                    let message = format!(
                        "property '{name}' removed; its old values {how} accepted by the update's partially open content model"
                    );
                    self.push(kind, &prop_path, message);
                }
            }
        }

        // A set: with hundreds of properties a list lookup per name would be quadratic.
        let declared_o: HashSet<&str> = names_o.iter().map(String::as_str).collect();
        for name in &names_u {
            if declared_o.contains(name.as_str()) {
                continue;
            }
            let prop_path = child_path(&props_path, name);
            let Some(pu) = props_u.as_ref().and_then(|p| p.member(name)) else { continue };
            let node_u = self.node(Side::Update, &pu);
            let newly_required = required_u.contains(name) && !required_o.contains(name);
            let has_default = node_u.get("default").is_some();
            let rest = self.rest_for(Side::Original, o, name);
            let open = matches!(rest, Rest::Open);
            match rest {
                Rest::Open if is_trivial(&node_u) => self.push(
                    ChangeKind::PropertyWithEmptySchemaAddedToOpenContentModel,
                    &prop_path,
                    format!("property '{name}' added with a schema that accepts anything"),
                ),
                Rest::Open => self.push(
                    ChangeKind::PropertyAddedToOpenContentModel,
                    &prop_path,
                    format!("property '{name}' added to an open content model: old data may carry '{name}' with values the new schema rejects"),
                ),
                Rest::Closed => {
                    if !newly_required {
                        self.push(
                            ChangeKind::OptionalPropertyAddedToUnopenContentModel,
                            &prop_path,
                            format!("optional property '{name}' added to a closed content model"),
                        );
                    }
                }
                Rest::Schema(_) => {
                    let governing = self.governing(Side::Original, o, name);
                    let covered = governing.iter().any(|g| self.accepts(g, &node_u));
                    let (kind, how) = if covered {
                        (ChangeKind::PropertyAddedIsCoveredByPartiallyOpenContentModel, "accepts")
                    } else {
                        (ChangeKind::PropertyAddedNotCoveredByPartiallyOpenContentModel, "does not accept")
                    };
                    let message = format!(
                        "property '{name}' added; its schema {how} every value the original's partially open content model allowed"
                    );
                    self.push(kind, &prop_path, message);
                }
            }
            if newly_required && !open {
                required_reported.insert(name.as_str());
                let (kind, tail) = if has_default {
                    (
                        ChangeKind::RequiredPropertyWithDefaultAddedToUnopenContentModel,
                        " with a default",
                    )
                } else {
                    (ChangeKind::RequiredPropertyAddedToUnopenContentModel, ": old data lacks it")
                };
                self.push(kind, &prop_path, format!("required property '{name}' added{tail}"));
            }
        }

        let required_path = child_path(path, "required");
        for name in &required_u {
            if required_o.contains(name) || required_reported.contains(name.as_str()) {
                continue;
            }
            let has_default = props_u
                .as_ref()
                .and_then(|p| p.member(name))
                .is_some_and(|c| self.node(Side::Update, &c).get("default").is_some());
            if has_default {
                let message = format!("property '{name}' is now required; it has a default");
                self.push(ChangeKind::RequiredAttributeWithDefaultAdded, &required_path, message);
            } else {
                let message = format!("property '{name}' is now required: old data may lack it");
                self.push(ChangeKind::RequiredAttributeAdded, &required_path, message);
            }
        }
        for name in &required_o {
            if !required_u.contains(name) {
                let message = format!("property '{name}' is no longer required");
                self.push(ChangeKind::RequiredAttributeRemoved, &required_path, message);
            }
        }

        self.compare_rest_properties(o, u, path);
        self.compare_pattern_properties(o, u, path);
        self.compare_dependencies(o, u, path);
        // `propertyNames` is not compared, as in Confluent: its object diff looks at `required`,
        // `properties`, `dependencies`, `additionalProperties` (and the pattern properties that
        // make a model partially open) and the property counts, never at the names' schema.
        // So restricting property names passes as compatible in both registries; a verdict
        // that differed would refuse schemas Confluent accepts (and the other way round).
        let upper = [
            ChangeKind::MaxPropertiesAdded,
            ChangeKind::MaxPropertiesRemoved,
            ChangeKind::MaxPropertiesIncreased,
            ChangeKind::MaxPropertiesDecreased,
        ];
        self.compare_limit(o, u, "maxProperties", upper, path);
        let lower = [
            ChangeKind::MinPropertiesAdded,
            ChangeKind::MinPropertiesRemoved,
            ChangeKind::MinPropertiesIncreased,
            ChangeKind::MinPropertiesDecreased,
        ];
        self.compare_limit(o, u, "minProperties", lower, path);
    }

    /// The schema for undeclared properties: `additionalProperties`, or from 2019-09 on
    /// `unevaluatedProperties` when that is all there is (the two differ only in what counts as
    /// declared, which for a plain object is the same).
    fn rest_properties(&self, side: Side, node: &Node<'a>) -> (Rest<'a>, &'static str) {
        let keyword = if node.get("additionalProperties").is_none()
            && node.draft >= Draft::Draft201909
            && node.get("unevaluatedProperties").is_some()
        {
            "unevaluatedProperties"
        } else {
            "additionalProperties"
        };
        (self.rest_of(side, node, keyword), keyword)
    }

    fn rest_of(&self, side: Side, node: &Node<'a>, keyword: &str) -> Rest<'a> {
        match node.child(keyword) {
            None | Some(Child { value: Value::Bool(true), .. }) => Rest::Open,
            Some(Child { value: Value::Bool(false), .. }) => Rest::Closed,
            Some(child) => {
                let rest = self.node(side, &child);
                if rest.is_false() {
                    Rest::Closed
                } else if is_trivial(&rest) {
                    Rest::Open
                } else {
                    Rest::Schema(rest)
                }
            }
        }
    }

    /// The content model that governs an undeclared property `name` in `node`: a matching
    /// `patternProperties` entry makes it partially open.
    fn rest_for(&mut self, side: Side, node: &Node<'a>, name: &str) -> Rest<'a> {
        let matching = self.matching_patterns(side, node, name);
        if !matching.is_empty() {
            if matching.iter().any(Node::is_false) {
                return Rest::Closed;
            }
            if matching.iter().all(is_trivial) {
                return Rest::Open;
            }
            return Rest::Schema(Node::accept_all());
        }
        self.rest_properties(side, node).0
    }

    /// Every schema an undeclared property `name` must satisfy in `node`.
    fn governing(&mut self, side: Side, node: &Node<'a>, name: &str) -> Vec<Node<'a>> {
        let matching = self.matching_patterns(side, node, name);
        if !matching.is_empty() {
            return matching;
        }
        match self.rest_properties(side, node).0 {
            Rest::Open => vec![Node::accept_all()],
            Rest::Closed => vec![Node::boolean(false, "false".to_owned())],
            Rest::Schema(schema) => vec![schema],
        }
    }

    fn matching_patterns(&mut self, side: Side, node: &Node<'a>, name: &str) -> Vec<Node<'a>> {
        let Some(patterns) = node.child("patternProperties") else { return Vec::new() };
        let mut out = Vec::new();
        for pattern in member_names(Some(&patterns)) {
            if self.pattern_matches(&pattern, name)
                && let Some(child) = patterns.member(&pattern)
            {
                out.push(self.node(side, &child));
            }
        }
        out
    }

    /// ECMA-262 regex matching through the validator crate, so the diff and validation agree on
    /// what a pattern matches. Compiled patterns are cached for the diff's lifetime.
    fn pattern_matches(&mut self, pattern: &str, name: &str) -> bool {
        // Compiling is paid per character, matching per step: both are linear in the pattern
        // and the name for the regex engines the validator uses.
        let cost = if self.patterns.contains_key(pattern) { 1 } else { 1 + pattern.len() as u64 };
        if !self.budget.spend(cost) {
            return false;
        }
        let validator = self.patterns.entry(pattern.to_owned()).or_insert_with(|| {
            let schema = serde_json::json!({ "pattern": pattern });
            jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&schema).ok()
        });
        validator.as_ref().is_some_and(|v| v.is_valid(&Value::String(name.to_owned())))
    }

    fn compare_rest_properties(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (ro, _) = self.rest_properties(Side::Original, o);
        let (ru, keyword) = self.rest_properties(Side::Update, u);
        let path = child_path(path, keyword);
        let (kind, message) = match (ro, ru) {
            (Rest::Open, Rest::Open) | (Rest::Closed, Rest::Closed) => return,
            (Rest::Schema(a), Rest::Schema(b)) => {
                self.compare(&a, &b, &path);
                return;
            }
            (Rest::Open, Rest::Closed) => (
                ChangeKind::AdditionalPropertiesRemoved,
                "the content model was open and is now closed: undeclared properties are rejected",
            ),
            (Rest::Schema(_), Rest::Closed) => (
                ChangeKind::AdditionalPropertiesRemoved,
                "undeclared properties were allowed by a schema and are now rejected",
            ),
            (Rest::Open, Rest::Schema(_)) => (
                ChangeKind::AdditionalPropertiesNarrowed,
                "undeclared properties were unconstrained and must now match a schema",
            ),
            (Rest::Closed, Rest::Open) => (
                ChangeKind::AdditionalPropertiesAdded,
                "the content model was closed and is now open",
            ),
            (Rest::Closed, Rest::Schema(_)) => (
                ChangeKind::AdditionalPropertiesExtended,
                "undeclared properties were rejected and are now allowed by a schema",
            ),
            (Rest::Schema(_), Rest::Open) => (
                ChangeKind::AdditionalPropertiesExtended,
                "undeclared properties no longer need to match a schema",
            ),
        };
        self.push(kind, &path, message.to_owned());
    }

    fn compare_pattern_properties(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (po, pu) = (o.child("patternProperties"), u.child("patternProperties"));
        if po.is_none() && pu.is_none() {
            return;
        }
        let names_o = member_names(po.as_ref());
        let names_u = member_names(pu.as_ref());
        let base = child_path(path, "patternProperties");
        for pattern in names_o.iter().chain(names_u.iter().filter(|n| !names_o.contains(n))) {
            let path = child_path(&base, pattern);
            let in_o =
                po.as_ref().and_then(|p| p.member(pattern)).map(|c| self.node(Side::Original, &c));
            let in_u =
                pu.as_ref().and_then(|p| p.member(pattern)).map(|c| self.node(Side::Update, &c));
            // A pattern on one side only: on the other side the names it matches fall to the
            // content model for undeclared properties.
            let node_o = match in_o {
                Some(node) => node,
                None => match self.rest_properties(Side::Original, o).0 {
                    Rest::Open => Node::accept_all(),
                    Rest::Closed => continue,
                    Rest::Schema(schema) => schema,
                },
            };
            let node_u = match in_u {
                Some(node) => node,
                None => match self.rest_properties(Side::Update, u).0 {
                    Rest::Open => Node::accept_all(),
                    Rest::Closed => Node::boolean(false, "false".to_owned()),
                    Rest::Schema(schema) => schema,
                },
            };
            self.compare(&node_o, &node_u, &path);
        }
    }

    fn compare_dependencies(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (arrays_o, schemas_o) = dependencies(o);
        let (arrays_u, schemas_u) = dependencies(u);
        let uses_dependencies = u.get("dependencies").is_some();
        let keyword_u = |dependent: &'static str| -> &'static str {
            if uses_dependencies { "dependencies" } else { dependent }
        };
        let array_base = child_path(path, keyword_u("dependentRequired"));
        for (name, list_o) in &arrays_o {
            let path = child_path(&array_base, name);
            let Some(list_u) = arrays_u.iter().find(|(n, _)| n == name).map(|(_, l)| l) else {
                let message =
                    format!("properties required when '{name}' is present are no longer required");
                self.push(ChangeKind::DependencyArrayRemoved, &path, message);
                continue;
            };
            let o_in_u = list_o.iter().all(|n| list_u.contains(n));
            let u_in_o = list_u.iter().all(|n| list_o.contains(n));
            let (kind, verb) = match (o_in_u, u_in_o) {
                (true, true) => continue,
                (true, false) => (ChangeKind::DependencyArrayExtended, "extended"),
                (false, true) => (ChangeKind::DependencyArrayNarrowed, "narrowed"),
                (false, false) => (ChangeKind::DependencyArrayChanged, "changed"),
            };
            let message = format!(
                "properties required when '{name}' is present {verb} from [{}] to [{}]",
                list_o.join(", "),
                list_u.join(", ")
            );
            self.push(kind, &path, message);
        }
        for (name, list_u) in &arrays_u {
            if !arrays_o.iter().any(|(n, _)| n == name) {
                let message =
                    format!("when '{name}' is present, [{}] are now required", list_u.join(", "));
                self.push(
                    ChangeKind::DependencyArrayAdded,
                    &child_path(&array_base, name),
                    message,
                );
            }
        }
        let schema_base = child_path(path, keyword_u("dependentSchemas"));
        for (name, child_o) in &schemas_o {
            let path = child_path(&schema_base, name);
            let node_o = self.node(Side::Original, child_o);
            match schemas_u.iter().find(|(n, _)| n == name) {
                Some((_, child_u)) => {
                    let node_u = self.node(Side::Update, child_u);
                    self.compare(&node_o, &node_u, &path);
                }
                None => {
                    let message =
                        format!("the schema applied when '{name}' is present was removed");
                    self.push(ChangeKind::DependencySchemaRemoved, &path, message);
                }
            }
        }
        for (name, _) in &schemas_u {
            if !schemas_o.iter().any(|(n, _)| n == name) {
                let message = format!("a schema now applies when '{name}' is present");
                self.push(
                    ChangeKind::DependencySchemaAdded,
                    &child_path(&schema_base, name),
                    message,
                );
            }
        }
    }

    /// Tuple prefix and the schema for the rest of an array, per draft: `prefixItems` + `items`
    /// in 2020-12, array-valued `items` + `additionalItems` before.
    fn tuple(
        &self,
        side: Side,
        node: &Node<'a>,
    ) -> (Vec<(Node<'a>, String)>, Rest<'a>, &'static str) {
        let mut prefix = Vec::new();
        let (prefix_keyword, rest_keyword) = if node.draft >= Draft::Draft202012 {
            ("prefixItems", "items")
        } else if node.get("items").is_some_and(Value::is_array) {
            ("items", "additionalItems")
        } else {
            ("", "items")
        };
        if let Some(items) = node.child(prefix_keyword) {
            for index in 0..items.value.as_array().map_or(0, Vec::len) {
                if let Some(item) = items.index(index) {
                    prefix.push((self.node(side, &item), format!("{prefix_keyword}/{index}")));
                }
            }
        }
        let (rest_keyword, rest) = if node.get(rest_keyword).is_none()
            && node.draft >= Draft::Draft201909
            && node.get("unevaluatedItems").is_some()
        {
            ("unevaluatedItems", self.rest_of(side, node, "unevaluatedItems"))
        } else {
            (rest_keyword, self.rest_of(side, node, rest_keyword))
        };
        (prefix, rest, rest_keyword)
    }

    fn compare_array(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (prefix_o, rest_o, keyword_o) = self.tuple(Side::Original, o);
        let (prefix_u, rest_u, keyword_u) = self.tuple(Side::Update, u);
        // One schema for every item on one side and a tuple on the other: Confluent compares
        // the two forms as different keywords, so the single schema is added or removed
        // (`SCHEMA_ADDED`/`SCHEMA_REMOVED` at `items`) and the tuple's positions are judged
        // against an open content model, whatever the single schema said. So a tuple replacing
        // `items` is incompatible unless its positions accept anything, as in Confluent.
        // (A boolean `items` is about the items beyond a tuple in Confluent's reading, so only a
        // schema object counts as the single form.)
        let single_o = prefix_o.is_empty() && keyword_o == "items" && is_schema_object(o, "items");
        let single_u = prefix_u.is_empty() && keyword_u == "items" && is_schema_object(u, "items");
        let items_path = child_path(path, "items");
        let (rest_o, rest_u, rest_keyword) = if single_o && !prefix_u.is_empty() {
            let message = "the schema for every item was replaced by a tuple".to_owned();
            self.push(ChangeKind::SchemaRemoved, &items_path, message);
            (Rest::Open, rest_u, keyword_u)
        } else if single_u && !prefix_o.is_empty() {
            let message = "a schema for every item replaced the tuple".to_owned();
            self.push(ChangeKind::SchemaAdded, &items_path, message);
            (rest_o, Rest::Open, keyword_o)
        } else {
            (rest_o, rest_u, keyword_u)
        };
        let longest = prefix_o.len().max(prefix_u.len());
        for index in 0..longest {
            match (prefix_o.get(index), prefix_u.get(index)) {
                (Some((a, _)), Some((b, suffix))) => {
                    let (a, b) = (a.clone(), b.clone());
                    self.compare(&a, &b, &format!("{path}/{suffix}"));
                }
                (Some((a, suffix)), None) => {
                    let a = a.clone();
                    let item_path = format!("{path}/{suffix}");
                    self.item_removed(&a, &rest_u, index, &item_path);
                }
                (None, Some((b, suffix))) => {
                    let b = b.clone();
                    let item_path = format!("{path}/{suffix}");
                    self.item_added(&rest_o, &b, index, &item_path);
                }
                (None, None) => {}
            }
        }
        let rest_path = child_path(path, rest_keyword);
        let tuple = longest > 0;
        // The schema for every item appearing or going away: Confluent reports the keyword
        // itself (`SCHEMA_ADDED` incompatible whatever the schema says, even `{}`;
        // `SCHEMA_REMOVED` compatible) without comparing it with "anything".
        let plain = |n: &Node<'a>| n.get("unevaluatedItems").is_none();
        let single_change = if tuple || !plain(o) || !plain(u) {
            None
        } else if o.get("items").is_none() && is_schema_object(u, "items") {
            Some((ChangeKind::SchemaAdded, "items must now match a schema"))
        } else if is_schema_object(o, "items") && u.get("items").is_none() {
            Some((ChangeKind::SchemaRemoved, "items no longer need to match a schema"))
        } else {
            None
        };
        let (kind, message) = match (rest_o, rest_u) {
            _ if let Some((kind, message)) = single_change => (Some(kind), message),
            (Rest::Open, Rest::Open) | (Rest::Closed, Rest::Closed) => (None, ""),
            (Rest::Schema(a), Rest::Schema(b)) => {
                self.compare(&a, &b, &rest_path);
                (None, "")
            }
            (Rest::Open, Rest::Schema(b)) if !tuple => {
                self.compare(&Node::accept_all(), &b, &rest_path);
                (None, "")
            }
            (Rest::Schema(a), Rest::Open) if !tuple => {
                self.compare(&a, &Node::accept_all(), &rest_path);
                (None, "")
            }
            (Rest::Open | Rest::Schema(_), Rest::Closed) => (
                Some(ChangeKind::AdditionalItemsRemoved),
                "items beyond the declared ones are now rejected",
            ),
            (Rest::Open, Rest::Schema(_)) => (
                Some(ChangeKind::AdditionalItemsNarrowed),
                "items beyond the declared ones must now match a schema",
            ),
            (Rest::Closed, Rest::Open) => (
                Some(ChangeKind::AdditionalItemsAdded),
                "items beyond the declared ones are now allowed",
            ),
            (Rest::Closed, Rest::Schema(_)) | (Rest::Schema(_), Rest::Open) => (
                Some(ChangeKind::AdditionalItemsExtended),
                "items beyond the declared ones are less constrained",
            ),
        };
        if let Some(kind) = kind {
            self.push(kind, &rest_path, message.to_owned());
        }
        let upper = [
            ChangeKind::MaxItemsAdded,
            ChangeKind::MaxItemsRemoved,
            ChangeKind::MaxItemsIncreased,
            ChangeKind::MaxItemsDecreased,
        ];
        self.compare_limit(o, u, "maxItems", upper, path);
        let lower = [
            ChangeKind::MinItemsAdded,
            ChangeKind::MinItemsRemoved,
            ChangeKind::MinItemsIncreased,
            ChangeKind::MinItemsDecreased,
        ];
        self.compare_limit(o, u, "minItems", lower, path);
        let unique_o = o.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let unique_u = u.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let unique_path = child_path(path, "uniqueItems");
        match (unique_o, unique_u) {
            (false, true) => self.push(
                ChangeKind::UniqueItemsAdded,
                &unique_path,
                "items must now be unique".to_owned(),
            ),
            (true, false) => self.push(
                ChangeKind::UniqueItemsRemoved,
                &unique_path,
                "items no longer need to be unique".to_owned(),
            ),
            _ => {}
        }
        if o.draft >= Draft::Draft6 || u.draft >= Draft::Draft6 {
            let contains_path = child_path(path, "contains");
            match (self.sub(Side::Original, o, "contains"), self.sub(Side::Update, u, "contains")) {
                (None, None) => {}
                (Some(a), Some(b)) => self.compare(&a, &b, &contains_path),
                (None, Some(_)) => self.push(
                    ChangeKind::ContainsAdded,
                    &contains_path,
                    "arrays must now contain a matching item".to_owned(),
                ),
                (Some(_), None) => self.push(
                    ChangeKind::ContainsRemoved,
                    &contains_path,
                    "arrays no longer need to contain a matching item".to_owned(),
                ),
            }
        }
    }

    /// Tuple position `index` exists in the original only: the update's rest governs it.
    fn item_removed(&mut self, item_o: &Node<'a>, rest_u: &Rest<'a>, index: usize, path: &str) {
        let (kind, message) = match rest_u {
            Rest::Open => (
                ChangeKind::ItemRemovedFromOpenContentModel,
                "the update's open tuple still accepts it",
            ),
            Rest::Closed if item_o.is_false() => (
                ChangeKind::ItemWithFalseRemovedFromClosedContentModel,
                "it allowed no value and the update's tuple is closed",
            ),
            Rest::Closed => (
                ChangeKind::ItemRemovedFromClosedContentModel,
                "the update's tuple is closed: arrays that had it are rejected",
            ),
            Rest::Schema(rest) => {
                let rest = rest.clone();
                if self.accepts(item_o, &rest) {
                    (
                        ChangeKind::ItemRemovedIsCoveredByPartiallyOpenContentModel,
                        "the update's schema for further items accepts its values",
                    )
                } else {
                    (
                        ChangeKind::ItemRemovedNotCoveredByPartiallyOpenContentModel,
                        "the update's schema for further items rejects some of its values",
                    )
                }
            }
        };
        self.push(kind, path, format!("tuple item {index} removed; {message}"));
    }

    /// Tuple position `index` exists in the update only: the original's rest governed it.
    fn item_added(&mut self, rest_o: &Rest<'a>, item_u: &Node<'a>, index: usize, path: &str) {
        let (kind, message) = match rest_o {
            Rest::Open if is_trivial(item_u) => (
                ChangeKind::ItemWithEmptySchemaAddedToOpenContentModel,
                "with a schema that accepts anything",
            ),
            Rest::Open => (
                ChangeKind::ItemAddedToOpenContentModel,
                "to an open tuple: old arrays may hold other values at that position",
            ),
            Rest::Closed => (ChangeKind::ItemAddedToClosedContentModel, "to a closed tuple"),
            Rest::Schema(rest) => {
                let rest = rest.clone();
                if self.accepts(&rest, item_u) {
                    (
                        ChangeKind::ItemAddedIsCoveredByPartiallyOpenContentModel,
                        "and accepts what the original allowed there",
                    )
                } else {
                    (
                        ChangeKind::ItemAddedNotCoveredByPartiallyOpenContentModel,
                        "and rejects some values the original allowed there",
                    )
                }
            }
        };
        self.push(kind, path, format!("tuple item {index} added {message}"));
    }

    /// allOf/anyOf/oneOf next to other keywords: each is one more constraint on the node.
    fn compare_combiner_keyword(
        &mut self,
        o: &Node<'a>,
        u: &Node<'a>,
        combiner: &'static str,
        path: &str,
    ) {
        let (co, cu) = (o.child(combiner), u.child(combiner));
        if co.is_none() && cu.is_none() {
            return;
        }
        let path = child_path(path, combiner);
        let sum = combiner != "allOf";
        match (co, cu) {
            (None, None) => {}
            (Some(co), Some(cu)) => {
                let bo = self.branches(Side::Original, &co);
                let bu = self.branches(Side::Update, &cu);
                self.compare_combined(combiner, bo, combiner, bu, &path, false, false);
            }
            (Some(_), None) => {
                let kind =
                    if sum { ChangeKind::SumTypeExtended } else { ChangeKind::ProductTypeNarrowed };
                self.push(kind, &path, format!("{combiner} constraint removed"));
            }
            (None, Some(cu)) => {
                // The added constraint only matters if data valid under the original can fail
                // it: some branch (anyOf/oneOf) or every branch (allOf) must accept the original.
                let bu = self.branches(Side::Update, &cu);
                let accepted: Vec<bool> = bu.iter().map(|(b, _)| self.accepts(o, b)).collect();
                let fine =
                    if sum { accepted.iter().any(|&a| a) } else { accepted.iter().all(|&a| a) };
                if !fine {
                    let kind = if sum {
                        ChangeKind::SumTypeNarrowed
                    } else {
                        ChangeKind::ProductTypeExtended
                    };
                    self.push(
                        kind,
                        &path,
                        format!("{combiner} constraint added that data valid before may fail"),
                    );
                }
            }
        }
    }

    fn branches(&self, side: Side, combiner: &Child<'a>) -> Vec<(Node<'a>, String)> {
        let name = combiner.ptr.rsplit('/').next().unwrap_or("anyOf").to_owned();
        let count = combiner.value.as_array().map_or(0, Vec::len);
        (0..count)
            .filter_map(|i| combiner.index(i).map(|c| (self.node(side, &c), format!("{name}/{i}"))))
            .collect()
    }

    /// Two nodes of which at least one is nothing but a combined schema; the other side, if
    /// plain, counts as a combined schema with one branch.
    fn compare_combined_nodes(
        &mut self,
        o: &Node<'a>,
        o_combined: Option<(&'static str, Child<'a>)>,
        u: &Node<'a>,
        u_combined: Option<(&'static str, Child<'a>)>,
        path: &str,
    ) {
        let (ko, bo, wrapped_o) = match o_combined {
            Some((kind, child)) => (kind, self.branches(Side::Original, &child), false),
            None => ("", vec![(o.clone(), String::new())], true),
        };
        let (ku, bu, wrapped_u) = match u_combined {
            Some((kind, child)) => (kind, self.branches(Side::Update, &child), false),
            None => ("", vec![(u.clone(), String::new())], true),
        };
        let ko = if wrapped_o { ku } else { ko };
        let ku = if wrapped_u { ko } else { ku };
        self.compare_combined(ko, bo, ku, bu, path, wrapped_o, wrapped_u);
    }

    /// The heart of combined schemas. A sum (anyOf/oneOf) in the update must accept every
    /// original branch; a product (allOf) in the update must have each branch accept the
    /// original. Branches are matched by sub-diff verdict, not by position, so reordering is
    /// not a change.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call per shape; a struct would only rename them"
    )]
    fn compare_combined(
        &mut self,
        ko: &'static str,
        bo: Vec<(Node<'a>, String)>,
        ku: &'static str,
        bu: Vec<(Node<'a>, String)>,
        path: &str,
        wrapped_o: bool,
        wrapped_u: bool,
    ) {
        // Where a combined keyword sits: `path` for a wrapped side, `path/<keyword>` otherwise.
        let at = |suffix: &str| {
            if suffix.is_empty() { path.to_owned() } else { format!("{path}/{suffix}") }
        };
        let keyword_path = if wrapped_u { path.to_owned() } else { child_path(path, ku) };
        // A single branch is both a sum and a product.
        let o_neutral = bo.len() == 1;
        let u_neutral = bu.len() == 1;
        let o_sum = ko != "allOf" && !o_neutral;
        let u_sum = ku != "allOf" && !u_neutral;
        if !o_neutral && !u_neutral && ko != ku {
            let widening = (ko == "allOf" && u_sum) || (ko == "oneOf" && ku == "anyOf");
            let message = format!("combined schema changed from {ko} to {ku}");
            if widening {
                self.push(ChangeKind::CombinedTypeExtended, &keyword_path, message);
            } else {
                self.push(ChangeKind::CombinedTypeChanged, &keyword_path, message);
                return;
            }
        }
        if bo.is_empty() || bu.is_empty() {
            return;
        }
        if bo.len().saturating_mul(bu.len()) > MAX_BRANCH_PAIRS {
            for ((a, _), (b, suffix)) in bo.iter().zip(bu.iter()) {
                self.compare(a, b, &at(suffix));
            }
            return;
        }

        if u_neutral && !o_neutral {
            let Some((b, suffix)) = bu.first().cloned() else { return };
            if o_sum {
                // Every original alternative must now be accepted by the single schema.
                let mut rejected = Vec::new();
                for (i, (a, _)) in bo.iter().enumerate() {
                    if self.accepts(a, &b) {
                        self.compare(a, &b, &at(&suffix));
                    } else {
                        rejected.push(i);
                    }
                }
                if !rejected.is_empty() {
                    let message = format!(
                        "{ko} alternatives {rejected:?} of the original are no longer accepted"
                    );
                    self.push(ChangeKind::SumTypeNarrowed, &keyword_path, message);
                }
            } else {
                match bo.iter().find(|(a, _)| self.accepts(a, &b)).cloned() {
                    Some((a, _)) => {
                        let message = "allOf reduced to one of its subschemas".to_owned();
                        self.push(ChangeKind::ProductTypeNarrowed, &keyword_path, message);
                        self.compare(&a, &b, &at(&suffix));
                    }
                    None => {
                        let message =
                            "allOf replaced by a schema none of its subschemas fits".to_owned();
                        self.push(ChangeKind::CombinedTypeChanged, &keyword_path, message);
                    }
                }
            }
            return;
        }

        if u_sum {
            if !o_neutral && !o_sum {
                // allOf became anyOf/oneOf: data satisfies every original branch, so one good
                // pair is enough.
                let mut found = None;
                'outer: for (i, (a, _)) in bo.iter().enumerate() {
                    for (j, (b, _)) in bu.iter().enumerate() {
                        if self.accepts(a, b) {
                            found = Some((i, j));
                            break 'outer;
                        }
                    }
                }
                match found {
                    Some((i, j)) => {
                        if let Some((a, b, suffix)) = pair(&bo, &bu, i, j) {
                            self.compare(&a, &b, &at(&suffix));
                        }
                    }
                    None => self.push(
                        ChangeKind::CombinedTypeSubschemasChanged,
                        &keyword_path,
                        format!("no {ku} branch of the update accepts the original's allOf"),
                    ),
                }
                return;
            }
            let (matched, unmatched) = self.match_branches(&bo, &bu, false);
            for &(i, j) in &matched {
                if let Some((a, b, suffix)) = pair(&bo, &bu, i, j) {
                    self.compare(&a, &b, &at(&suffix));
                }
            }
            if unmatched.is_empty() {
                if bu.len() > bo.len() {
                    let message = if wrapped_o {
                        format!("the schema became one alternative of {ku}")
                    } else {
                        format!("{ku} gained alternatives ({} to {})", bo.len(), bu.len())
                    };
                    self.push(ChangeKind::SumTypeExtended, &keyword_path, message);
                }
            } else if wrapped_o {
                let message =
                    format!("the schema was replaced by {ku} and no alternative accepts it");
                self.push(ChangeKind::CombinedTypeChanged, &keyword_path, message);
            } else if bu.len() < bo.len() {
                let message = format!(
                    "{ku} lost alternatives ({} to {}); original alternatives {unmatched:?} are no longer accepted",
                    bo.len(),
                    bu.len()
                );
                self.push(ChangeKind::SumTypeNarrowed, &keyword_path, message);
            } else {
                let message = format!(
                    "original {ko} alternatives {unmatched:?} are not accepted by any alternative of the update"
                );
                self.push(ChangeKind::CombinedTypeSubschemasChanged, &keyword_path, message);
                for &i in &unmatched {
                    if let (Some((a, _)), Some((b, suffix))) = (bo.get(i), bu.get(i)) {
                        let (a, b, suffix) = (a.clone(), b.clone(), suffix.clone());
                        self.compare(&a, &b, &at(&suffix));
                    }
                }
            }
            return;
        }

        // The update is a product (or both sides are single schemas).
        if o_neutral && u_neutral {
            if let Some((a, b, suffix)) = pair(&bo, &bu, 0, 0) {
                self.compare(&a, &b, &at(&suffix));
            }
            return;
        }
        let (matched, unmatched) = self.match_branches(&bo, &bu, true);
        for &(i, j) in &matched {
            if let Some((a, b, suffix)) = pair(&bo, &bu, i, j) {
                self.compare(&a, &b, &at(&suffix));
            }
        }
        if unmatched.is_empty() {
            if bu.len() < bo.len() {
                let message = format!("allOf lost subschemas ({} to {})", bo.len(), bu.len());
                self.push(ChangeKind::ProductTypeNarrowed, &keyword_path, message);
            }
        } else if bu.len() > bo.len() || wrapped_o {
            let message = format!(
                "allOf subschemas {unmatched:?} of the update add constraints data valid before may fail"
            );
            self.push(ChangeKind::ProductTypeExtended, &keyword_path, message);
        } else {
            let message = format!(
                "allOf subschemas {unmatched:?} of the update match no subschema of the original"
            );
            self.push(ChangeKind::CombinedTypeSubschemasChanged, &keyword_path, message);
            for &j in &unmatched {
                if let (Some((a, _)), Some((b, suffix))) = (bo.get(j), bu.get(j)) {
                    let (a, b, suffix) = (a.clone(), b.clone(), suffix.clone());
                    self.compare(&a, &b, &at(&suffix));
                }
            }
        }
    }

    /// Matches branches: for sums every original branch needs an accepting update branch; for
    /// products every update branch needs an original branch it accepts. Same position is tried
    /// first so unchanged schemas pair up as written. Returns (pairs (orig, update), unmatched
    /// indexes on the side that needed a partner).
    fn match_branches(
        &mut self,
        bo: &[(Node<'a>, String)],
        bu: &[(Node<'a>, String)],
        product: bool,
    ) -> (Vec<(usize, usize)>, Vec<usize>) {
        let mut matched = Vec::new();
        let mut unmatched = Vec::new();
        let (needs, offers) = if product { (bu, bo) } else { (bo, bu) };
        for (i, (need, _)) in needs.iter().enumerate() {
            let order = std::iter::once(i).chain((0..offers.len()).filter(|&j| j != i));
            let mut partner = None;
            for j in order {
                let Some((offer, _)) = offers.get(j) else { continue };
                let ok =
                    if product { self.accepts(offer, need) } else { self.accepts(need, offer) };
                if ok {
                    partner = Some(j);
                    break;
                }
            }
            match (partner, product) {
                (Some(j), false) => matched.push((i, j)),
                (Some(j), true) => matched.push((j, i)),
                (None, _) => unmatched.push(i),
            }
        }
        (matched, unmatched)
    }

    fn compare_not(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        if o.get("not").is_none() && u.get("not").is_none() {
            return;
        }
        let path = child_path(path, "not");
        match (self.sub(Side::Original, o, "not"), self.sub(Side::Update, u, "not")) {
            (None, None) => {}
            (None, Some(_)) => {
                self.push(
                    ChangeKind::NotTypeExtended,
                    &path,
                    "a 'not' constraint was added".to_owned(),
                );
            }
            (Some(_), None) => {
                self.push(
                    ChangeKind::NotTypeNarrowed,
                    &path,
                    "the 'not' constraint was removed".to_owned(),
                );
            }
            (Some(a), Some(b)) => {
                // The update rejects what its negated schema accepts, so the update accepts
                // everything the original did exactly when the new negated schema accepts no
                // more than the old one: the question runs the other way round.
                // The reverse question needs the sides swapped, so each node's subschemas and
                // references resolve in its own documents. This differ asks it with its sides
                // flipped, so its answer (and every sub-verdict on the way) is remembered for
                // the whole diff.
                let direction = self.direction();
                let key = (a.key.clone(), b.key.clone());
                let narrowed = match self.negations[direction].get(&key) {
                    Some(&narrowed) => narrowed,
                    None => {
                        self.flip();
                        let narrowed = self.accepts(&b, &a);
                        self.flip();
                        self.negations[direction].insert(key, narrowed);
                        narrowed
                    }
                };
                if narrowed && self.accepts(&a, &b) {
                    return;
                }
                if narrowed {
                    let message =
                        "the negated schema accepts less, so the update accepts more".to_owned();
                    self.push(ChangeKind::NotTypeNarrowed, &path, message);
                } else {
                    let message =
                        "the negated schema accepts more, so the update rejects data valid before"
                            .to_owned();
                    self.push(ChangeKind::NotTypeExtended, &path, message);
                }
            }
        }
    }

    fn compare_conditional(&mut self, o: &Node<'a>, u: &Node<'a>, path: &str) {
        let (if_o, if_u) = (o.get("if"), u.get("if"));
        if if_o.is_none() && if_u.is_none() {
            return;
        }
        let if_path = child_path(path, "if");
        match (if_o, if_u) {
            (None, None) => {}
            (None, Some(_)) => {
                let message = "an if/then/else condition was added".to_owned();
                self.push(ChangeKind::ConditionalAdded, &if_path, message);
            }
            (Some(_), None) => {
                let message = "the if/then/else condition was removed".to_owned();
                self.push(ChangeKind::ConditionalRemoved, &if_path, message);
            }
            (Some(a), Some(b)) if a != b => {
                let message = "the if condition changed".to_owned();
                self.push(ChangeKind::ConditionalChanged, &if_path, message);
            }
            (Some(_), Some(_)) => {
                // Same condition: each branch is an ordinary constraint on the data it selects.
                for keyword in ["then", "else"] {
                    let a = self.sub(Side::Original, o, keyword).unwrap_or_else(Node::accept_all);
                    let b = self.sub(Side::Update, u, keyword).unwrap_or_else(Node::accept_all);
                    if o.get(keyword).is_some() || u.get(keyword).is_some() {
                        self.compare(&a, &b, &child_path(path, keyword));
                    }
                }
            }
        }
    }
}

/// The original branch `i` and the update branch `j` with the update's path suffix.
fn pair<'a>(
    bo: &[(Node<'a>, String)],
    bu: &[(Node<'a>, String)],
    i: usize,
    j: usize,
) -> Option<(Node<'a>, Node<'a>, String)> {
    let (a, _) = bo.get(i)?;
    let (b, suffix) = bu.get(j)?;
    Some((a.clone(), b.clone(), suffix.clone()))
}

/// A node's own (first part's) keyword, ignoring what its references contribute.
fn own<'a>(node: &Node<'a>, keyword: &str) -> Option<&'a Value> {
    match &node.kind {
        NodeKind::Object(parts) => parts.first().and_then(|p| p.map.get(keyword)),
        NodeKind::Bool(_) => None,
    }
}

fn declared_types(value: Option<&Value>) -> Types {
    match value {
        Some(Value::String(name)) => Types::from_name(name),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .fold(Types::NONE, |acc, name| acc.or(Types::from_name(name))),
        _ => Types::ALL,
    }
}

/// The values an `enum` or `const` allows, if either constrains the node. `const` exists from
/// draft 6; a draft-4 schema's `const` is an unknown keyword.
fn enum_values(node: &Node<'_>) -> Option<Vec<Value>> {
    let from_const = if node.draft >= Draft::Draft6 { node.get("const").cloned() } else { None };
    let from_enum = node.get("enum").and_then(Value::as_array).cloned();
    match (from_const, from_enum) {
        (Some(c), Some(e)) => Some(if e.contains(&c) { vec![c] } else { Vec::new() }),
        (Some(c), None) => Some(vec![c]),
        (None, Some(e)) => Some(e),
        (None, None) => None,
    }
}

/// Whether a node accepts everything: `true`, or no keyword that constrains instances.
fn is_trivial(node: &Node<'_>) -> bool {
    match &node.kind {
        NodeKind::Bool(value) => *value,
        NodeKind::Object(_) => !node.keywords().any(|k| is_assertion(k)),
    }
}

/// The combiner of a node that is nothing but one combined schema.
fn pure_combiner<'a>(node: &Node<'a>) -> Option<(&'static str, Child<'a>)> {
    let mut found = None;
    for keyword in node.keywords() {
        if !is_assertion(keyword) {
            continue;
        }
        let combiner = COMBINERS.iter().find(|c| **c == keyword.as_str())?;
        if found.is_some_and(|f| f != *combiner) {
            return None;
        }
        found = Some(*combiner);
    }
    let combiner = found?;
    let child = node.child(combiner).filter(|c| c.value.is_array())?;
    Some((combiner, child))
}

/// Property dependencies as (name, required names) and (name, schema), from draft-7
/// `dependencies` and 2019-09 `dependentRequired`/`dependentSchemas` alike.
#[allow(clippy::type_complexity, reason = "two parallel lists read once by the caller")]
fn dependencies<'a>(node: &Node<'a>) -> (Vec<(String, Vec<String>)>, Vec<(String, Child<'a>)>) {
    let mut arrays = Vec::new();
    let mut schemas = Vec::new();
    for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
        let Some(child) = node.child(keyword) else { continue };
        for name in member_names(Some(&child)) {
            let Some(member) = child.member(&name) else { continue };
            match member.value {
                Value::Array(list) => {
                    let list = list.iter().filter_map(Value::as_str).map(str::to_owned).collect();
                    arrays.push((name, list));
                }
                _ => schemas.push((name, member)),
            }
        }
    }
    (arrays, schemas)
}

/// Lower (`lower`) or upper bound of a numeric range as (value, exclusive).
fn bound(node: &Node<'_>, lower: bool) -> Option<(f64, bool)> {
    let (plain, exclusive) =
        if lower { ("minimum", "exclusiveMinimum") } else { ("maximum", "exclusiveMaximum") };
    let value = node.get(plain).and_then(Value::as_f64);
    if node.draft == Draft::Draft4 {
        let excl = node.get(exclusive).and_then(Value::as_bool).unwrap_or(false);
        return value.map(|v| (v, excl));
    }
    let excl = node.get(exclusive).and_then(Value::as_f64);
    match (value, excl) {
        (None, None) => None,
        (Some(v), None) => Some((v, false)),
        (None, Some(e)) => Some((e, true)),
        // Both: the tighter one wins; on a tie the exclusive one is tighter.
        (Some(v), Some(e)) => {
            let exclusive_tighter = if lower { e >= v } else { e <= v };
            Some(if exclusive_tighter { (e, true) } else { (v, false) })
        }
    }
}

/// Whether `a` is an integer multiple of `b` (for multipleOf, within float precision).
fn is_multiple(a: f64, b: f64) -> bool {
    if b == 0.0 {
        return false;
    }
    let ratio = a / b;
    ratio.is_finite() && (ratio - ratio.round()).abs() < 1e-9
}

fn member_names(child: Option<&Child<'_>>) -> Vec<String> {
    child.and_then(|c| c.value.as_object()).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn string_set(value: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = value
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    names.dedup();
    names
}

fn child_path(path: &str, segment: &str) -> String {
    let mut out = path.to_owned();
    push_segment(&mut out, segment);
    out
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_owned(), Value::to_string)
}

fn list(values: &[Value]) -> String {
    let mut out = String::from("[");
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{value}");
    }
    out.push(']');
    out
}

/// A number without a spurious `.0` for integers.
fn num(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

/// Whether `keyword` holds a schema object (not a boolean schema, not an array).
fn is_schema_object(node: &Node<'_>, keyword: &str) -> bool {
    node.get(keyword).is_some_and(Value::is_object)
}
