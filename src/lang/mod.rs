//! Language frontends. Each turns one source file into the shared IR ([`crate::ir::Module`]) and
//! knows nothing about specs, graphs or findings. Adding a language is one file here plus its
//! fixtures.

mod go;
mod python;
mod ruby;
mod rust;
mod typescript;

use serde::Serialize;

use crate::ir::{Module, Span};

/// Why a frontend could not produce a module.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the parser gave up on this file: {0}")]
    Failed(String),
    #[error("nesting deeper than {0} levels; the file is not analysed")]
    TooDeep(usize),
}

/// The languages idrift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
    Python,
    Go,
    Ruby,
    Rust,
}

impl Language {
    /// Whether a capitalised function call may build an object from its arguments
    /// (`RoleSingle("admin")`, `SendInvitationParams(role_slug=…)`). Go builds values with
    /// composite literals (`T{…}`) and exports every function in capitals, so `hmac.Equal(a, b)`
    /// is a function there.
    pub fn capitals_construct(self) -> bool {
        self != Language::Go
    }

    /// Languages whose files import each other's modules share a family: TypeScript, TSX and
    /// JavaScript; every other language is a family of its own.
    pub fn family(self) -> Language {
        match self {
            Language::Tsx | Language::JavaScript => Language::TypeScript,
            other => other,
        }
    }

    /// The language of a file, by extension; `None` for files idrift does not read.
    pub fn for_path(path: &str) -> Option<Language> {
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Language::JavaScript),
            "py" => Some(Language::Python),
            "go" if !path.ends_with("_test.go") => Some(Language::Go),
            "rb" => Some(Language::Ruby),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }

    /// Extensions tried, in order, when an import names a file without one.
    pub fn import_extensions(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["py"],
            Language::Go => &["go"],
            Language::Ruby => &["rb"],
            Language::Rust => &["rs"],
            _ => &["ts", "tsx", "js", "jsx", "mjs", "cjs"],
        }
    }

    /// The file that stands for a folder when an import names the folder.
    pub fn index_files(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["__init__.py"],
            Language::Go | Language::Ruby => &[],
            Language::Rust => &["mod.rs"],
            _ => &[
                "index.ts",
                "index.tsx",
                "index.js",
                "index.jsx",
                "index.mjs",
                "index.cjs",
            ],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
            Language::Python => "python",
            Language::Go => "go",
            Language::Ruby => "ruby",
            Language::Rust => "rust",
        }
    }
}

/// Deepest syntax nesting a frontend descends into. Real code stays far below; deeper input is
/// reported as unscanned instead of risking the stack.
pub const MAX_DEPTH: usize = 150;

/// How deep a frontend is in the syntax tree, against [`MAX_DEPTH`]. Every frontend recurses
/// through this one guard, so hostile nesting is bounded the same way in each.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    depth: usize,
    /// Set once any part of the file went deeper than the limit: the file is then reported.
    pub too_deep: bool,
}

impl Nesting {
    /// Goes one level down; false (and no level taken) when that would pass the limit.
    pub fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }
}

/// The span of a tree-sitter node.
/// The nodes under `node` (itself included) of one of `kinds`, not looking inside them, in the
/// order a stack of named children visits them.
pub(crate) fn nodes_of_kinds<'t>(
    node: tree_sitter::Node<'t>,
    kinds: &[&str],
) -> Vec<tree_sitter::Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.contains(&n.kind()) {
            out.push(n);
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    out
}

/// The named children of `node`, in order.
pub(crate) fn named_children(node: tree_sitter::Node<'_>) -> Vec<tree_sitter::Node<'_>> {
    let mut cursor = node.walk();
    let out: Vec<tree_sitter::Node> = node.named_children(&mut cursor).collect();
    out
}

/// The children of `node` of one kind (`decorator`), in order.
pub(crate) fn children_of_kind<'t>(
    node: tree_sitter::Node<'t>,
    kind: &str,
) -> Vec<tree_sitter::Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|c| c.kind() == kind)
        .collect()
}

pub(crate) fn span_of(node: tree_sitter::Node) -> crate::ir::Span {
    let p = node.start_position();
    crate::ir::Span {
        line: p.row as u32 + 1,
        col: p.column as u32 + 1,
        start: node.start_byte() as u32,
        end: node.end_byte() as u32,
    }
}

