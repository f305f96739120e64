//! Finds where a JSON pointer lands in a schema's text, as a 1-based line and column, so findings
//! can name a line (the CLI's reports, GitHub annotations, the registry UI). A small position-tracking scanner rather than a
//! parser: the text already parsed as a schema, so it only has to walk, not validate; on text it
//! cannot walk it answers `None` and callers fall back to printing the pointer.

/// A 1-based position in a text; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// As [`locate`] for a parsed schema and the text it was parsed from: a Protobuf change path
/// (`#/Order/3`) is located through the schema's own source positions (`.proto` text is not
/// JSON), always exactly; other schemas' pointers by walking the text.
pub fn locate_in_schema(
    schema: &crate::Schema,
    text: &str,
    pointer: &str,
) -> Option<(Position, bool)> {
    match schema.as_protobuf() {
        Some(protobuf) => {
            protobuf.locate(pointer).map(|(line, column)| (Position { line, column }, true))
        }
        None => locate(text, pointer),
    }
}

/// Where `pointer` points in `text`: the start of the member's key for an object member, the
/// start of the element for an array item, 1:1 for the root. Accepts both the plain form
/// (`/fields/0`, Avro findings) and the URI-fragment form (`#/properties/a%20b`, JSON Schema
/// findings). When the pointer continues past what the text holds (an Avro finding inside a named
/// type used by name, a JSON Schema finding behind a `$ref`), the deepest position reached is
/// returned with `exact = false`.
pub fn locate(text: &str, pointer: &str) -> Option<(Position, bool)> {
    let tokens = tokens(pointer)?;
    let mut scanner = Scanner { bytes: text.as_bytes(), text, at: 0 };
    scanner.skip_ws();
    let mut found = scanner.position();
    for token in &tokens {
        match scanner.peek()? {
            b'{' => match scanner.find_member(token)? {
                Some(key_at) => found = key_at,
                None => return Some((found, false)),
            },
            b'[' => {
                let Ok(index) = token.parse::<usize>() else {
                    return Some((found, false));
                };
                match scanner.find_element(index)? {
                    Some(at) => found = at,
                    None => return Some((found, false)),
                }
            }
            _ => return Some((found, false)),
        }
    }
    Some((found, true))
}

