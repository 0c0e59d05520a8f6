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

/// Finds Ruby definitions of given names: `def name` / `def self.name` for methods,
/// `class Name` / `module Name` for constants, each followed by what can end the name (so
/// `def current` does not match `def current_user`, nor `class Post` `class PostsController`).
/// The same as a byte scan for every such spelling, without building an automaton of a dozen
/// spellings per name: the few heads are found, and the name after each looked up.
pub struct DefinitionScan {
    heads: Option<AhoCorasick>,
    /// Names after `def ` and `def self.`, and after `class ` and `module `.
    methods: Names,
    constants: Names,
}

/// One kind of name, with what may follow it.
struct Names {
    names: std::collections::HashSet<String>,
    longest: usize,
    ends: [&'static str; 6],
    /// The first bytes of `ends`: most bytes after a head end no name, and one lookup says so.
    end_starts: [bool; 256],
}

impl Names {
    fn new(ends: [&'static str; 6]) -> Names {
        let mut end_starts = [false; 256];
        for end in ends {
            end_starts[end.as_bytes()[0] as usize] = true;
        }
        Names {
            names: Default::default(),
            longest: 0,
            ends,
            end_starts,
        }
    }

    fn insert(&mut self, name: &str) {
        self.longest = self.longest.max(name.len());
        self.names.insert(name.to_string());
    }

    /// Whether one of the names starts at `start` of `text`, followed by one of the ends.
    fn at(&self, text: &str, start: usize) -> bool {
        let bytes = text.as_bytes();
        let last = (start + self.longest).min(bytes.len().saturating_sub(1));
        (start + 1..=last).any(|end| {
            self.end_starts[bytes[end] as usize]
                && self
                    .ends
                    .iter()
                    .any(|e| bytes[end..].starts_with(e.as_bytes()))
                && text.get(start..end).is_some_and(|n| self.names.contains(n))
        })
    }
}

/// What a definition starts with; the first two introduce methods, the others constants.
const HEADS: [&str; 4] = ["def ", "def self.", "class ", "module "];
const METHOD_ENDS: [&str; 6] = [" ", "\n", "\r", "(", ";", "="];
const CONSTANT_ENDS: [&str; 6] = [" ", "\n", "\r", "<", ";", "::"];

impl DefinitionScan {
    pub fn new(names: &std::collections::BTreeSet<String>) -> DefinitionScan {
        let mut methods = Names::new(METHOD_ENDS);
        let mut constants = Names::new(CONSTANT_ENDS);
        for name in names {
            let name = crate::ir::without_call_marks(name);
            if name.is_empty() {
                continue;
            }
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                constants.insert(name);
            } else {
                methods.insert(name);
            }
        }
        let any = !(methods.names.is_empty() && constants.names.is_empty());
        DefinitionScan {
            heads: any.then(|| AhoCorasick::new(HEADS).ok()).flatten(),
            methods,
            constants,
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        let Some(heads) = &self.heads else {
            return false;
        };
        // Overlapping: `def self.x` is also a `def ` followed by `self.x`.
        heads.find_overlapping_iter(text).any(|head| {
            let names = if head.pattern().as_usize() < 2 {
                &self.methods
            } else {
                &self.constants
            };
            names.at(text, head.end())
        })
    }
}

/// The file's text, or why it is not source text (the reason is shown in `unscanned`). Takes
/// the bytes so that valid text becomes a `String` without being checked or copied again.
/// Valid UTF-8 is text whatever control characters it holds (a NUL inside a string or a
/// comment); only bytes that are not UTF-8 make a file binary or of another encoding.
pub fn source_text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        if bytes[..bytes.len().min(8192)].contains(&0) {
            "binary file (not valid UTF-8, contains NUL bytes)".to_string()
        } else {
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            )
        }
    })
}

