//! Stage 2: find the files worth parsing with one multi-pattern byte scan.
//!
//! Most files of a repository never mention an identity SDK call. Aho-Corasick over the raw
//! bytes finds the few that do; only those (and the local files they import, or that import
//! them) are parsed.

use aho_corasick::{AhoCorasick, MatchKind};

/// A compiled set of byte patterns.
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
}

impl Prefilter {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Prefilter {
        let patterns: Vec<&str> = patterns
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| !p.is_empty())
            .collect();
        let automaton = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&patterns)
                .ok()
        };
        Prefilter { automaton }
    }

    /// Whether `bytes` contains any pattern.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        match &self.automaton {
            Some(ac) => ac.is_match(bytes),
            None => false,
        }
    }
}

/// Content checks done before parsing; the reason is shown in `unscanned`.
pub fn unreadable_reason(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some("binary file (contains NUL bytes)".into());
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Some(format!(
            "not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ));
    }
    None
}
