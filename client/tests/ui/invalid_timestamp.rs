//! UI case: invalid timestamp.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Event {
    #[schemata(timestamp = "nanos")]
    at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