/// Whether Go source `text` declares, at the top level, a function, method or type with one of
/// `names` (`func Name(`, `func (s *Service) Name(`, `type Name `). A package's other files add
/// nothing to a call of `pkg.Name` or `x.Name`.
pub fn go_defines_any(text: &str, names: &std::collections::BTreeSet<String>) -> bool {
    let ident = |s: &str| -> usize {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    text.lines().any(|line| {
        let declared = if let Some(rest) = line.strip_prefix("func ") {
            let rest = rest.trim_start();
            // A method: skip the receiver.
            let rest = match rest.strip_prefix('(') {
                Some(receiver) => match receiver.find(')') {
                    Some(close) => receiver[close + 1..].trim_start(),
                    None => return false,
                },
                None => rest,
            };
            &rest[..ident(rest)]
        } else if let Some(rest) = line.strip_prefix("type ") {
            let rest = rest.trim_start();
            &rest[..ident(rest)]
        } else {
            return false;
        };
        !declared.is_empty() && names.contains(declared)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_declarations_are_found_by_name() {
        let names: std::collections::BTreeSet<String> = ["RequireAdmin", "Invite", "Service"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let has = |text: &str| go_defines_any(text, &names);
        assert!(has(
            "package auth\n\nfunc RequireAdmin(next http.Handler) http.Handler {"
        ));
        assert!(has(
            "package team\nfunc (s *Team) Invite(ctx context.Context) error {"
        ));
        assert!(has("package team\nfunc (Team) Invite() {}"));
        assert!(has("package team\ntype Service struct {"));
        assert!(has(
            "package team\nfunc Map[T any](xs []T) {}\nfunc Invite[T any]() {}"
        ));
        // Calls, comments, longer names and nested declarations are not declarations.
        assert!(!has("package team\nfunc run() { RequireAdmin(h) }"));
        assert!(!has("package team\n// func RequireAdmin(h)"));
        assert!(!has("package team\nfunc RequireAdminRole() {}"));
        assert!(!has("package team\n\tfunc Invite() {}"));
        assert!(!has("package team\nfunc (s *Team) InviteAll() {}"));
    }

    #[test]
    fn ruby_definitions_are_found_only_with_the_whole_name() {
        let names = ["current_user", "Post", "admin?", "find_by!()"]
            .map(String::from)
            .into_iter()
            .collect();
        let scan = DefinitionScan::new(&names);
        for (text, found) in [
            ("  def current_user\n    @u\n  end\n", true),
            ("def self.current_user(x) end", true),
            ("def current_user_id\nend\n", false),
            ("def current\nend\n", false),
            ("class Post < ApplicationRecord\n", true),
            ("class PostsController < Base\n", false),
            ("module Post::Helpers\n", true),
            ("class post\n", false),
            ("def Post\n", false),
            ("def admin? = true\n", true),
            ("def find_by!(id)\n", true),
            ("def current_user", false),
            ("current_user = 1\n", false),
        ] {
            assert_eq!(scan.matches(text), found, "{text:?}");
        }
        assert!(!DefinitionScan::new(&Default::default()).matches("def x\n"));
    }

    /// The spellings `DefinitionScan` stands for, looked for one by one: the reference.
    fn defines_by_spellings(names: &std::collections::BTreeSet<String>, text: &str) -> bool {
        names.iter().any(|name| {
            let name = crate::ir::without_call_marks(name);
            let (heads, ends): (&[&str], &[&str]) =
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    (&HEADS[2..], &CONSTANT_ENDS)
                } else {
                    (&HEADS[..2], &METHOD_ENDS)
                };
            !name.is_empty()
                && heads.iter().any(|head| {
                    ends.iter()
                        .any(|end| text.contains(&format!("{head}{name}{end}")))
                })
        })
    }

    #[test]
    fn ruby_definitions_are_found_as_by_every_spelling() {
        let names: std::collections::BTreeSet<String> = [
            "current_user",
            "current",
            "Post",
            "admin?",
            "name=",
            "Admin::User",
            "x()",
        ]
        .map(String::from)
        .into_iter()
        .collect();
        let scan = DefinitionScan::new(&names);
        let pieces = [
            "def ",
            "def self.",
            "class ",
            "module ",
            "undef ",
            "current",
            "_user",
            "Post",
            "s",
            "admin?",
            "name",
            "=",
            " ",
            "\n",
            "\r",
            "(",
            ";",
            "<",
            "::",
            ":",
            "Admin",
            "User",
            "x",
            "é",
        ];
        // A fixed-seed generator: the same texts on every run.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        let mut found = 0;
        for _ in 0..20_000 {
            let text: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            let expected = defines_by_spellings(&names, &text);
            assert_eq!(scan.matches(&text), expected, "{text:?}");
            found += usize::from(expected);
        }
        assert!(found > 100, "the texts exercise matches too ({found})");
    }
}
