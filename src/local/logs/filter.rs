//! CloudWatch Logs filter patterns over unstructured text, shared by FilterLogEvents and Live Tail.

/// A CloudWatch Logs filter pattern over unstructured text: terms that must all appear, `"quoted
/// phrases"`, `?term` (at least one of them must appear) and `-term` (must not appear). Matching is
/// case-sensitive substring matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let trimmed = pattern.trim();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return Err(
                "JSON and space-delimited filter patterns are not supported by lambdeck's local stack"
                    .into(),
            );
        }
        let mut out = Self::default();
        let mut chars = trimmed.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { break };
            let kind = match first {
                '?' | '-' => {
                    chars.next();
                    first
                }
                _ => ' ',
            };
            let mut term = String::new();
            if chars.next_if_eq(&'"').is_some() {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                term.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => term.push(c),
                    }
                }
                if !closed {
                    return Err(format!(
                        "Invalid filter pattern: unclosed quote in {pattern}"
                    ));
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    term.push(c);
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                '?' => out.any.push(term),
                '-' => out.none.push(term),
                _ => out.all.push(term),
            }
        }
        Ok(out)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns() {
        let p = FilterPattern::parse("ERROR ?timeout ?refused -retry").unwrap();
        assert!(p.matches("ERROR connection refused"));
        assert!(p.matches("ERROR timeout"));
        assert!(!p.matches("ERROR other"));
        assert!(!p.matches("ERROR timeout, retry"));
        assert!(!p.matches("timeout"));
        let p = FilterPattern::parse("\"RequestId: abc\" REPORT").unwrap();
        assert!(p.matches("REPORT RequestId: abc\tDuration: 1 ms"));
        assert!(!p.matches("REPORT RequestId: abd"));
        let p = FilterPattern::parse("?START ?REPORT").unwrap();
        assert!(p.matches("START RequestId: x"));
        assert!(!p.matches("END RequestId: x"));
        assert!(FilterPattern::parse("").unwrap().matches("anything"));
        assert!(FilterPattern::parse("-\"a b\"").unwrap().matches("a c b"));
        assert!(!FilterPattern::parse("-\"a b\"").unwrap().matches("xa by"));
        assert!(FilterPattern::parse("\"open").is_err());
        assert!(FilterPattern::parse("{ $.level = \"error\" }").is_err());
        // Case matters, as on CloudWatch.
        assert!(!FilterPattern::parse("error").unwrap().matches("ERROR"));
    }
}
