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

/// The scan for anchor files: any anchor that needs nothing more, or an anchor together with
/// one of the strings it needs (see [`crate::spec::Anchor`]).
pub struct AnchorScan {
    automaton: Option<AhoCorasick>,
    /// Per anchor (automaton pattern order), what else the file must contain.
    needs: Vec<Option<Prefilter>>,
}

impl AnchorScan {
    pub fn new(anchors: &[crate::spec::Anchor]) -> AnchorScan {
        let anchors: Vec<&crate::spec::Anchor> =
            anchors.iter().filter(|a| !a.text.is_empty()).collect();
        // Longest first where anchors overlap: `createOrganization` (needs a namespace) must not
        // hide `createOrganizationMembership` (needs nothing) at the same place.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(anchors.iter().map(|a| a.text.as_str()))
            .ok()
            .filter(|_| !anchors.is_empty());
        let needs = anchors
            .iter()
            .map(|a| (!a.needs_one_of.is_empty()).then(|| Prefilter::new(&a.needs_one_of)))
            .collect();
        AnchorScan { automaton, needs }
    }

    pub fn matches(&self, bytes: &[u8]) -> bool {
        let Some(ac) = &self.automaton else {
            return false;
        };
        // Each anchor's companions are looked for once per file, however often it occurs.
        let mut lacking = vec![false; self.needs.len()];
        ac.find_iter(bytes).any(|m| {
            let i = m.pattern().as_usize();
            match &self.needs[i] {
                None => true,
                Some(_) if lacking[i] => false,
                Some(companions) => {
                    lacking[i] = !companions.matches(bytes);
                    !lacking[i]
                }
            }
        })
    }
}

/// The file's text, or why it is not source text (the reason is shown in `unscanned`). Takes
/// the bytes so that valid text becomes a `String` without being checked or copied again.
pub fn source_text(bytes: Vec<u8>) -> Result<String, String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err("binary file (contains NUL bytes)".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}
