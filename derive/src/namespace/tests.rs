//! The crate default namespace as read from a manifest: present, absent, or malformed.

use super::read;

#[test]
fn manifests() {
    let cases = [
        ("[package]\nname = \"a\"\n", Ok(None)),
        (
            "[package]\nname = \"a\"\n[package.metadata.schemata]\nnamespace = \"com.acme\"\n",
            Ok(Some("com.acme".to_owned())),
        ),
        ("[package.metadata.schemata]\nnamespace = 3\n", Err("must be a string")),
        ("[package\n", Err("cannot read")),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in cases {
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(&manifest, text).unwrap();
        match (read(&manifest), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "{text}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{got}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
}
