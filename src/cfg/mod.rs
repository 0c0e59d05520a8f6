//! Stage 5: the control-flow graph of one workflow instance, in petgraph.
//!
//! One graph per entry point. Local helpers are inlined (so their checks and returns are part
//! of the graph), framework middleware runs before the handler, and every call argument and
//! branch condition carries symbolic [`Value`]s for the label and compare stages.

pub mod build;
pub mod query;
pub mod render;
mod value;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

pub(crate) use build::reads_configuration;
pub use build::{build, BuildLimits, Framing};
pub use value::{
    is_conversion, is_text, Value, ANCHORED_TEXT, CONCAT, DIGEST, EQUALITY, TEMPLATE,
    TEXT_AS_BYTES, XOR,
};

use crate::ir::Span;

/// The [`NodeKind::Join`] where a `catch` block starts.
pub const CATCH: &str = "catch";
/// The [`NodeKind::Join`] where the refusal of an async call made without `await` is dropped.
pub const NOT_AWAITED: &str = "not awaited";
/// The [`NodeKind::Join`] where a promise's `.catch(…)` swallows its rejection.
pub const SWALLOWED: &str = "swallowed by .catch()";

/// Why control moves along an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edge {
    Normal,
    /// The condition of a branch held.
    True,
    /// The condition of a branch did not hold.
    False,
    /// The call threw and a `catch` took over.
    Exception,
    /// A callback passed to a call may not run at all.
    Skip,
}

/// Whether a branch's `true` side means "the check passed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    /// `if (isAdmin)`, `if (role === "admin")`: true means allowed.
    Positive,
    /// `if (!isAdmin)`, `if (role !== "admin")`: true means denied.
    Negative,
}

/// An argument as evaluated at the call site.
#[derive(Debug, Clone, Serialize)]
pub struct ArgValue {
    /// Keyword name, if passed by keyword.
    pub name: Option<String>,
    pub value: Value,
}

/// An equality comparison inside a condition: the names each side mentions.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub left: Vec<String>,
    pub right: Vec<String>,
    pub left_is_literal: bool,
    pub right_is_literal: bool,
    /// The sides' values, as far as the builder knows them.
    pub left_value: Value,
    pub right_value: Value,
    /// The branch side on which the two sides are known to be equal, and the one on which they
    /// are known to differ (`if (a !== b) return` differs on its true side); `None` where the
    /// condition does not tell (one alternative of an `or`).
    #[serde(skip)]
    pub equal_side: Option<Edge>,
    #[serde(skip)]
    pub unequal_side: Option<Edge>,
}

impl Condition {
    /// The string literals the condition tests a value against: written in it, a switch's case
    /// values, and constants compared with (`event.event === USER_DELETED`).
    pub fn tested_literals(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.written_strings.iter().map(String::as_str).collect();
        for c in &self.comparisons {
            for value in [&c.left_value, &c.right_value] {
                if let Value::Literal { value } = value.peel() {
                    out.push(value);
                }
            }
        }
        out
    }
}

/// What a branch condition says, in terms the matchers use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Condition {
    /// Identifiers and property names the condition mentions.
    pub names: Vec<String>,
    /// Literal values it mentions (strings, numbers, enum member paths).
    pub literals: Vec<String>,
    /// Callee paths of calls inside the condition.
    pub calls: Vec<String>,
    /// Equality comparisons.
    pub comparisons: Vec<Comparison>,
    /// The values of the local names it mentions, for relating the check to a call result or an
    /// argument.
    pub values: Vec<(String, Value)>,
    /// The callees whose results `values` come from (`getUser` of `const ok = (await
    /// getUser()).admin`), found once here rather than by every matcher.
    #[serde(skip)]
    pub value_calls: Vec<String>,
    /// The values of the name and member chains it reads (`input.role`, `ROLES`), to tell
    /// whether it tests a given value rather than another with the same field name.
    pub reads: Vec<Value>,
    /// When the condition is an `or` on one side (`isAdmin || body.internal`, or `!(…)` of an
    /// `and`), what each alternative reads, for that side: `[true side, false side]`. Empty for
    /// a side that is one test. A check that passes on an alternative the client controls can
    /// be passed without the check.
    #[serde(skip)]
    pub alternatives: [Vec<Vec<Value>>; 2],
    /// The string literals it is written with, and for a switch, its case values (which its
    /// one branch node stands for): what a webhook handler dispatches on (`case
    /// "dsync.user.deleted":`). Unlike `literals`, no member path.
    #[serde(skip)]
    pub written_strings: Vec<String>,
    /// The keys it looks up in a table of the code's own (`ASSIGNABLE[role]`, `ROLES[body.role]`
    /// in a condition): a test of the key against the table's fixed keys.
    #[serde(skip)]
    pub lookups: Vec<Value>,
    /// The condition as tests of values that stay put, so that a later branch repeating one of
    /// them is known to go the same way (`if (token) check(); …; if (token && ok) accept()`).
    #[serde(skip)]
    pub formula: Formula,
    /// Its prefix tests (`url.startsWith(p)`, `strings.HasPrefix(u, p)`): what was tested and
    /// what the prefix says about the host, to tell an allow-list from a test another host
    /// passes.
    #[serde(skip)]
    pub prefix_tests: Vec<PrefixTest>,
}

