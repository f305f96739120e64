//! UI case: the remaining serde attributes whose serialized shape a schema cannot follow.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(from = "String", try_from = "String", remote = "Other")]
struct Id {
    #[serde(deserialize_with = "read_it", getter = "Other::get")]
    raw: String,
    callback: fn() -> i32,
}

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Event {
    #[serde(skip_deserializing)]
    Started { at: i64 },
    #[serde(rename = "stopped-at")]
    Stopped { at: i64 },
}

fn main() {}