/// Where tree-sitter could not read the syntax (up to 20 places, in order).
/// Parses `source` with a tree-sitter grammar. tree-sitter always yields a tree (with error
/// nodes) unless the grammar itself is incompatible.
/// The text of a string literal without its quotes. Safe on what error recovery produces: a
/// lone quote, an unterminated literal, a multi-byte last character.
pub(crate) fn unquote(text: &str) -> String {
    let t = text.trim();
    let mut chars = t.chars();
    match (chars.next(), chars.next_back()) {
        (Some(open), Some(close)) if matches!(open, '"' | '\'' | '`') && open == close => {
            chars.as_str().to_string()
        }
        (Some('"' | '\'' | '`'), _) => t[1..].to_string(),
        _ => t.to_string(),
    }
}

pub(crate) fn syntax_tree(
    grammar: tree_sitter::Language,
    source: &str,
) -> Result<tree_sitter::Tree, ParseError> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&grammar)
        .map_err(|e| ParseError::Failed(e.to_string()))?;
    parser
        .parse(source, None)
        .ok_or_else(|| ParseError::Failed("no syntax tree".into()))
}

pub(crate) fn syntax_errors(root: tree_sitter::Node) -> Vec<crate::ir::Span> {
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            out.push(span_of(node));
            if out.len() >= 20 {
                break;
            }
            continue;
        }
        if node.has_error() {
            for child in node.children(&mut cursor) {
                stack.push(child);
            }
        }
    }
    out.sort();
    out
}

/// Whether a file says it is generated, by the conventions tools follow: Go's `// Code
/// generated … DO NOT EDIT.` (goa, protobuf, sqlc, ent) and `@generated` (Relay, GraphQL Code
/// Generator, Rust's prost), in its first lines.
fn is_generated(source: &str) -> bool {
    let head: String = source.lines().take(12).collect::<Vec<_>>().join("\n");
    (head.contains("Code generated") && head.contains("DO NOT EDIT")) || head.contains("@generated")
}

/// Parses `source` (the text of `path`, relative to the scan root) into the IR.
pub fn parse(language: Language, path: &str, source: &str) -> Result<Module, ParseError> {
    // A NUL character (valid UTF-8, in a comment or a string) is a syntax error to the
    // grammars; a space has the same length, so every span stays where it was.
    let spaced;
    let source = if source.contains('\0') {
        spaced = source.replace('\0', " ");
        spaced.as_str()
    } else {
        source
    };
    let mut module = lower(language, path, source)?;
    if let Some(patched) = around_grammar_gaps(language, source, &module.syntax_errors) {
        if let Ok(again) = lower(language, path, &patched) {
            if again.syntax_errors.len() < module.syntax_errors.len() {
                module = again;
            }
        }
    }
    module.generated = is_generated(source);
    crate::frameworks::routes::recognise(&mut module, language);
    crate::frameworks::rpc::recognise(&mut module, language);
    if language.family() == Language::TypeScript {
        crate::frameworks::app_guards::recognise(&mut module);
    }
    Ok(module)
}