/// The names of prefix tests: `url.startsWith(p)`, Python's `startswith`, Go's
/// `strings.HasPrefix(u, p)`, Ruby's `start_with?`.
pub const PREFIX_TESTS: &[&str] = &["startsWith", "startswith", "HasPrefix", "start_with?"];

/// One prefix test of a condition: `subject.startsWith(prefix)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefixTest {
    pub subject: Value,
    pub prefix: Prefix,
}

/// What a prefix test's prefix says about the host of a URL that passes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefix {
    /// Every text starting with it stays on one host (`"/app/"`, `"https://app.example/"`,
    /// `` `${APP_URL}/` ``), or the test is the one that tells another host apart (`"//"`).
    KeepsHost,
    /// Written text another host also starts with: `"/"` (`//evil.example`), a bare origin
    /// (`https://app.example.evil.example`, `https://app.example@evil.example`).
    OtherHosts(String),
    /// A configured value whose text cannot be seen (`process.env.APP_URL`): another host
    /// starts with it too unless it ends with `/`, which configured origins seldom do.
    Configured(String),
    /// Anything else (a parameter, a computed value): nothing is known.
    Unknown,
}

/// A condition in terms of tests that another branch of the same function may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Formula {
    /// A test of values that cannot change between two branches of one function unless
    /// reassigned (parameters and their fields, literals, module constants), keyed by what it
    /// tests: truthiness of a value, or equality of two. Reassigning a name changes its value
    /// and so its key.
    Test(String),
    Not(Box<Formula>),
    All(Vec<Formula>),
    Any(Vec<Formula>),
    /// Anything else: calls, computed values, comparisons other than equality.
    #[default]
    Opaque,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NodeKind {
    Entry,
    /// Normal end of the request (return, redirect, end of handler).
    Exit,
    /// The request was refused (throw, 4xx/5xx response, a middleware that did not continue).
    Denied,
    Call {
        /// Callee path as resolved through local aliases (`workos.userManagement.sendInvitation`).
        callee: String,
        args: Vec<ArgValue>,
        /// The callee's body is inlined after this node.
        inlined: bool,
        /// Whether the inlined body can refuse the request (throw, deny, not call `next`).
        can_deny: bool,
        /// Framework middleware or a wrapper, run before the handler.
        guard: bool,
        /// Written in a language whose calls report failure by what they return, never by
        /// throwing (Go): a check call there refuses only through a branch on its result.
        #[serde(skip)]
        fails_by_result: bool,
        /// The callee is a function of the application's own, named through its module or type
        /// (`user_management.update_user` with `from app.business import user_management`):
        /// never the provider's call, whatever its name.
        #[serde(skip)]
        own: bool,
    },
    Branch {
        condition: Box<Condition>,
        polarity: Option<Polarity>,
    },
    /// A merge point that has no code of its own (loop head, catch entry, join after a switch);
    /// `what` says which ([`CATCH`], [`NOT_AWAITED`], [`SWALLOWED`], …).
    Join {
        what: String,
    },
    Return {
        denial: bool,
        /// What the request's own handler returns to the client (a root frame's return), for
        /// telling which values reach the response.
        #[serde(skip)]
        value: Option<Value>,
    },
    Throw,
    /// A value kept in the session or a cookie by assignment (`req.session.orgId = x`,
    /// `session["org_id"] = x`, Rails' `session[:org_id] = x`): what later requests will take
    /// as the caller's. Calls that keep one (`cookies().set(…)`) stay calls.
    Store {
        /// The place written, as a path (`req.session.organizationId`).
        target: String,
        #[serde(skip)]
        value: Value,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct CfgNode {
    pub kind: NodeKind,
    /// File, relative to the scan root.
    pub file: String,
    pub span: Span,
    /// One line of source (or a description) for paths and graphs.
    pub label: String,
    /// The function the node's code is written in.
    pub function: String,
}

/// The graph of one entry point with its guards and inlined helpers.
#[derive(Debug, Clone)]
pub struct Cfg {
    pub graph: DiGraph<CfgNode, Edge>,
    pub entry: NodeIndex,
    pub exit: NodeIndex,
    pub denied: NodeIndex,
    /// Things the builder could not follow (too-deep inlining, recursion); shown in snapshots.
    pub notes: Vec<String>,
    /// Branches on the request's path that the entry's own path decides: only the way it
    /// always takes was built (see `build::url_path`).
    pub decided: Vec<NodeIndex>,
    /// The tests several branches repeat, found at the first path question (see
    /// [`query::path_avoiding`]).
    pub(crate) repeated_tests: std::sync::OnceLock<query::RepeatedTests>,
}

impl Cfg {
    pub fn node(&self, n: NodeIndex) -> &CfgNode {
        &self.graph[n]
    }

    /// Call nodes in a stable order (source position, then graph order).
    pub fn calls(&self) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|n| matches!(self.graph[*n].kind, NodeKind::Call { .. }))
            .collect();
        out.sort_by_key(|n| (self.graph[*n].file.clone(), self.graph[*n].span, n.index()));
        out
    }
}
