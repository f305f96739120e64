//! Work budgets: a bound on the steps one parse or one compatibility check may take, so that no
//! schema, however crafted, makes the registry or the CLI run long.
//!
//! A step is one unit of an engine's work: one JSON value read while parsing, one pair of nodes
//! compared, one verdict or type set computed, one pattern matched, one referenced schema
//! resolved. Engines spend steps as they go and stop at once when the budget is spent; the caller
//! gets [`BudgetExceeded`], which names the limit, instead of a result. Steps are deterministic
//! (the same input always takes the same number), unlike a wall-clock timeout, so a refusal can be
//! reproduced and a test can bound work without timing anything.

/// The default budget of one parse or one compatibility check (a level against every version it
/// names). Measured (BENCHMARKS.md, "Bounded checks"): a step costs well under a microsecond, so
/// the default bounds any one check or parse to about a second of one core, while the largest
/// realistic schemas we know of (thousands of fields, hundreds of definitions) need a few
/// percent of it.
pub const DEFAULT_MAX_STEPS: u64 = 2_000_000;

/// The name of the setting that sets the budget, as the registry's configuration and errors
/// spell it.
pub const SETTING: &str = "max_check_steps";

/// A work budget: how many steps are left of a limit. One budget can be shared by several
/// calls (every pairwise check of one request, say), which then share the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    limit: u64,
    used: u64,
    exceeded: bool,
}

/// The budget ran out: the work was stopped and its result is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "the schema needs more than {limit} steps of work to {activity}, the limit set by {SETTING}"
)]
pub struct BudgetExceeded {
    /// The limit that was reached, in steps.
    pub limit: u64,
    /// What was being done: "parse" or "check compatibility".
    pub activity: &'static str,
}

impl Budget {
    /// A budget of `max_steps` steps.
    pub fn new(max_steps: u64) -> Budget {
        Budget { limit: max_steps, used: 0, exceeded: false }
    }

    /// No limit at all, for schemas already accepted under one (a stored schema must stay
    /// readable when the limit is lowered later).
    pub fn unlimited() -> Budget {
        Budget::new(u64::MAX)
    }

    /// The limit this budget was created with.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Steps spent so far (never more than the limit).
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Whether some work was refused because the budget was spent.
    pub fn is_exceeded(&self) -> bool {
        self.exceeded
    }

    /// Spends `steps`; false (and from then on always false) when they are not there. Engines
    /// call this as they go and unwind as soon as it says no.
    pub(crate) fn spend(&mut self, steps: u64) -> bool {
        if self.exceeded {
            return false;
        }
        match self.used.checked_add(steps) {
            Some(used) if used <= self.limit => {
                self.used = used;
                true
            }
            _ => {
                self.used = self.limit;
                self.exceeded = true;
                false
            }
        }
    }

    /// `Err` naming the limit when the budget was exceeded.
    pub(crate) fn result(&self, activity: &'static str) -> Result<(), BudgetExceeded> {
        if self.exceeded { Err(self.exceeded(activity)) } else { Ok(()) }
    }

    /// The error naming this budget's limit.
    pub(crate) fn exceeded(&self, activity: &'static str) -> BudgetExceeded {
        BudgetExceeded { limit: self.limit, activity }
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(DEFAULT_MAX_STEPS)
    }
}

/// How many JSON values `value` holds (itself included): what parsing its text, and any linear
/// pass over it, costs.
pub(crate) fn json_values(value: &serde_json::Value) -> u64 {
    // An explicit stack: values built in code, unlike parsed ones, have no depth limit.
    let mut count = 0u64;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        count += 1;
        match value {
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    count
}

/// What a parse was doing when its budget ran out, for [`BudgetExceeded::activity`].
pub(crate) const PARSE: &str = "parse";
/// What a check was doing when its budget ran out, for [`BudgetExceeded::activity`].
pub(crate) const CHECK: &str = "check compatibility";

#[cfg(test)]
mod tests;
