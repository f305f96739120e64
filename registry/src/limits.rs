//! Every limit the registry enforces, in one struct with its defaults: the configuration fills
//! it, handlers and the writer read it through the shared handle.

/// Every limit the registry enforces, with units in the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body; larger answers HTTP 413.
    pub max_body_bytes: usize,
    /// Largest schema text; larger answers 42209.
    pub max_schema_bytes: usize,
    /// Deepest reference chain; deeper answers 42201.
    pub max_reference_depth: usize,
    /// Most items in any list answered or accepted (references per schema included): a request
    /// over it answers 42201 (references) or is clamped (list answers).
    pub max_list_len: usize,
    /// Longest subject name in bytes; longer answers 42208.
    pub max_subject_bytes: usize,
    /// Parsed schemas kept for compatibility checks.
    pub parsed_cache_len: usize,
    /// Writes waiting for the writer before senders wait.
    pub write_queue_len: usize,
    /// Longest a request may take before it answers 50002.
    pub request_timeout_ms: u64,
    /// Most steps of work (schema nodes read or compared) that parsing a request's schema, and
    /// then checking it against the versions its level names, may each take; more answers 42201
    /// with a message naming the limit.
    pub max_check_steps: u64,
    /// Parses and compatibility checks running or waiting at once; past it a request answers
    /// 429 (error code 42901) rather than queueing without bound.
    pub max_concurrent_checks: usize,
    /// Connections open at once; one more is closed at once.
    pub max_connections: usize,
    /// Longest a client may take to send a request's header (also the idle time allowed
    /// between requests on a kept-alive connection); the connection is closed past it.
    pub header_read_timeout_ms: u64,
    /// Longest a client may take to send a request's body; past it the request answers 408.
    pub body_read_timeout_ms: u64,
    /// Largest request header; larger answers 431.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            max_schema_bytes: 1024 * 1024,
            max_reference_depth: schemata_core::schema::DEFAULT_MAX_REFERENCE_DEPTH,
            max_list_len: 100_000,
            max_subject_bytes: 1024,
            parsed_cache_len: 1024,
            write_queue_len: 4096,
            request_timeout_ms: 30_000,
            max_check_steps: schemata_core::budget::DEFAULT_MAX_STEPS,
            max_concurrent_checks: 64,
            max_connections: 1024,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
            max_header_bytes: 64 * 1024,
        }
    }
}