/// The pointer's reference tokens, unescaped; `None` for text that is not a pointer.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    let (pointer, fragment) = match pointer.strip_prefix('#') {
        Some(rest) => (rest, true),
        None => (pointer, false),
    };
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|token| {
            let token = if fragment { percent_decode(token)? } else { token.to_owned() };
            Some(token.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

fn percent_decode(token: &str) -> Option<String> {
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = token.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Debug)]
struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn position(&self) -> Position {
        let before = self.text.get(..self.at).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Position { line, column }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// At `{`: moves to the value of member `key` and returns where its key starts, or
    /// `Some(None)` when the object has no such member.
    fn find_member(&mut self, key: &str) -> Option<Option<Position>> {
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek()? == b'}' {
            return Some(None);
        }
        loop {
            self.skip_ws();
            let key_at = self.position();
            let name = self.string()?;
            self.expect(b':')?;
            self.skip_ws();
            if name == key {
                return Some(Some(key_at));
            }
            self.skip_value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => return Some(None),
                _ => return None,
            }
        }
    }

    /// At `[`: moves to element `index` and returns where it starts, or `Some(None)` when the
    /// array is shorter.
    fn find_element(&mut self, index: usize) -> Option<Option<Position>> {
        self.expect(b'[')?;
        self.skip_ws();
        if self.peek()? == b']' {
            return Some(None);
        }
        let mut i = 0;
        loop {
            self.skip_ws();
            if i == index {
                return Some(Some(self.position()));
            }
            self.skip_value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => return Some(None),
                _ => return None,
            }
            i += 1;
        }
    }

    /// Reads a string token and returns it unescaped.
    fn string(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.at;
        self.skip_string()?;
        serde_json::from_str(self.text.get(start..self.at)?).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.at += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
    }

    /// Skips one value of any kind. Nesting is tracked with a counter, not recursion, so deep
    /// texts cannot overflow the stack.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => self.skip_string()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.at += 1;
                }
                // Inside a container: commas, colons, blanks and scalars.
                _ if depth > 0 => self.at += 1,
                // A scalar at depth 0: runs until a delimiter.
                _ => {
                    while !matches!(
                        self.peek(),
                        None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                    ) {
                        self.at += 1;
                    }
                    return Some(());
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    /// `text` with `^` marking the expected position (removed before locating); `exact` says
    /// whether the pointer must resolve fully.
    #[track_caller]
    fn check(marked: &str, pointer: &str, exact: bool) {
        let at = marked.find('^').expect("a ^ marker");
        let text = marked.replacen('^', "", 1);
        let before = &marked[..at];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
        let (found, was_exact) = locate(&text, pointer).expect("locatable");
        assert_eq!((found.line, found.column, was_exact), (line, column, exact), "{pointer}");
    }

    #[test]
    fn pointers_land_on_keys_and_elements() {
        check("^{\"a\": 1}", "", true);
        check("^{\"a\": 1}", "#", true);
        check("{\"a\": 1, ^\"b\": 2}", "/b", true);
        check(
            "{\n  \"fields\": [\n    {\"name\": \"x\"},\n    ^{\"name\": \"y\"}\n  ]\n}",
            "/fields/1",
            true,
        );
        check("{\"fields\": [{\"name\": \"x\", ^\"type\": \"int\"}]}", "/fields/0/type", true);
        check("{\"properties\": {^\"a/b\": {}}}", "#/properties/a~1b", true);
        check("{\"properties\": {^\"a b\": {}}}", "#/properties/a%20b", true);
        check("{\"x\": \"}{][\\\"\", ^\"y\": [1, [2, 3], {\"z\": null}]}", "/y", true);
        check("{\"y\": [1, [2, 3], ^{\"z\": null}]}", "/y/2", true);
        check("{\"é\": \"ü\", ^\"k\": true}", "/k", true);
    }

    #[test]
    fn pointers_past_the_text_stop_at_the_deepest_match() {
        check(
            "{\"fields\": [{^\"type\": \"com.acme.Address\"}]}",
            "/fields/0/type/fields/1",
            false,
        );
        check("{^\"items\": []}", "/items/3", false);
        check("^{\"a\": 1}", "/missing", false);
    }

    /// Every node of every example schema: the pointer resolves exactly, and an object member's
    /// position is where its quoted key starts in the text.
    #[test]
    fn every_pointer_of_the_example_schemas_lands_on_its_key() {
        fn visit(
            value: &serde_json::Value,
            pointer: String,
            out: &mut Vec<(String, Option<String>)>,
        ) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, child) in map {
                        let escaped = key.replace('~', "~0").replace('/', "~1");
                        let child_pointer = format!("{pointer}/{escaped}");
                        out.push((child_pointer.clone(), Some(key.clone())));
                        visit(child, child_pointer, out);
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        let child_pointer = format!("{pointer}/{i}");
                        out.push((child_pointer.clone(), None));
                        visit(child, child_pointer, out);
                    }
                }
                _ => {}
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let mut checked = 0;
        for subject in std::fs::read_dir(&root).unwrap() {
            let subject = subject.unwrap().path();
            if !subject.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&subject).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                let mut pointers = Vec::new();
                visit(&value, String::new(), &mut pointers);
                for (pointer, key) in pointers {
                    let (at, exact) = locate(&text, &pointer).expect(&pointer);
                    assert!(exact, "{pointer}");
                    let line = text.lines().nth(at.line - 1).unwrap();
                    let rest: String = line.chars().skip(at.column - 1).collect();
                    if let Some(key) = key {
                        let quoted = serde_json::to_string(&key).unwrap();
                        assert!(rest.starts_with(&quoted), "{pointer}: {rest}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "only {checked} pointers checked");
    }

    proptest::proptest! {
        /// Any text, any pointer: an answer or `None`, never a panic (findings come from parsed
        /// schemas, but the locator must not trust that).
        #[test]
        fn never_panics(text in "[{}\\[\\]\",:a-c0-9 \n\\\\é]{0,40}", pointer in "#?(/[a-c0-9~%]{0,3}){0,4}") {
            let _ = locate(&text, &pointer);
        }
    }

    #[test]
    fn unwalkable_input_is_none() {
        assert_eq!(locate("{\"a\": ", "/a/b"), None);
        assert_eq!(locate("{}", "no-slash"), None);
        assert_eq!(locate("{\"a\": 1}", "#/%zz"), None);
    }
}