/// Valid code the grammars of this version cannot read, patched at the places they stopped to
/// what they can, byte for byte the same length so that every span stays where it was:
/// - a bare `&` in JSX text (`<Text>Terms & Conditions</Text>`), which tree-sitter-typescript
///   0.23.2 and tree-sitter-javascript 0.23.1 take for the start of a character reference: a
///   space;
/// - Go 1.26's `new(expr)` (`new("*")`), which tree-sitter-go 0.25 reads only with a type:
///   `New(expr)`, a call;
/// - type arguments on a tagged template (`` sql<unknown>`…` ``, typed SQL in Drizzle, Kysely,
///   postgres.js), which tree-sitter-typescript 0.23.2 reads as two comparisons
///   (tree-sitter/tree-sitter-typescript#341): blanked, as the analysis never needs the type.
///
/// The patched text is kept only if it has fewer errors.
///
/// Returns `None` when no error is at such a place.
fn around_grammar_gaps(language: Language, source: &str, errors: &[Span]) -> Option<String> {
    let mut bytes = source.as_bytes().to_vec();
    let mut patched = false;
    for e in errors {
        let at = e.start as usize;
        if matches!(language, Language::TypeScript | Language::Tsx) {
            let (from, to) = error_lines(&bytes, at);
            patched |= blank_template_type_arguments(&mut bytes[from..to]);
        }
        match language {
            Language::Tsx | Language::JavaScript
                if bytes.get(at) == Some(&b'&')
                    && bytes.get(at + 1).is_some_and(|b| b.is_ascii_whitespace()) =>
            {
                bytes[at] = b' ';
                patched = true;
            }
            Language::Go => {
                // Every `new(` on the error's line and the line before.
                let (from, to) = error_lines(&bytes, at);
                for i in from..to.saturating_sub(3) {
                    let word_start = i == 0 || {
                        let b = bytes[i - 1];
                        !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    };
                    if word_start && &bytes[i..i + 4] == b"new(" {
                        bytes[i] = b'N';
                        patched = true;
                    }
                }
            }
            _ => {}
        }
    }
    if !patched {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// The byte range of the line holding `at` and of the line before it: an error can show at the
/// start of the statement after the one the grammar misread.
fn error_lines(bytes: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(bytes.len());
    let line_start = |end: usize| {
        bytes[..end]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let here = line_start(at);
    let from = if here > 0 { line_start(here - 1) } else { 0 };
    let to = bytes[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    (from, to)
}

/// Blanks `<…>` written straight after a name or a closing bracket and straight before a
/// backtick (`` db.sql<Row[]>`…` ``): type arguments of a tagged template. The brackets must
/// balance within the line; returns whether anything was blanked.
fn blank_template_type_arguments(line: &mut [u8]) -> bool {
    let mut blanked = false;
    let mut i = 1;
    while i < line.len() {
        let before = line[i - 1];
        let after_a_name =
            before.is_ascii_alphanumeric() || matches!(before, b'_' | b'$' | b')' | b']');
        if line[i] != b'<' || !after_a_name {
            i += 1;
            continue;
        }
        let mut depth = 0usize;
        let mut close = None;
        for (j, b) in line.iter().enumerate().skip(i) {
            match b {
                b'<' => depth += 1,
                b'>' if j > 0 && line[j - 1] == b'=' => {} // `=>` of a function type
                b'>' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                b'`' => break,
                _ => {}
            }
        }
        match close {
            Some(end) if line.get(end + 1) == Some(&b'`') => {
                line[i..=end].fill(b' ');
                blanked = true;
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    blanked
}

/// The frontend's part: syntax to IR.
fn lower(language: Language, path: &str, source: &str) -> Result<Module, ParseError> {
    match language {
        Language::TypeScript | Language::Tsx | Language::JavaScript => {
            typescript::parse(language, path, source)
        }
        Language::Python => python::parse(path, source),
        Language::Go => go::parse(path, source),
        Language::Ruby => ruby::parse(path, source),
        Language::Rust => rust::parse(path, source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_code_the_grammars_miss_is_read_where_it_can_be() {
        // `&` in JSX text, Go 1.26's `new(expr)`: no syntax error left, same spans.
        let tsx =
            "export function Page() {\n  return <p>Terms & Conditions</p>;\n}\nconst x = 1;\n";
        let m = parse(Language::Tsx, "app/page.tsx", tsx).unwrap();
        assert!(m.syntax_errors.is_empty(), "{:?}", m.syntax_errors);
        let go = "package p\n\nfunc f(s S) *string {\n\tx := new(s.ID.String())\n\treturn new(\"*\")\n}\n";
        let m = parse(Language::Go, "p/f.go", go).unwrap();
        assert!(m.syntax_errors.is_empty(), "{:?}", m.syntax_errors);
        assert_eq!(m.functions[0].span.line, 3);
        // An intersection type keeps its `&`.
        let ts = "type A = B & C;\nexport function f(a: A) { return a; }\n";
        let m = parse(Language::TypeScript, "lib/a.ts", ts).unwrap();
        assert!(m.syntax_errors.is_empty());
    }

    #[test]
    fn a_tagged_template_with_type_arguments_is_read_as_a_call() {
        // Typed SQL (`sql<T>`…``) parses, and the call behind it on the next line is still seen.
        let ts = "export async function POST() {\n  const rows = await db\n    .select({ n: sql<{ a: Array<string> }[]>`count(${x.id})` })\n    .from(t);\n  await workos.userManagement.sendInvitation({ email: rows[0].e });\n}\n";
        for language in [Language::TypeScript, Language::Tsx] {
            let m = parse(language, "app/route.ts", ts).unwrap();
            assert!(m.syntax_errors.is_empty(), "{:?}", m.syntax_errors);
            let mut callees = Vec::new();
            crate::ir::visit_stmts(&m.functions[0].body, &mut |e| {
                if let crate::ir::Expr::Call(c) = e {
                    callees.extend(c.callee.path());
                }
            });
            assert!(
                callees.iter().any(|c| c == "sql")
                    && callees.iter().any(|c| c.ends_with("sendInvitation")),
                "{callees:?}"
            );
        }
        // A comparison followed by a template is left alone in a file that parses.
        let m = parse(
            Language::TypeScript,
            "a.ts",
            "const b = a < c;\nconst s = `<b>x</b>`;\n",
        )
        .unwrap();
        assert!(m.syntax_errors.is_empty());
    }

    #[test]
    fn a_go_pointer_helper_is_the_value_it_points_to() {
        // Go SDK >= 7 wraps optional fields: `workos.Ptr(workos.GenerateLinkIntentSSO)`.
        let go = "package p\n\nfunc f() {\n\tsend(Opts{RoleSlug: workos.Ptr(\"admin\"), Intent: lo.ToPtr(workos.GenerateLinkIntentSSO), N: strconv.Itoa(1)})\n}\n";
        let m = parse(Language::Go, "p/f.go", go).unwrap();
        let mut props = Vec::new();
        crate::ir::visit_stmts(&m.functions[0].body, &mut |e| {
            if let crate::ir::Expr::Object(ps) = e {
                props.extend(ps.iter().map(|p| (p.key.clone(), p.value.clone())));
            }
        });
        let value = |k: &str| {
            props
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert!(matches!(
            value("RoleSlug"),
            Some(crate::ir::Expr::Literal(crate::ir::Literal::Str(s))) if s == "admin"
        ));
        assert_eq!(
            value("Intent").and_then(|v| v.path()).as_deref(),
            Some("workos.GenerateLinkIntentSSO")
        );
        // Any other one-argument call stays a call.
        assert!(matches!(value("N"), Some(crate::ir::Expr::Call(_))));
    }

    #[test]
    fn a_ruby_method_returns_its_last_expression() {
        // `def sig_ok?(…) … secure_compare(a, b) end` hands its caller the verdict; a last
        // statement that ends the request (`raise`) stays what it is.
        let rb = "class C
  def ok?(a, b)
    x = a.strip
    ActiveSupport::SecurityUtils.secure_compare(x, b)
  end

  def stop
    raise \"no\"
  end
end
";
        let m = parse(Language::Ruby, "app/c.rb", rb).unwrap();
        let last = |name: &str| {
            let f = m.functions.iter().find(|f| f.name == name).unwrap();
            f.body.last().cloned()
        };
        assert!(
            matches!(
                last("ok?"),
                Some(crate::ir::Stmt::Return { value: Some(crate::ir::Expr::Call(c)), .. })
                    if c.callee.path().is_some_and(|p| p.ends_with("secure_compare"))
            ),
            "{:?}",
            last("ok?")
        );
        assert!(matches!(last("stop"), Some(crate::ir::Stmt::Throw { .. })));
    }

    #[test]
    fn unquote_takes_what_error_recovery_leaves_without_panicking() {
        assert_eq!(unquote("\"admin\""), "admin");
        assert_eq!(unquote("'member'"), "member");
        assert_eq!(unquote("`sso`"), "sso");
        assert_eq!(unquote("\""), "");
        assert_eq!(unquote("'é"), "é");
        assert_eq!(unquote("\"ab'"), "ab'");
        assert_eq!(unquote("ident"), "ident");
    }
}
