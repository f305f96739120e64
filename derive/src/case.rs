//! serde's `rename_all` rules, applied exactly as serde applies them: fields start in snake_case,
//! variants in PascalCase, and each rule converts from that starting point.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

pub(crate) const RULE_NAMES: &str = "\"lowercase\", \"UPPERCASE\", \"PascalCase\", \"camelCase\", \
     \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\"";

impl RenameRule {
    pub(crate) fn parse(name: &str) -> Option<RenameRule> {
        Some(match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// A variant name (PascalCase in Rust) under this rule.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::new();
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => {
                RenameRule::Snake.apply_to_variant(variant).to_ascii_uppercase()
            }
            RenameRule::Kebab => RenameRule::Snake.apply_to_variant(variant).replace('_', "-"),
            RenameRule::ScreamingKebab => {
                RenameRule::ScreamingSnake.apply_to_variant(variant).replace('_', "-")
            }
        }
    }

    /// A field name (snake_case in Rust) under this rule.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_serde() {
        let cases = [
            ("lowercase", "VeryTasty", "very_tasty", "verytasty", "very_tasty"),
            ("UPPERCASE", "VeryTasty", "very_tasty", "VERYTASTY", "VERY_TASTY"),
            ("PascalCase", "VeryTasty", "very_tasty", "VeryTasty", "VeryTasty"),
            ("camelCase", "VeryTasty", "very_tasty", "veryTasty", "veryTasty"),
            ("snake_case", "VeryTasty", "very_tasty", "very_tasty", "very_tasty"),
            ("SCREAMING_SNAKE_CASE", "VeryTasty", "very_tasty", "VERY_TASTY", "VERY_TASTY"),
            ("kebab-case", "VeryTasty", "very_tasty", "very-tasty", "very-tasty"),
            ("SCREAMING-KEBAB-CASE", "VeryTasty", "very_tasty", "VERY-TASTY", "VERY-TASTY"),
        ];
        for (rule, variant, field, want_variant, want_field) in cases {
            let rule = RenameRule::parse(rule).unwrap();
            assert_eq!(rule.apply_to_variant(variant), want_variant, "{rule:?}");
            assert_eq!(rule.apply_to_field(field), want_field, "{rule:?}");
        }
    }
}
