//! Stage 6: label CFG nodes with the spec's steps — which calls are actions, which nodes are
//! checks, where argument values come from.

use std::collections::{BTreeMap, HashMap, HashSet};

use petgraph::graph::NodeIndex;

use crate::cfg::{ArgValue, Cfg, NodeKind, Value};
use crate::ir::ParamRole;
use crate::spec::{ActionFilter, Matcher, RequiredSource, SpecSet, WorkflowSpec};

/// Where a value comes from, as the spec's rules see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Literal(String),
    /// Verified session context; the description says which (`withAuth().organizationId`).
    Session(String),
    /// Request input the client controls.
    Request(String),
    /// Neither could be established (a database lookup, a parameter of an unknown caller).
    Unknown(String),
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Literal(v) => format!("the literal {v:?}"),
            Source::Session(d) => format!("the session ({d})"),
            Source::Request(d) => format!("request input ({d})"),
            Source::Unknown(d) => format!("an unknown source ({d})"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Source::Literal(_) => "literal",
            Source::Session(_) => "session",
            Source::Request(_) => "request",
            Source::Unknown(_) => "unknown",
        }
    }
}

/// The nodes of one CFG that the spec's steps refer to.
#[derive(Debug, Default, Clone)]
pub struct Labels {
    /// (node, action id), in source order.
    pub actions: Vec<(NodeIndex, String)>,
    /// check id → nodes that count as the check.
    pub checks: BTreeMap<String, Vec<NodeIndex>>,
    /// (node, index into the spec's privileged operations).
    pub privileged: Vec<(NodeIndex, usize)>,
}

/// Spec-driven classification, shared across workflows.
pub struct Labeler<'s> {
    pub specs: &'s SpecSet,
    sdk_namespaces: Vec<String>,
    session_calls: Vec<String>,
    /// Calls that verify a signed token: the session when given the request's credentials.
    token_verifiers: Vec<String>,
    session_members: Vec<String>,
    session_globals: Vec<String>,
    /// The last segment of every check's `call` spelling, folded like
    /// [`same_name_any_style`]: a call node whose callee ends otherwise is no check, which
    /// spares comparing it with every spelling.
    check_call_names: HashSet<String>,
    /// The words of every `named` matcher: a call whose name has none of them is no such guard.
    check_name_words: HashSet<String>,
    /// The word groups of every `verdict_words` matcher.
    verdict_word_groups: Vec<Vec<Vec<String>>>,
    /// The last segment of every action's and privileged operation's spelling: a call ending
    /// otherwise is neither, which spares comparing it with every spelling of every spec.
    action_call_names: HashSet<String>,
    /// Files where a branch on an action's literal anchors it (see `CallGraph::provider_files`).
    provider_files: HashSet<String>,
}

impl<'s> Labeler<'s> {
    pub fn new(specs: &'s SpecSet) -> Self {
        Labeler {
            specs,
            sdk_namespaces: specs
                .providers
                .iter()
                .flat_map(|p| p.sdk_namespaces.iter().cloned())
                .collect(),
            session_calls: specs.session_calls(),
            token_verifiers: specs.session_token_verifiers(),
            session_members: specs.session_request_members(),
            session_globals: specs
                .providers
                .iter()
                .flat_map(|p| p.session.globals.iter().cloned())
                .collect(),
            check_call_names: specs
                .workflows
                .iter()
                .flat_map(|w| w.checks.values())
                .flat_map(|c| &c.any_of)
                .flat_map(|m| m.call.iter().flatten())
                .map(|spelling| folded_name(crate::ir::last_segment(spelling)))
                .collect(),
            check_name_words: specs
                .workflows
                .iter()
                .flat_map(|w| w.checks.values())
                .flat_map(|c| &c.any_of)
                .flat_map(|m| m.named.iter().flatten())
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            verdict_word_groups: specs
                .workflows
                .iter()
                .flat_map(|w| w.checks.values())
                .flat_map(|c| &c.any_of)
                .filter_map(|m| m.verdict_words.clone())
                .collect(),
            provider_files: HashSet::new(),
            action_call_names: specs
                .workflows
                .iter()
                .flat_map(|w| {
                    let actions = w.actions.values().flat_map(|a| &a.calls);
                    actions.chain(w.privileged_operations.iter().flat_map(|o| &o.calls))
                })
                .filter_map(|spelling| last_call_segment(spelling))
                .map(str::to_string)
                .collect(),
        }
    }

    /// Lets branches on actions' literals anchor them in these files (the call graph's
    /// `provider_files`).
    pub fn with_provider_files(mut self, files: HashSet<String>) -> Self {
        self.provider_files = files;
        self
    }

    /// The call nodes that check a service's signature on the request (webhooks), by the
    /// providers' `signed_request_checks`.
    pub fn signed_request_checks(&self, cfg: &Cfg) -> Vec<NodeIndex> {
        let spellings: Vec<&String> = self
            .specs
            .providers
            .iter()
            .flat_map(|p| &p.signed_request_checks)
            .collect();
        if spellings.is_empty() {
            return Vec::new();
        }
        cfg.calls()
            .into_iter()
            .filter(|n| match &cfg.node(*n).kind {
                NodeKind::Call { callee, .. } => spellings.iter().any(|s| {
                    if s.contains('*') {
                        // `verify*Signature`: any such name of the application's.
                        name_matches(crate::ir::last_segment(callee), s)
                    } else {
                        trailing_segments_match(callee, s, same_name_any_style)
                    }
                }),
                _ => false,
            })
            .collect()
    }

    /// Whether an instance's entry is a platform operator's route: under a back-office path or
    /// folder, behind a guard named as an operator's (see the providers' `operator_routes`).
    pub fn is_operator_route(&self, inst: &crate::workflow::Instance) -> bool {
        let Some(rules) = self
            .specs
            .providers
            .iter()
            .find_map(|p| p.operator_routes.as_ref())
        else {
            return false;
        };
        let lower = |s: &String| s.to_ascii_lowercase();
        let segments: Vec<String> = rules.path_segments.iter().map(lower).collect();
        let route_path = inst.entry.kind.split(' ').nth(2).unwrap_or("");
        let file = inst.entry.file.as_str();
        let file_parts = file
            .split('/')
            .map(|s| s.split('.').next().unwrap_or(s).to_ascii_lowercase());
        let route_parts = route_path.split('/').map(str::to_ascii_lowercase);
        // Go's `internal/` folder is a visibility rule of the language, not a back office.
        let layout_only = |p: &String| file.ends_with(".go") && p == "internal";
        let under = file_parts
            .filter(|p| !layout_only(p))
            .chain(route_parts)
            .any(|p| segments.contains(&p));
        if !under {
            return false;
        }
        let guard_words: Vec<String> = rules.guard_words.iter().map(lower).collect();
        let cfg = &inst.cfg;
        cfg.calls().into_iter().any(|n| match &cfg.node(n).kind {
            NodeKind::Call {
                callee,
                guard: true,
                ..
            } => words(crate::ir::last_segment(callee))
                .iter()
                .any(|w| guard_words.contains(w)),
            _ => false,
        })
    }

    /// Whether a node can count as a check at all (see `check_call_names`).
    fn may_be_check(&self, cfg: &Cfg, n: NodeIndex) -> bool {
        match &cfg.node(n).kind {
            NodeKind::Call { callee, .. } => {
                self.check_call_names
                    .contains(&folded_name(crate::ir::last_segment(callee)))
                    || words(crate::ir::last_segment(callee))
                        .iter()
                        .any(|w| self.check_name_words.contains(w))
                    || self
                        .verdict_word_groups
                        .iter()
                        .any(|g| has_words_of_every(callee, g))
            }
            NodeKind::Branch { .. } => true,
            _ => false,
        }
    }

    /// Labels `cfg` under every spec whose actions it contains, with the spec's index. A graph
    /// without a spec's actions is no instance of that spec, so its checks are not looked for.
    pub fn label(&self, cfg: &Cfg) -> Vec<(usize, Labels)> {
        let mut out = Vec::new();
        // Which nodes can be checks at all does not depend on the spec: found once, and only
        // when some spec has an action here.
        let mut candidates: Option<Vec<NodeIndex>> = None;
        for (i, spec) in self.specs.workflows.iter().enumerate() {
            let mut labels = self.label_actions(spec, cfg);
            if labels.actions.is_empty() {
                continue;
            }
            let candidates = candidates.get_or_insert_with(|| {
                cfg.graph
                    .node_indices()
                    .filter(|n| self.may_be_check(cfg, *n))
                    .collect()
            });
            for (id, check) in &spec.checks {
                let nodes: Vec<NodeIndex> = candidates
                    .iter()
                    .copied()
                    .filter(|n| check.any_of.iter().any(|m| self.node_matches(cfg, *n, m)))
                    .collect();
                let nodes = without_calls_failing_by_tested_results(cfg, nodes);
                if !nodes.is_empty() {
                    labels
                        .checks
                        .insert(id.clone(), self.with_returned_verdicts(cfg, nodes));
                }
            }
            out.push((i, labels));
        }
        out
    }

    /// The spec's actions and privileged operations among the graph's calls.
    fn label_actions(&self, spec: &WorkflowSpec, cfg: &Cfg) -> Labels {
        let mut labels = Labels::default();
        for n in cfg.calls() {
            let NodeKind::Call {
                callee, args, own, ..
            } = &cfg.node(n).kind
            else {
                continue;
            };
            if *own {
                continue;
            }
            if !last_call_segment(callee).is_some_and(|last| self.action_call_names.contains(last))
            {
                continue;
            }
            for (id, action) in &spec.actions {
                if action.calls.iter().any(|s| spelling_matches(callee, s))
                    && action
                        .when
                        .as_ref()
                        .map(|w| self.filter_selects(w, args))
                        .unwrap_or(true)
                {
                    labels.actions.push((n, id.clone()));
                }
            }
            for (i, op) in spec.privileged_operations.iter().enumerate() {
                if op.calls.iter().any(|s| spelling_matches(callee, s)) {
                    labels.privileged.push((n, i));
                }
            }
        }
        self.label_literal_actions(spec, cfg, &mut labels);
        labels
    }

    /// Branches on an action's literals (a webhook handler's `case "dsync.user.deleted":`), in
    /// files that name the provider. One dispatch is one place: only the first such branch of
    /// each function anchors the action, so a handler of ten events is judged once.
    fn label_literal_actions(&self, spec: &WorkflowSpec, cfg: &Cfg, labels: &mut Labels) {
        for (id, action) in spec.actions.iter().filter(|(_, a)| !a.literals.is_empty()) {
            let mut first: HashMap<&str, u32> = HashMap::new();
            let mut found = Vec::new();
            for n in cfg.graph.node_indices() {
                let node = cfg.node(n);
                let NodeKind::Branch { condition, .. } = &node.kind else {
                    continue;
                };
                if !self.provider_files.contains(&node.file) {
                    continue;
                }
                if condition
                    .tested_literals()
                    .into_iter()
                    .any(|l| action.literals.iter().any(|p| literal_matches(l, p)))
                {
                    let start = first.entry(node.function.as_str()).or_insert(u32::MAX);
                    *start = (*start).min(node.span.start);
                    found.push(n);
                }
            }
            found.retain(|n| {
                let node = cfg.node(*n);
                first.get(node.function.as_str()) == Some(&node.span.start)
            });
            labels
                .actions
                .extend(found.into_iter().map(|n| (n, id.clone())));
        }
    }

    /// A helper may report a failed check by returning it (`return { ok: false, response }`)
    /// instead of throwing; its caller then branches on the result (`if (!guard.ok) return
    /// guard.response`). Such a branch on the result of a helper that contains the check is the
    /// check too, transitively through helper chains.
    fn with_returned_verdicts(&self, cfg: &Cfg, mut nodes: Vec<NodeIndex>) -> Vec<NodeIndex> {
        let entry_function = cfg.node(cfg.entry).function.clone();
        for _ in 0..4 {
            let helpers: HashSet<&str> = nodes
                .iter()
                .map(|n| cfg.node(*n).function.as_str())
                .filter(|f| *f != entry_function)
                .collect();
            if helpers.is_empty() {
                break;
            }
            let from_helper =
                |callee: &str| helpers.contains(callee.rsplit('.').next().unwrap_or(callee));
            let extra: Vec<NodeIndex> = cfg
                .graph
                .node_indices()
                .filter(|n| !nodes.contains(n))
                .filter(|n| match &cfg.node(*n).kind {
                    // On what the helper returned, kept in a variable or tested on the spot
                    // (`if (!canActorManageTarget(…)) return 403`).
                    NodeKind::Branch { condition, .. } => condition
                        .value_calls
                        .iter()
                        .chain(&condition.calls)
                        .any(|c| from_helper(c)),
                    _ => false,
                })
                .collect();
            if extra.is_empty() {
                break;
            }
            nodes.extend(extra);
        }
        nodes
    }

    fn filter_selects(&self, filter: &ActionFilter, args: &[ArgValue]) -> bool {
        let Some(value) = find_argument(args, &filter.argument, filter.position) else {
            // A presence filter (no `any_of`) does not select a call without the argument.
            return !filter.any_of.is_empty() && filter.otherwise;
        };
        if filter.any_of.is_empty() {
            // `domainData: []`, Go's `DomainData: nil`: an empty list or nothing is the
            // argument's absence.
            return !matches!(value.peel(), Value::Array { items } if items.is_empty())
                && !matches!(value.peel(), Value::Literal { value } if value == "null");
        }
        let lits = literal_leaves(value);
        let fully_literal = self
            .sources(value)
            .iter()
            .all(|s| matches!(s, Source::Literal(_)));
        if !fully_literal || lits.is_empty() {
            return filter.otherwise;
        }
        lits.iter()
            .any(|l| filter.any_of.iter().any(|a| literal_eq(l, a)))
    }

    /// Whether a node counts as a check under one matcher.
    pub fn node_matches(&self, cfg: &Cfg, n: NodeIndex, m: &Matcher) -> bool {
        match &cfg.node(n).kind {
            NodeKind::Call {
                callee,
                args,
                inlined,
                can_deny,
                guard,
                ..
            } => {
                // A helper whose body we read counts only if it can actually refuse; a guard the
                // framework runs, named and configured as one (`createAuthorizedMutation(["admin"])`),
                // may be a factory whose product refuses.
                let vouched = m.trusted || (*guard && m.named.is_some());
                if *inlined && !*can_deny && !vouched {
                    return false;
                }
                if let Some(groups) = &m.verdict_words {
                    return (*can_deny || *guard) && has_words_of_every(callee, groups);
                }
                if let Some(named) = &m.named {
                    let name_words = words(crate::ir::last_segment(callee));
                    return named.iter().any(|w| name_words.iter().any(|n| n == w))
                        && args.iter().any(|a| {
                            literal_leaves(&a.value).iter().any(|l| {
                                let l = l.to_ascii_lowercase();
                                m.given.iter().any(|g| glob(&l, &g.to_ascii_lowercase()))
                            })
                        });
                }
                let Some(spellings) = &m.call else {
                    return false;
                };
                spellings
                    .iter()
                    .any(|s| self.check_spelling_matches(callee, s))
                    && (!m.given_credentials
                        || args.iter().any(|a| self.carries_credentials(&a.value)))
                    && m.with.iter().all(|(key, want)| {
                        find_dotted_argument(args, key)
                            .map(|v| {
                                let want = want.text();
                                literal_leaves(v).contains(&want)
                            })
                            .unwrap_or(false)
                    })
            }
            NodeKind::Branch { condition, .. } => {
                if let Some(groups) = &m.verdict_words {
                    return condition
                        .calls
                        .iter()
                        .chain(&condition.value_calls)
                        .any(|c| has_words_of_every(c, groups))
                        && crate::cfg::query::a_side_refuses(cfg, n);
                }
                // A named guard, or a token verifier that counts only by what it was given (seen
                // at its call): no branch on a result stands for them.
                if m.named.is_some() || m.given_credentials {
                    return false;
                }
                if let Some(spellings) = m.verdict.as_ref().or(m.call.as_ref()) {
                    let in_condition = condition
                        .calls
                        .iter()
                        .any(|c| spellings.iter().any(|s| self.check_spelling_matches(c, s)));
                    // A branch on what a verdict call (or a guard that reports failure by its
                    // result, like Go's `if err := auth.RequireAdmin(u); err != nil`) returned.
                    let is_verdict = |callee: &String| {
                        spellings
                            .iter()
                            .any(|s| self.check_spelling_matches(callee, s))
                    };
                    // With `reads_result`, not through a name for the error alone (`err`, not
                    // `validation`); a helper's result tested in place still counts.
                    let (mut read, mut errors) = (Vec::new(), Vec::new());
                    if m.reads_result {
                        for (name, v) in &condition.values {
                            let is_error = words(name).iter().any(|w| w == "err" || w == "error");
                            v.producing_calls(if is_error { &mut errors } else { &mut read });
                        }
                    }
                    let through_value = condition
                        .value_calls
                        .iter()
                        .any(|c| is_verdict(c) && (read.contains(c) || !errors.contains(c)));
                    return (in_condition || through_value)
                        && (m.compares_computed_by.is_empty()
                            || self.compares_computed(
                                cfg,
                                condition,
                                spellings,
                                &m.compares_computed_by,
                            ));
                }
                let Some(c) = &m.condition else {
                    return false;
                };
                if c.about_caller
                    && !condition.reads.is_empty()
                    && condition.reads.iter().all(|r| {
                        let sources = self.sources(r);
                        !sources.is_empty()
                            && sources.iter().all(|s| matches!(s, Source::Request(_)))
                    })
                {
                    return false;
                }
                if !c.looks_up.is_empty()
                    && !self.branch_on_lookup(cfg, &condition.value_calls, &c.looks_up, c.against)
                {
                    return false;
                }
                if c.presents_secret
                    && !condition
                        .comparisons
                        .iter()
                        .any(|cmp| self.presents_secret(cmp))
                {
                    return false;
                }
                let mentions_ok = c.mentions.is_empty()
                    || condition
                        .names
                        .iter()
                        .any(|n| c.mentions.iter().any(|m| name_matches(n, m)));
                let values_ok = c.values.is_empty()
                    || condition
                        .literals
                        .iter()
                        .any(|l| c.values.iter().any(|v| literal_eq(l, v)));
                let named = |side: &[String]| {
                    side.iter()
                        .any(|n| c.compares.iter().any(|m| name_matches(n, m)))
                };
                let compares_ok = c.compares.is_empty()
                    || condition.comparisons.iter().any(|cmp| {
                        if cmp.left_is_literal || cmp.right_is_literal {
                            return false;
                        }
                        if c.with_caller {
                            // The caller as a person: an organization (tenant, team) compared
                            // with the session's is a scope check, not this one.
                            const GROUPS: [&str; 6] = [
                                "org",
                                "organization",
                                "tenant",
                                "team",
                                "workspace",
                                "account",
                            ];
                            let of_group =
                                |side: &[String]| side.iter().any(|n| has_any_word(n, &GROUPS));
                            if of_group(&cmp.left) || of_group(&cmp.right) {
                                return false;
                            }
                            // A guard that leaves when the two differ (`if (token.userId !==
                            // user.id) return false`) binds something to the caller: the
                            // opposite of refusing the caller as the target.
                            if c.differs
                                && cmp.unequal_side.is_some()
                                && sides_leaving_within(cfg, n)
                                    == cmp.unequal_side.into_iter().collect::<Vec<_>>()
                            {
                                return false;
                            }
                            // The caller is the session, or the caller's own record looked up with
                            // the session alone (`getUser(session.userId).email`). The other side
                            // names someone else: neither of those (an identity alias row compared
                            // with the signed-in id says nothing about a target).
                            let own_record = |v: &Value| self.looked_up_only_with_caller(cfg, n, v);
                            let caller = |v: &Value| self.is_session(v) || own_record(v);
                            let target = |v: &Value| !self.is_session(v) && !own_record(v);
                            return (named(&cmp.left)
                                && target(&cmp.left_value)
                                && caller(&cmp.right_value))
                                || (named(&cmp.right)
                                    && target(&cmp.right_value)
                                    && caller(&cmp.left_value));
                        }
                        if c.against.is_none() {
                            return named(&cmp.left) || named(&cmp.right);
                        }
                        // One side is named and comes from something the server looked up (the
                        // fetched membership), the other is session context. Comparing an
                        // organization id the client sent with the session's proves nothing
                        // about the membership the call changes.
                        let looked_up = |v: &Value| {
                            !self
                                .sources(v)
                                .iter()
                                .any(|s| matches!(s, Source::Request(_)))
                        };
                        (named(&cmp.left)
                            && looked_up(&cmp.left_value)
                            && self.trusted_as_session(cfg, n, &cmp.right_value))
                            || (named(&cmp.right)
                                && looked_up(&cmp.right_value)
                                && self.trusted_as_session(cfg, n, &cmp.left_value))
                    });
                mentions_ok
                    && values_ok
                    && compares_ok
                    && (!c.refuses || crate::cfg::query::a_side_refuses(cfg, n))
            }
            _ => false,
        }
    }

    /// Whether a comparison holds request input against a secret the deployment holds (see
    /// [`crate::spec::ConditionMatcher::presents_secret`]).
    fn presents_secret(&self, cmp: &crate::cfg::Comparison) -> bool {
        const SECRET_WORDS: [&str; 8] = [
            "key",
            "apikey",
            "secret",
            "token",
            "password",
            "passphrase",
            "passwd",
            "psk",
        ];
        let from_request = |v: &Value| {
            self.sources(v)
                .iter()
                .any(|s| matches!(s, Source::Request(_)))
        };
        let held_secret = |v: &Value, names: &[String]| {
            let held = match v.peel() {
                Value::CallResult { callee } => {
                    crate::cfg::build::reads_configuration(callee)
                        || has_any_word(crate::ir::last_segment(callee), &SECRET_WORDS)
                }
                v => crate::cfg::build::is_configured(v),
            };
            held && !from_request(v)
                && !matches!(v.peel(), Value::Literal { .. })
                && names.iter().any(|n| has_any_word(n, &SECRET_WORDS))
        };
        (from_request(&cmp.left_value) && held_secret(&cmp.right_value, &cmp.right))
            || (from_request(&cmp.right_value) && held_secret(&cmp.left_value, &cmp.left))
    }

    /// Whether a verdict branch compares a value computed by a call named with one of `words`:
    /// through what the condition's values were made from, its comparisons' sides, or what the
    /// verdict calls (`timingSafeEqual(Buffer.from(sig), Buffer.from(expected))`) were given.
    fn compares_computed(
        &self,
        cfg: &Cfg,
        condition: &crate::cfg::Condition,
        spellings: &[String],
        words_wanted: &[String],
    ) -> bool {
        let mut producers = condition.value_calls.clone();
        for c in &condition.comparisons {
            c.left_value.producing_calls(&mut producers);
            c.right_value.producing_calls(&mut producers);
        }
        for n in cfg.calls() {
            if let NodeKind::Call { callee, args, .. } = &cfg.node(n).kind {
                if spellings
                    .iter()
                    .any(|s| self.check_spelling_matches(callee, s))
                {
                    args.iter()
                        .for_each(|a| a.value.producing_calls(&mut producers));
                }
            }
        }
        // Any segment of the callee: `crypto.createHmac().update().digest`. The verdict itself
        // is no producer of what it compares, though its name may hold the word
        // (`hmac.compare_digest`, `hmac.Equal`).
        producers.iter().any(|p| {
            !spellings.iter().any(|s| self.check_spelling_matches(p, s))
                && p.split(['.', ':']).any(|segment| {
                    has_any_word(crate::ir::without_call_marks(segment), words_wanted)
                })
        })
    }

    /// Whether one of `value_calls` is a lookup in the graph that was given a value named like one
    /// of `names`, by its key (`organization_id=…`) or its own name (`findFirst({ where: {
    /// workOsId: profile.organization_id } })`); with `against`, that value must come from the
    /// session (a lookup within the caller's own organization).
    fn branch_on_lookup(
        &self,
        cfg: &Cfg,
        value_calls: &[String],
        names: &[String],
        against: Option<RequiredSource>,
    ) -> bool {
        if value_calls.is_empty() {
            return false;
        }
        let is_named = |key: Option<&str>, v: &Value| {
            let last = match v.peel() {
                // A reader method (`profile.organization_id` in Ruby is a call), a module's
                // session object (`current_user.organization_id`).
                Value::CallResult { callee: path } | Value::Global { path } => {
                    Some(crate::ir::last_segment(path).to_string())
                }
                _ => None,
            };
            key.into_iter()
                .map(str::to_string)
                .chain(value_names(v))
                .chain(last)
                .any(|n| names.iter().any(|m| name_matches(&n, m)))
        };
        let acceptable = |v: &Value| {
            against.is_none() || {
                let sources = self.sources(v);
                !sources.is_empty() && sources.iter().all(|s| matches!(s, Source::Session(_)))
            }
        };
        fn given<'v>(
            key: Option<&'v str>,
            v: &'v Value,
            depth: usize,
            out: &mut Vec<(Option<&'v str>, &'v Value)>,
        ) {
            out.push((key, v));
            if depth > 3 {
                return;
            }
            match v.peel() {
                Value::Object { props } => {
                    for (k, p) in props {
                        given(Some(k), p, depth + 1, out);
                    }
                }
                Value::Array { items } => {
                    for i in items {
                        given(None, i, depth + 1, out);
                    }
                }
                _ => {}
            }
        }
        // A lookup reads: `findFirst`, `find_by`, `getOrganization`, a `query`.
        const READS: &[&str] = &[
            "get", "find", "fetch", "lookup", "load", "select", "query", "read", "list",
            "retrieve", "by", "first", "one",
        ];
        let reads = |callee: &str| {
            words(crate::ir::last_segment(callee))
                .iter()
                .any(|w| READS.contains(&w.as_str()))
        };
        cfg.calls().into_iter().any(|n| match &cfg.node(n).kind {
            NodeKind::Call { callee, args, .. } => {
                value_calls.iter().any(|c| c == callee)
                    && reads(callee)
                    && args.iter().any(|a| {
                        let mut values = Vec::new();
                        given(a.name.as_deref(), &a.value, 0, &mut values);
                        values
                            .into_iter()
                            .any(|(key, v)| is_named(key, v) && acceptable(v))
                    })
            }
            _ => false,
        })
    }

    /// Like [`spelling_matches`], but a call through an SDK namespace (`userManagement.getUser`)
    /// never counts as an application check unless the spelling names the namespace.
    pub fn check_spelling_matches(&self, path: &str, spelling: &str) -> bool {
        // App-side helpers are named in every language's style: `requireAdmin`,
        // `require_admin` and `RequireAdmin` are one name here.
        if !trailing_segments_match(path, spelling, same_name_any_style) {
            return false;
        }
        let segs: Vec<&str> = segments(path);
        let spelled: Vec<&str> = segments(spelling);
        let is_sdk = |s: &&str| {
            self.sdk_namespaces
                .iter()
                .any(|ns| ns == crate::ir::without_call_marks(s))
        };
        // A spelling with its namespace (`user_management.revoke_session`,
        // `webhooks.verify_header`) is that call, whatever client object it is made on
        // (`workos_client.…`); only a bare name must not be taken for an SDK method of the same
        // name.
        if spelled.len() > 1 {
            return true;
        }
        let receiver = &segs[..segs.len().saturating_sub(spelled.len())];
        !receiver.iter().any(is_sdk)
    }

    /// Whether every alternative of a value is (a field of) the result of one of `calls`.
    pub fn comes_from_call(&self, v: &Value, calls: &[String]) -> bool {
        from_call(v, calls, 0) == Some(true)
    }

    /// Whether a value at node `at` is session context: from the session, request input that
    /// every path to `at` has compared equal to a session value, or any value the caller was
    /// checked to be allowed to use (`requireAdmin(session.userId, org.id)` makes `org.id` an
    /// organization the caller administers, wherever `org` came from).
    pub fn trusted_as_session(&self, cfg: &Cfg, at: NodeIndex, v: &Value) -> bool {
        if self.is_session(v) {
            return true;
        }
        let sources = self.sources(v);
        let session_or_request = !sources.is_empty()
            && sources
                .iter()
                .all(|s| matches!(s, Source::Session(_) | Source::Request(_)));
        (session_or_request && equals_session_on_every_path(cfg, at, v, self))
            || self.checked_for_caller(cfg, at, v)
    }

    /// Whether, before the call on every path, the request was refused unless the caller may use
    /// `value`: some call was given the value together with something of the caller's (a session
    /// value, or the request that carries the session) — `resolveUserOrgMembership(user.id,
    /// orgId)`, `requireOrgAdmin(req, orgId)` — and either refuses itself or a branch on what it
    /// returned refuses.
    pub fn checked_for_caller(&self, cfg: &Cfg, at: NodeIndex, value: &Value) -> bool {
        let labeler = self;
        let of_caller = |v: &Value| {
            let sources = labeler.sources(v);
            if sources.iter().any(|s| matches!(s, Source::Session(_)))
                || matches!(
                    v.stripped(),
                    Value::Param {
                        role: crate::ir::ParamRole::Request | crate::ir::ParamRole::Context,
                        ..
                    }
                )
            {
                return true;
            }
            // The caller's own record, fetched by a session function of the app
            // (`const user = await getUser(ctx)`; `user.orgIds`).
            let mut producers = Vec::new();
            v.producing_calls(&mut producers);
            producers.iter().any(|p| {
                let name = p.rsplit([':', '.']).next().unwrap_or(p);
                labeler
                    .session_calls
                    .iter()
                    .any(|s| labeler.check_spelling_matches(name, s))
            })
        };
        Self::decided_lookup(cfg, at, value, of_caller)
    }

    /// Whether, before the call on every path, the request was refused unless what the sender
    /// claims of `value` held: some call was given the value together with another value of the
    /// request (`findFirst({ where: { email, code } })`, a code the application mailed to the
    /// address) and either refuses itself or a branch on what it returned refuses.
    pub fn proven_with_request(&self, cfg: &Cfg, at: NodeIndex, value: &Value) -> bool {
        // Another value the request sent: not a record that holds the value (`{ where: { email
        // } }`), nor the value itself normalised (`email.trim().toLowerCase()`): a lookup of the
        // address alone (is it taken?) proves nothing about who sent it.
        let mut names = Vec::new();
        value.same_data_names(&mut names);
        let other_input = |v: &Value| {
            let mut its = Vec::new();
            v.same_data_names(&mut its);
            !matches!(v.peel(), Value::Object { .. } | Value::Array { .. })
                && !its.iter().any(|n| names.contains(n))
                && self
                    .sources(v)
                    .iter()
                    .any(|s| matches!(s, Source::Request(_)))
        };
        Self::decided_lookup(cfg, at, value, other_input)
    }

    /// Whether, before `at` on every path, the request was refused unless the user `callee` just
    /// authenticated may use `value`: a lookup given the value with something of that user's
    /// (`listOrganizationMemberships({ userId: auth.user.id, organizationId: org })`) decided.
    pub fn checked_with_result(
        &self,
        cfg: &Cfg,
        at: NodeIndex,
        value: &Value,
        callee: &str,
    ) -> bool {
        let of_user = |v: &Value| {
            let mut producers = Vec::new();
            v.producing_calls(&mut producers);
            producers.iter().any(|p| p == callee)
                || self
                    .sources(v)
                    .iter()
                    .any(|s| matches!(s, Source::Session(_)))
        };
        Self::decided_lookup(cfg, at, value, of_user)
    }

    /// Whether, before `at` on every path, a call given `value` together with another value
    /// that `other` accepts decided whether the request goes on: it refuses itself, or a branch
    /// on what it returned refuses.
    fn decided_lookup(
        cfg: &Cfg,
        at: NodeIndex,
        value: &Value,
        other: impl Fn(&Value) -> bool,
    ) -> bool {
        let target = value.stripped();
        let is_value = |v: &Value| {
            let s = v.stripped();
            s == target || s.alternatives().iter().any(|a| a.stripped() == target)
        };
        let mut lookups: Vec<(NodeIndex, String)> = Vec::new();
        for n in cfg.calls() {
            if n == at {
                continue;
            }
            let NodeKind::Call { callee, args, .. } = &cfg.node(n).kind else {
                continue;
            };
            // Arguments and what they hold: `query(sql, [userId, orgId])`, `get({ orgId, userId })`.
            let mut given = Vec::new();
            for a in args {
                flatten(&a.value, &mut given, 0);
            }
            let given_value = given.iter().any(|v| is_value(v));
            let given_other = given.iter().any(|v| !is_value(v) && other(v));
            if given_value && given_other && crate::cfg::query::reaches(cfg, n, at) {
                lookups.push((n, callee.clone()));
            }
        }
        if lookups.is_empty() {
            return false;
        }
        let deciders: Vec<NodeIndex> = cfg
            .graph
            .node_indices()
            .filter(|n| match &cfg.node(*n).kind {
                NodeKind::Call { can_deny, .. } => *can_deny && lookups.iter().any(|(l, _)| l == n),
                // A branch on what the lookup returned, or on the lookup itself
                // (`if (!user.orgIds.includes(orgId)) throw`).
                NodeKind::Branch { condition, .. } => condition
                    .value_calls
                    .iter()
                    .chain(&condition.calls)
                    .any(|c| {
                        lookups
                            .iter()
                            .any(|(_, callee)| c == callee || c.ends_with(&format!(".{callee}")))
                    }),
                _ => false,
            })
            .collect();
        !deciders.is_empty()
            && crate::drift::protection::analyse(
                cfg,
                at,
                &deciders,
                crate::spec::CheckPosition::Before,
            ) == crate::drift::protection::Protection::Protected
    }

    /// Whether `value` comes from a call the request made with the session's value of an
    /// argument named like one of `names` (the caller's own record: `listOrganizationMemberships({
    /// userId: session.user.id })` → `memberships.data[0].id`).
    pub fn looked_up_with_session(&self, cfg: &Cfg, value: &Value, names: &[String]) -> bool {
        let mut producers = Vec::new();
        value.producing_calls(&mut producers);
        if producers.is_empty() {
            return false;
        }
        let named = |k: &str| names.iter().any(|m| name_matches(k, m));
        let session_named = |v: &Value| {
            let mut all = Vec::new();
            flatten(v, &mut all, 0);
            all.iter().any(|x| {
                let by_key = match x.peel() {
                    Value::Object { props } => {
                        props.iter().any(|(k, v)| named(k) && self.is_session(v))
                    }
                    _ => false,
                };
                by_key || (value_names(x).iter().any(|n| named(n)) && self.is_session(x))
            })
        };
        // The call itself, or one of the chain it is called on: a query's values are bound
        // before it runs (`db.prepare(sql).bind(id, caller.orgId).first()`).
        let in_chain = |p: &str, callee: &str| {
            p == callee
                || p.strip_prefix(callee)
                    .is_some_and(|rest| rest.starts_with("()."))
        };
        cfg.calls().into_iter().any(|n| match &cfg.node(n).kind {
            NodeKind::Call { callee, args, .. } => {
                producers.iter().any(|p| in_chain(p, callee))
                    && args.iter().any(|a| session_named(&a.value))
            }
            _ => false,
        })
    }

    /// Whether `value` comes from lookups given nothing but the caller's own values (session
    /// values and literals): `pool.query(sql, [user.id]).rows[0]` is the caller's record. The
    /// lookups are the calls so named in the function of `at` that run before it.
    fn looked_up_only_with_caller(&self, cfg: &Cfg, at: NodeIndex, value: &Value) -> bool {
        let mut producers = Vec::new();
        value.producing_calls(&mut producers);
        let here = cfg.node(at);
        let mut lookups = cfg.calls().into_iter().filter_map(|n| {
            let node = cfg.node(n);
            match &node.kind {
                NodeKind::Call { callee, args, .. }
                    if producers.iter().any(|p| p == callee)
                        && node.file == here.file
                        && node.function == here.function
                        && crate::cfg::query::reaches(cfg, n, at) =>
                {
                    Some((callee, args))
                }
                _ => None,
            }
        });
        // Calls given nothing (`getPool()` of `getPool().query(…)`) neither add nor remove.
        let mut any = false;
        let only_caller = lookups.all(|(callee, args)| {
            // The client the call is made on (Go's `client.UserManagement()`, Ruby's
            // `WorkOS.client.user_management`), handed as its receiver, names no record.
            let receiver = |v: &Value| match v.peel() {
                Value::CallResult { callee: c } | Value::Derived { via: c, .. } => callee
                    .strip_prefix(c.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '('])),
                _ => false,
            };
            let mut given = Vec::new();
            for a in args {
                flatten(&a.value, &mut given, 0);
            }
            let leaves: Vec<&&Value> = given
                .iter()
                .filter(|v| !matches!(v.peel(), Value::Object { .. } | Value::Array { .. }))
                .filter(|v| !matches!(v.peel(), Value::Literal { .. }))
                .filter(|v| !v.is_go_context() && !receiver(v))
                .collect();
            if leaves.is_empty() {
                return true;
            }
            any = true;
            leaves.iter().all(|v| self.is_session(v))
        });
        any && only_caller
    }

    /// What a value is computed from, when every part of it can be seen and none is random:
    /// fixed text and request input (`encodeURIComponent(JSON.stringify({ returnTo, signalsId
    /// }))` of a client's `returnTo` and `signalsId`). `None` when some part is random (a call
    /// named for it: `randomUUID`, `randomBytes`, `token_urlsafe`, `nanoid`, `SecureRandom`),
    /// session data (a secret the attacker lacks), or anything idrift cannot see through: an
    /// unknown caller's parameter, a call it did not follow, a module value.
    pub fn predictable_parts(&self, cfg: &Cfg, at: NodeIndex, value: &Value) -> Option<String> {
        // A buffer a random generator filled (`crypto.getRandomValues(array)`, Go's
        // `rand.Read(b)`) is random from then on, whatever it was made as.
        let filled = cfg
            .calls()
            .into_iter()
            .filter_map(|n| match &cfg.node(n).kind {
                NodeKind::Call { callee, args, .. } if names_randomness(callee) => Some(args),
                _ => None,
            })
            .flat_map(|args| args.iter().map(|a| a.value.stripped()))
            .collect();
        let mut walk = PartsWalk {
            cfg,
            at,
            filled,
            parts: Vec::new(),
            opened: HashSet::new(),
        };
        if self.unpredictability(&mut walk, value, 0) != Unpredictable::No || walk.parts.is_empty()
        {
            return None;
        }
        let mut parts = walk.parts;
        parts.sort();
        parts.dedup();
        let quoted = |pick: fn(&Source) -> Option<String>| {
            parts.iter().filter_map(pick).collect::<Vec<_>>().join(", ")
        };
        let input = quoted(|s| match s {
            Source::Request(d) => Some(format!("`{d}`")),
            _ => None,
        });
        let text = quoted(|s| match s {
            Source::Literal(v) => Some(format!("{v:?}")),
            _ => None,
        });
        Some(match (input.is_empty(), text.is_empty()) {
            (false, false) => format!("request input ({input}) and fixed text ({text})"),
            (false, true) => format!("request input ({input})"),
            _ => format!("fixed text ({text})"),
        })
    }

    /// See [`Self::predictable_parts`]; the predictable parts seen are added to `parts`.
    fn unpredictability(&self, walk: &mut PartsWalk, value: &Value, depth: usize) -> Unpredictable {
        if depth > 12 {
            return Unpredictable::Unseen;
        }
        let all = |values: &mut dyn Iterator<Item = &Value>, walk: &mut PartsWalk| {
            values.fold(Unpredictable::No, |acc, v| {
                acc.and(self.unpredictability(walk, v, depth + 1))
            })
        };
        if !matches!(value.peel(), Value::Literal { .. }) && walk.filled.contains(&value.stripped())
        {
            return Unpredictable::Random;
        }
        let cfg = walk.cfg;
        match value.peel() {
            Value::Literal { value } => {
                walk.parts.push(Source::Literal(value.clone()));
                Unpredictable::No
            }
            Value::Object { props } => all(&mut props.iter().map(|(_, p)| p), walk),
            Value::Array { items } => all(&mut items.iter(), walk),
            // One way or another (`safe(url) ?? fallback`): predictable if some way is and none
            // is random; a way idrift cannot see is not counted against the others.
            Value::Either { options } => {
                // An empty way (`null` when creating the state failed) is its absence, which
                // the `required` rule judges.
                let ways: Vec<Unpredictable> = options
                    .iter()
                    .filter(|o| !is_empty_value(o))
                    .map(|o| self.unpredictability(walk, o, depth + 1))
                    .collect();
                if ways.contains(&Unpredictable::Random) {
                    Unpredictable::Random
                } else if ways.contains(&Unpredictable::No) {
                    Unpredictable::No
                } else {
                    Unpredictable::Unseen
                }
            }
            Value::Derived { via, .. } if names_randomness(via) => Unpredictable::Random,
            Value::Derived { from, .. } => all(&mut std::iter::once(from.as_ref()), walk),
            // What the server keeps in the session (`request.session["state"]`, `req.session.state`)
            // was written by the server, not computed from what the client sends: not walked
            // down to the request it hangs on.
            Value::Member { .. } if self.is_session(value) => Unpredictable::Unseen,
            Value::Member { base, .. }
                if !matches!(self.sources(value).as_slice(), [Source::Request(_)]) =>
            {
                all(&mut std::iter::once(base.as_ref()), walk)
            }
            Value::CallResult { callee } if names_randomness(callee) => Unpredictable::Random,
            // Only an encoding (`encodeURIComponent`, `JSON.stringify`, `btoa`,
            // `base64.urlsafe_b64encode`, `json.dumps`, Go's `hex.EncodeToString`) is judged by
            // what it was given: any other function, the application's own above all
            // (`createOAuthState(metadata)`), may make its randomness inside.
            Value::CallResult { callee } if !names_encoding(callee) => Unpredictable::Unseen,
            Value::CallResult { callee } => {
                // Already opened: a loop of calls shows nothing more.
                if !walk.opened.insert(callee.clone()) {
                    return Unpredictable::Unseen;
                }
                // What the call was given, at the call sites that run before `at`.
                let sites: Vec<(&Vec<ArgValue>, bool)> = cfg
                    .calls()
                    .into_iter()
                    .filter_map(|n| match &cfg.node(n).kind {
                        NodeKind::Call {
                            callee: c,
                            args,
                            inlined,
                            ..
                        } if c == callee && crate::cfg::query::reaches(cfg, n, walk.at) => {
                            Some((args, *inlined))
                        }
                        _ => None,
                    })
                    .collect();
                // An encoding the application wrote itself, or one given nothing, may hold more
                // than it was handed.
                if sites.is_empty()
                    || sites
                        .iter()
                        .any(|(args, inlined)| *inlined || args.is_empty())
                {
                    return Unpredictable::Unseen;
                }
                let mut given = sites
                    .iter()
                    .flat_map(|(args, _)| args.iter())
                    .map(|a| &a.value)
                    .filter(|v| !v.is_go_context());
                all(&mut given, walk)
            }
            _ => match self.sources(value).as_slice() {
                [one @ (Source::Request(_) | Source::Literal(_))] => {
                    walk.parts.push(one.clone());
                    Unpredictable::No
                }
                _ => Unpredictable::Unseen,
            },
        }
    }

    /// `current_user`, `current_user.org_id`, `g.user.id`: a session global or a field of one.
    fn is_session_global(&self, path: &str) -> bool {
        self.session_globals
            .iter()
            .any(|g| path == g || path.starts_with(&format!("{g}.")))
    }

    /// Whether every source of a value is the verified session.
    pub fn is_session(&self, v: &Value) -> bool {
        let sources = self.sources(v);
        !sources.is_empty() && sources.iter().all(|s| matches!(s, Source::Session(_)))
    }

    /// Every source a value may come from.
    /// How the request input a value comes from is written (`request.json().email`), if any of
    /// its sources is request input.
    /// Whether a value is the request's credentials: read from a cookie or from the
    /// `Authorization` header (`cookies().get("session").value`, `request.cookies["token"]`,
    /// `req.headers.authorization.split(" ")[1]`, Go's `r.Cookie("session")`).
    pub fn carries_credentials(&self, v: &Value) -> bool {
        const CARRIERS: [&str; 4] = ["cookie", "cookies", "authorization", "bearer"];
        self.sources(v).iter().any(|s| match s {
            Source::Request(desc) => words(desc).iter().any(|w| CARRIERS.contains(&w.as_str())),
            _ => false,
        })
    }

    pub fn request_input(&self, v: &Value) -> Option<String> {
        self.sources(v).into_iter().find_map(|s| match s {
            Source::Request(desc) => Some(desc),
            _ => None,
        })
    }

    pub fn sources(&self, v: &Value) -> Vec<Source> {
        let mut out = Vec::new();
        self.collect_sources(v, &mut out, 0);
        out.sort();
        out.dedup();
        out
    }

    fn collect_sources(&self, v: &Value, out: &mut Vec<Source>, depth: usize) {
        if depth > 32 {
            out.push(Source::Unknown("too deep".into()));
            return;
        }
        match v.peel() {
            Value::Literal { value } => out.push(Source::Literal(value.clone())),
            Value::Global { path } if self.is_session_global(path) => {
                out.push(Source::Session(path.clone()))
            }
            Value::Global { path } => {
                // Enum members (`GeneratePortalLinkIntent.SSO`) are fixed in code; a lookup with a
                // computed key (`ROLE_MAPPING[x]`) is not.
                let last = path.split('.').next_back().unwrap_or(path);
                if !path.contains("[]") && is_constant_name(last) {
                    out.push(Source::Literal(path.clone()))
                } else {
                    out.push(Source::Unknown(path.clone()))
                }
            }
            Value::Either { options } => {
                for o in options {
                    self.collect_sources(o, out, depth + 1);
                }
            }
            Value::Array { items } => {
                if items.is_empty() {
                    out.push(Source::Literal("[]".into()));
                }
                for o in items {
                    self.collect_sources(o, out, depth + 1);
                }
            }
            Value::Object { props } => {
                // `state={}`: a fixed, empty value.
                if props.is_empty() {
                    out.push(Source::Literal("{}".into()));
                }
                for (_, o) in props {
                    self.collect_sources(o, out, depth + 1);
                }
            }
            other => out.push(self.chain_source(other, depth)),
        }
    }

    /// The source of a member chain, by its root.
    fn chain_source(&self, v: &Value, depth: usize) -> Source {
        let desc = v.describe();
        // Walk to the root, remembering the first property read from it. A property read from
        // what a call on the root returned (`(await request.json()).user`) is not the root's
        // own (`request.user`, which a session middleware attaches).
        let mut props = Vec::new();
        let mut read_from_root = false;
        let mut cur = v.peel();
        loop {
            match cur {
                Value::Member { base, property } => {
                    props.push(property.as_str());
                    read_from_root = true;
                    cur = base.peel();
                }
                Value::Validated { from } => cur = from.peel(),
                Value::SchemaInput { base, .. } => cur = base.peel(),
                Value::Derived { from, via } => {
                    // `authkit(req)` reads the request but returns the verified session.
                    let name = via.trim_start_matches('.');
                    if self
                        .session_calls
                        .iter()
                        .any(|s| self.check_spelling_matches(name, s))
                    {
                        // …except the request it hands on (`authkitLoader(args, ({ auth,
                        // request }) => …)`): that is the client's.
                        if props
                            .last()
                            .is_some_and(|p| crate::frameworks::REQUEST_CARRIERS.contains(p))
                        {
                            return Source::Request(desc);
                        }
                        return Source::Session(desc);
                    }
                    // A session token the app signed itself, read from a cookie or the
                    // `Authorization` header and verified (`jwtVerify(cookie, key)`).
                    if self
                        .token_verifiers
                        .iter()
                        .any(|s| self.check_spelling_matches(name, s))
                        && self.carries_credentials(from)
                    {
                        return Source::Session(desc);
                    }
                    // What a body reader returns is the sent data; what other calls on the
                    // request return (`context.switchToHttp().getRequest()`) may be the request.
                    if REQUEST_BODY_READERS.contains(&crate::ir::last_segment(name)) {
                        read_from_root = false;
                    }
                    cur = from.peel();
                }
                _ => break,
            }
        }
        let first_prop = props.last().copied().filter(|_| read_from_root);
        match cur {
            Value::Param { role, name } => match role {
                ParamRole::Request => {
                    // Rails' `params` is the input itself, not the request object a session
                    // middleware attaches `user` to.
                    if name != "params"
                        && first_prop
                            .map(|p| self.session_members.iter().any(|m| m == p))
                            .unwrap_or(false)
                    {
                        Source::Session(desc)
                    } else {
                        Source::Request(desc)
                    }
                }
                ParamRole::Input => Source::Request(desc),
                ParamRole::Context => {
                    if first_prop.is_some_and(|p| crate::frameworks::REQUEST_CARRIERS.contains(&p))
                    {
                        Source::Request(desc)
                    } else {
                        Source::Session(desc)
                    }
                }
                _ => Source::Unknown(desc),
            },
            Value::CallResult { callee } => {
                // A method of the session's object is the session's data too: Ruby reads an
                // attribute by calling it (`current_user.organization_id`).
                // So is a method of such data (`current_user.email.lower()`).
                let of_session = |path: &str| {
                    self.session_calls
                        .iter()
                        .any(|s| self.check_spelling_matches(path, s))
                };
                let receivers = callee.match_indices('.').map(|(i, _)| &callee[..i]);
                if of_session(callee) || receivers.into_iter().any(of_session) {
                    if first_prop.is_some_and(|p| crate::frameworks::REQUEST_CARRIERS.contains(&p))
                    {
                        // The request a session helper hands its callback with the session.
                        Source::Request(desc)
                    } else {
                        Source::Session(desc)
                    }
                } else {
                    Source::Unknown(desc)
                }
            }
            Value::Literal { value } => Source::Literal(value.clone()),
            Value::Either { .. } | Value::Object { .. } | Value::Array { .. } => {
                let mut inner = Vec::new();
                self.collect_sources(cur, &mut inner, depth + 1);
                // An empty alternative (`return null` of a session loader that found none) is
                // the value's absence, not its source.
                if inner.iter().any(|s| !is_empty_source(s)) {
                    inner.retain(|s| !is_empty_source(s));
                }
                // Prefer the most dangerous alternative.
                inner
                    .iter()
                    .find(|s| matches!(s, Source::Request(_)))
                    .or_else(|| inner.iter().find(|s| matches!(s, Source::Unknown(_))))
                    .or_else(|| inner.first())
                    .cloned()
                    .map(|s| match s {
                        Source::Request(_) => Source::Request(desc.clone()),
                        Source::Session(_) => Source::Session(desc.clone()),
                        other => other,
                    })
                    .unwrap_or(Source::Unknown(desc))
            }
            _ => Source::Unknown(desc),
        }
    }
}

/// The sides of branch `n` that leave its function inside the branch's own statement: a
/// guard clause's `return` or `throw`, not the function's last `return` that the other side
/// reaches after it.
fn sides_leaving_within(cfg: &Cfg, n: NodeIndex) -> Vec<crate::cfg::Edge> {
    let branch = cfg.node(n);
    crate::cfg::query::sides_ending_alone(cfg, n, |x| {
        let node = cfg.node(x);
        matches!(node.kind, NodeKind::Throw | NodeKind::Return { .. })
            && node.file == branch.file
            && node.function == branch.function
            && branch.span.start <= node.span.start
            && node.span.end <= branch.span.end
    })
}

fn is_empty_source(s: &Source) -> bool {
    matches!(s, Source::Literal(v) if matches!(v.as_str(), "" | "null" | "nil" | "None" | "undefined"))
}

/// Calls on the request that return what the client sent (`await request.json()`): a property
/// of their result is input, never a member a session middleware attached to the request.
const REQUEST_BODY_READERS: &[&str] =
    &["json", "formData", "text", "get_json", "parseBody", "body"];

/// Whether every path to `at` passes a branch that compares the value with a session value and
/// stops the request when they differ (`if (input.orgId !== ctx.tenant.id) throw`).
pub fn equals_session_on_every_path(
    cfg: &Cfg,
    at: NodeIndex,
    value: &Value,
    labeler: &Labeler,
) -> bool {
    let target = value.stripped();
    let checks: Vec<NodeIndex> = cfg
        .graph
        .node_indices()
        .filter(|n| *n != at)
        .filter(|n| match &cfg.node(*n).kind {
            NodeKind::Branch { condition, .. } => condition.comparisons.iter().any(|c| {
                (c.left_value.stripped() == target && labeler.is_session(&c.right_value))
                    || (c.right_value.stripped() == target && labeler.is_session(&c.left_value))
            }),
            _ => false,
        })
        .collect();
    if checks.is_empty() {
        return false;
    }
    let cut = crate::cfg::query::cut_for(cfg, &checks, at);
    crate::cfg::query::path_avoiding(cfg, cfg.entry, |n| n == at, &cut).is_none()
}

/// The names a check on this value would mention: the variable holding it (`role` in
/// `const { role } = body`) and the property it was read from (`orgId` in `input.orgId`), but
/// not the object it was read from (`input` also holds other fields).
pub fn value_names(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = value;
    while let Value::Var { name, value } = cur {
        names.push(name.clone());
        cur = value;
    }
    if let Value::Member { property, .. } = cur.peel() {
        names.push(property.clone());
    }
    names
}

/// An empty literal (`""`, `null`, `nil`, `None`): it names no organization, user or role, so
/// as an argument it is the argument's absence.
pub fn is_empty_value(v: &Value) -> bool {
    matches!(v.peel(), Value::Literal { value }
        if matches!(value.as_str(), "" | "null" | "nil" | "None" | "undefined"))
}

/// Whether a value is (a field of) the result of one of `calls` on every way it can be:
/// `Some(true)`, `Some(false)`, or `None` when it is only empty (`""`, `null`: what a failed
/// creation leaves, Go's zero value), which names nothing and grants nothing — the argument's
/// absence, not another source. Through helpers that return the call's result (a wrapper's
/// `return org.ID, nil` or `return "", err`: Go's results are a tuple, the first is the value).
fn from_call(v: &Value, calls: &[String], depth: usize) -> Option<bool> {
    if depth > 32 {
        return Some(false);
    }
    let any_of = |options: &mut dyn Iterator<Item = &Value>| {
        let mut seen = None;
        for o in options {
            match from_call(o, calls, depth + 1) {
                Some(false) => return Some(false),
                Some(true) => seen = Some(true),
                None => {}
            }
        }
        seen
    };
    match v.peel() {
        _ if is_empty_value(v) => None,
        Value::Member { base, .. } => from_call(base, calls, depth + 1),
        Value::Derived { from, via } => {
            if calls.iter().any(|c| spelling_matches(via, c)) {
                Some(true)
            } else {
                from_call(from, calls, depth + 1)
            }
        }
        Value::CallResult { callee } => Some(calls.iter().any(|c| spelling_matches(callee, c))),
        Value::Either { options } => any_of(&mut options.iter()),
        Value::Array { items } => match items.first() {
            Some(first) => from_call(first, calls, depth + 1),
            None => None,
        },
        _ => Some(false),
    }
}

/// Whether a callee path ends with a spelling, segment by segment (`()` kept, so the Go SDK's
/// `UserManagement().SendInvitation` matches only calls through the accessor).
pub fn spelling_matches(path: &str, spelling: &str) -> bool {
    trailing_segments_match(path, spelling, |a, b| a == b)
}

/// The last segment [`spelling_matches`] compares: `sendInvitation` of
/// `workos.userManagement.sendInvitation()`.
fn last_call_segment(path: &str) -> Option<&str> {
    path.rsplit('.')
        .map(crate::ir::without_call_marks)
        .find(|s| !s.is_empty())
}

/// Whether the last segments of `path` are `spelling`'s, compared with `same`. Runs for every
/// call node and matcher, so it allocates nothing.
fn trailing_segments_match(path: &str, spelling: &str, same: impl Fn(&str, &str) -> bool) -> bool {
    // `()` marks an accessor call (`client.UserManagement().SendInvitation`, Rust's
    // `workos.user_management().send_invitation`); whether it is there does not matter.
    fn segments_from_end(p: &str) -> impl Iterator<Item = &str> {
        p.rsplit('.')
            .map(crate::ir::without_call_marks)
            .filter(|s| !s.is_empty())
    }
    let mut path_segments = segments_from_end(path);
    let mut any = false;
    for want in segments_from_end(spelling) {
        any = true;
        match path_segments.next() {
            Some(have) if same(have, want) => {}
            _ => return false,
        }
    }
    any
}

/// A value and the items and fields it holds, a few levels deep.
fn flatten<'v>(v: &'v Value, out: &mut Vec<&'v Value>, depth: usize) {
    out.push(v);
    if depth > 3 {
        return;
    }
    match v.peel() {
        Value::Array { items } => items.iter().for_each(|i| flatten(i, out, depth + 1)),
        Value::Object { props } => props.iter().for_each(|(_, p)| flatten(p, out, depth + 1)),
        _ => {}
    }
}

/// What [`Labeler::predictable_parts`] carries down a value: the function it is in, the
/// buffers a random generator filled there, the predictable parts seen, the encodings opened.
struct PartsWalk<'c> {
    cfg: &'c Cfg,
    at: NodeIndex,
    filled: Vec<Value>,
    parts: Vec<Source>,
    opened: HashSet<String>,
}

/// Whether a value has a part nobody can predict (see [`Labeler::predictable_parts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unpredictable {
    /// Every part is fixed text or request input.
    No,
    /// Some part is random.
    Random,
    /// Some part could not be seen (and none is random).
    Unseen,
}

impl Unpredictable {
    /// Of a value made of two parts.
    fn and(self, other: Unpredictable) -> Unpredictable {
        use Unpredictable::*;
        match (self, other) {
            (Random, _) | (_, Random) => Random,
            (Unseen, _) | (_, Unseen) => Unseen,
            (No, No) => No,
        }
    }
}

/// Whether a call's name says it makes something unpredictable (`crypto.randomUUID`,
/// `randomBytes`, `secrets.token_urlsafe`, `nanoid`, `SecureRandom.hex`, `uuid.v4`,
/// `generators.state`).
fn names_randomness(callee: &str) -> bool {
    callee.split(['.', ':', '/']).any(|segment| {
        let segment = segment.trim_end_matches("()");
        words(segment).iter().any(|w| {
            matches!(
                w.to_ascii_lowercase().as_str(),
                "random"
                    | "randomuuid"
                    | "uuid"
                    | "uuid4"
                    | "v4"
                    | "nanoid"
                    | "cuid"
                    | "cuid2"
                    | "ulid"
                    | "urandom"
                    | "securerandom"
                    | "token"
                    | "nonce"
                    | "entropy"
                    | "csprng"
                    | "getrandomvalues"
                    | "randombytes"
                    | "rand"
            )
        })
    })
}

/// Whether a call's last name says it only re-encodes what it is given.
fn names_encoding(callee: &str) -> bool {
    let name = crate::ir::last_segment(callee);
    words(name).iter().any(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "encode"
                | "stringify"
                | "dumps"
                | "serialize"
                | "marshal"
                | "escape"
                | "quote"
                | "btoa"
                | "b64encode"
                | "base64"
                | "hex"
                | "tostring"
                | "json"
                | "join"
                | "concat"
                | "format"
                | "sprintf"
                | "string"
                | "decode"
        )
    })
}

/// Whether the last name of `callee` has a word of every group (words folded to lower case).
fn has_words_of_every(callee: &str, groups: &[Vec<String>]) -> bool {
    let name = crate::ir::last_segment(callee);
    let name = name.rsplit([':']).next().unwrap_or(name);
    let have = words(name);
    groups.iter().all(|g| {
        g.iter()
            .any(|w| have.iter().any(|h| h.eq_ignore_ascii_case(w)))
    })
}

/// Whether the last segment of a name (`roles.admin`, `RolesGuard`, `org-admin`) has one of
/// these words, whatever its case.
pub fn has_any_word<S: AsRef<str>>(name: &str, list: &[S]) -> bool {
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    words(last)
        .iter()
        .any(|w| list.iter().any(|p| w.eq_ignore_ascii_case(p.as_ref())))
}

/// The words of an identifier, lower case: `requireGlobalAdmin` → require, global, admin;
/// `is_org_admin` → is, org, admin; `HTTPRequest` → http, request.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_uppercase())
                    && next.is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A name as [`same_name_any_style`] compares it: lower case, no underscores.
pub(crate) fn folded_name(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Names equal up to case and underscores: `requireAdmin`, `require_admin`, `RequireAdmin`.
fn same_name_any_style(a: &str, b: &str) -> bool {
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_')
            .flat_map(|c| c.to_lowercase())
            .collect()
    };
    if a.is_ascii() && b.is_ascii() {
        let mut x = a
            .bytes()
            .filter(|c| *c != b'_')
            .map(|c| c.to_ascii_lowercase());
        let mut y = b
            .bytes()
            .filter(|c| *c != b'_')
            .map(|c| c.to_ascii_lowercase());
        return loop {
            match (x.next(), y.next()) {
                (None, None) => break true,
                (Some(p), Some(q)) if p == q => {}
                _ => break false,
            }
        };
    }
    fold(a) == fold(b)
}

fn segments(path: &str) -> Vec<&str> {
    path.split('.').filter(|s| !s.is_empty()).collect()
}

/// Case- and underscore-insensitive name comparison; `*` in the pattern matches any run.
pub fn name_matches(name: &str, pattern: &str) -> bool {
    fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(|c| c.to_lowercase())
    }
    let name = crate::ir::without_call_marks(name);
    // Runs for every branch and condition matcher: without a `*`, compare without allocating.
    if !pattern.contains('*') {
        return folded(name).eq(folded(pattern));
    }
    glob(
        &folded(name).collect::<String>(),
        &folded(pattern).collect::<String>(),
    )
}

/// In a language without exceptions (Go) a check call that the code reads no refusal in (its
/// body unread, or it cannot refuse) fails only through what it returns. Where a branch tests
/// that result (`if _, err := verifier.VerifyPayload(…); err != nil`), the branch is the check,
/// and a branch that only logs lets the request through; the call alone proves nothing.
fn without_calls_failing_by_tested_results(cfg: &Cfg, mut nodes: Vec<NodeIndex>) -> Vec<NodeIndex> {
    let tested: HashSet<&str> = nodes
        .iter()
        .filter_map(|n| match &cfg.node(*n).kind {
            NodeKind::Branch { condition, .. } => Some(condition.value_calls.iter()),
            _ => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    if tested.is_empty() {
        return nodes;
    }
    nodes.retain(|n| {
        let node = cfg.node(*n);
        match &node.kind {
            NodeKind::Call {
                callee,
                can_deny,
                fails_by_result,
                ..
            } => !(*fails_by_result && !*can_deny && tested.contains(callee.as_str())),
            _ => true,
        }
    });
    nodes
}

/// Whether a literal the code wrote is an action's literal (see `Action::literals`): the same
/// text, or its prefix for a pattern ending in `*`.
pub fn literal_matches(written: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => written.starts_with(prefix) && written.len() > prefix.len(),
        None => written == pattern,
    }
}

fn glob(text: &str, pattern: &str) -> bool {
    match pattern.split_once('*') {
        None => text == pattern,
        Some((head, rest)) => {
            if !text.starts_with(head) {
                return false;
            }
            let text = &text[head.len()..];
            if rest.is_empty() {
                return true;
            }
            (0..=text.len()).any(|i| text.is_char_boundary(i) && glob(&text[i..], rest))
        }
    }
}

/// Whether a literal the code wrote is the spec's value: the same text, or an SDK enum member
/// that stands for it, compared by its last segment without case or separators
/// (`GenerateLinkIntent.DomainVerification`, Python's `OrganizationDomainDataState.VERIFIED`,
/// Ruby's `WorkOS::Types::Intent::SSO`, `WidgetSessionTokenScopes.WIDGETS_USERS_TABLE_MANAGE`
/// for `widgets:users-table:manage`), or a Go constant that prefixes the member with its type
/// (`workos.GenerateLinkIntentSSO`, `workos.OrganizationDomainDataStateVerified`).
pub fn literal_eq(written: &str, spec: &str) -> bool {
    if written == spec {
        return true;
    }
    let last = written.rsplit(['.', ':']).next().unwrap_or(written);
    let is_member = last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && (written.contains('.') || written.contains("::"));
    if !is_member {
        return false;
    }
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect()
    };
    let (member, value) = (norm(last), norm(spec));
    if value.is_empty() {
        return false;
    }
    member == value
        || member
            .strip_suffix(value.as_str())
            .is_some_and(|type_name| {
                ["intent", "scopes", "scope", "state"]
                    .iter()
                    .any(|t| type_name.ends_with(t))
            })
}

fn is_constant_name(s: &str) -> bool {
    // `SSO`, `DomainVerification`, `ROLE_ADMIN`: capitalised names are constants or enum members.
    s.chars()
        .next()
        .map(|c| c.is_ascii_uppercase())
        .unwrap_or(false)
}

/// Finds an argument by key at any depth of object literals and keyword arguments, or by
/// position. Returns the first match in source order.
pub fn find_argument<'v>(
    args: &'v [ArgValue],
    keys: &[String],
    position: Option<usize>,
) -> Option<&'v Value> {
    find_named_argument(args, keys, position).map(|(_, v)| v)
}

/// An argument by a dotted key (`middlewareAuth.enabled`): the first key found as
/// [`find_argument`] finds it, each next one a property of the object before.
fn find_dotted_argument<'v>(args: &'v [ArgValue], key: &str) -> Option<&'v Value> {
    let mut keys = key.split('.');
    let first = keys.next()?.to_string();
    let mut value = find_argument(args, &[first], None)?;
    for k in keys {
        value = match value.peel() {
            Value::Object { props } => props.iter().find(|(p, _)| p == k).map(|(_, v)| v)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Like [`find_argument`], also returning the key (or `argument N`) it was found under.
pub fn find_named_argument<'v>(
    args: &'v [ArgValue],
    keys: &[String],
    position: Option<usize>,
) -> Option<(String, &'v Value)> {
    for a in args {
        if let Some(name) = &a.name {
            if keys.iter().any(|k| k == name) {
                return Some((name.clone(), &a.value));
            }
        }
    }
    for a in args {
        if let Some(found) = find_key(&a.value, keys, 0) {
            return Some(found);
        }
    }
    position.and_then(|p| {
        args.iter()
            .filter(|a| a.name.is_none())
            .nth(p)
            .map(|a| (format!("argument {}", p + 1), &a.value))
            .filter(|(_, v)| !matches!(v.peel(), Value::Object { .. }))
    })
}

fn find_key<'v>(v: &'v Value, keys: &[String], depth: usize) -> Option<(String, &'v Value)> {
    if depth > 8 {
        return None;
    }
    match v.peel() {
        Value::Object { props } => {
            for (k, val) in props {
                if keys.iter().any(|key| key == k) {
                    return Some((k.clone(), val));
                }
            }
            props
                .iter()
                .find_map(|(_, val)| find_key(val, keys, depth + 1))
        }
        Value::Array { items } => items.iter().find_map(|i| find_key(i, keys, depth + 1)),
        Value::Either { options } => options.iter().find_map(|i| find_key(i, keys, depth + 1)),
        Value::Derived { from, .. } => find_key(from, keys, depth + 1),
        _ => None,
    }
}

/// Every literal value inside a value (array elements, alternatives, enum-like globals).
pub fn literal_leaves(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        match v.peel() {
            Value::Literal { value } => out.push(value.clone()),
            Value::Global { path } => out.push(path.clone()),
            Value::Array { items } => items.iter().for_each(|i| walk(i, out, depth + 1)),
            Value::Either { options } => options.iter().for_each(|i| walk(i, out, depth + 1)),
            Value::Object { props } => props.iter().for_each(|(_, i)| walk(i, out, depth + 1)),
            // A helper's return value, but not text built around other values.
            Value::Derived { from, via } if !crate::cfg::is_text(via) => walk(from, out, depth + 1),
            _ => {}
        }
    }
    walk(v, &mut out, 0);
    out
}

impl Labeler<'_> {
    /// Why node `n` does not count as `check`, in a user's words; `None` when it does. Used by
    /// `idrift explain` to show what was considered on a finding's path.
    pub fn why_not(&self, cfg: &Cfg, n: NodeIndex, check: &crate::spec::Check) -> Option<String> {
        if check.any_of.iter().any(|m| self.node_matches(cfg, n, m)) {
            return None;
        }
        let sample = |list: &[String]| {
            let mut shown: Vec<&str> = list.iter().take(6).map(String::as_str).collect();
            if list.len() > 6 {
                shown.push("…");
            }
            shown.join(", ")
        };
        match &cfg.node(n).kind {
            NodeKind::Call {
                callee,
                inlined,
                can_deny,
                ..
            } => {
                if *inlined && !*can_deny {
                    return Some(format!(
                        "`{callee}` was followed: no path through it throws, returns an error response or redirects, so it refuses nothing"
                    ));
                }
                for m in &check.any_of {
                    if let Some(spellings) = &m.verdict {
                        if spellings
                            .iter()
                            .any(|s| self.check_spelling_matches(callee, s))
                        {
                            if !m.compares_computed_by.is_empty() {
                                return Some(format!(
                                    "`{callee}` gives this check's answer only when a branch on it refuses and it compares a value computed by a call named for {}",
                                    m.compares_computed_by.join(" or ")
                                ));
                            }
                            return Some(format!(
                                "`{callee}` gives this check's answer, but no branch on its result refuses the request"
                            ));
                        }
                    }
                    if let Some(spellings) = &m.call {
                        if spellings
                            .iter()
                            .any(|s| self.check_spelling_matches(callee, s))
                            && !m.with.is_empty()
                        {
                            let with: Vec<String> = m
                                .with
                                .iter()
                                .map(|(k, v)| format!("{k}: {}", v.text()))
                                .collect();
                            return Some(format!(
                                "`{callee}` counts only called with {{ {} }}",
                                with.join(", ")
                            ));
                        }
                    }
                    if let Some(named) = &m.named {
                        let name_words = words(crate::ir::last_segment(callee));
                        if named.iter().any(|w| name_words.iter().any(|n| n == w)) {
                            return Some(format!(
                                "`{callee}` is named like this check but is given none of: {}",
                                sample(&m.given)
                            ));
                        }
                    }
                    if let Some(groups) = &m.verdict_words {
                        if has_words_of_every(callee, groups) {
                            return Some(format!(
                                "`{callee}` is named like this check, but it cannot refuse and no branch on its result refuses"
                            ));
                        }
                    }
                }
                let calls: Vec<String> = check
                    .any_of
                    .iter()
                    .flat_map(|m| m.call.iter().chain(&m.verdict).flatten().cloned())
                    .collect();
                Some(format!(
                    "`{callee}` is none of this check's calls ({}) and is not named in its words",
                    sample(&calls)
                ))
            }
            NodeKind::Branch { condition, .. } => {
                let refuses = crate::cfg::query::a_side_refuses(cfg, n);
                let request_only = !condition.reads.is_empty()
                    && condition.reads.iter().all(|r| {
                        let s = self.sources(r);
                        !s.is_empty() && s.iter().all(|s| matches!(s, Source::Request(_)))
                    });
                for m in &check.any_of {
                    let Some(spellings) = m
                        .verdict
                        .as_ref()
                        .filter(|_| !m.compares_computed_by.is_empty())
                    else {
                        continue;
                    };
                    let verdict = condition
                        .calls
                        .iter()
                        .chain(&condition.value_calls)
                        .find(|c| spellings.iter().any(|s| self.check_spelling_matches(c, s)));
                    if let Some(verdict) = verdict {
                        return Some(format!(
                            "the branch tests `{verdict}`, but nothing it compares was computed by a call named for {} (a comparison of values the request sent proves no sender)",
                            m.compares_computed_by.join(" or ")
                        ));
                    }
                }
                let mut best: Option<String> = None;
                for m in &check.any_of {
                    let Some(c) = &m.condition else {
                        continue;
                    };
                    let mentioned = c.mentions.is_empty()
                        || condition
                            .names
                            .iter()
                            .any(|n| c.mentions.iter().any(|m| name_matches(n, m)));
                    if !mentioned {
                        continue;
                    }
                    let valued = c.values.is_empty()
                        || condition
                            .literals
                            .iter()
                            .any(|l| c.values.iter().any(|v| literal_eq(l, v)));
                    best = Some(if c.about_caller && request_only {
                        "the condition reads only what the caller sent (request input), not the caller's own roles or permissions".to_string()
                    } else if !valued {
                        format!(
                            "the condition tests a name of this check but compares it with none of: {}",
                            sample(&c.values)
                        )
                    } else if c.refuses && !refuses {
                        "the condition tests a name of this check, but neither side refuses the request".to_string()
                    } else if !c.compares.is_empty() {
                        "the comparison does not set the target against the session's own value"
                            .to_string()
                    } else {
                        "the condition tests a name of this check, but not in a form that counts (see the spec's matchers)".to_string()
                    });
                    break;
                }
                Some(best.unwrap_or_else(|| {
                    let names: Vec<String> = check
                        .any_of
                        .iter()
                        .filter_map(|m| m.condition.as_ref())
                        .flat_map(|c| c.mentions.iter().cloned())
                        .collect();
                    if names.is_empty() {
                        "this check is made by calls, not by a condition".to_string()
                    } else if !refuses {
                        format!(
                            "neither side refuses the request, and it mentions none of: {}",
                            sample(&names)
                        )
                    } else {
                        format!("it mentions none of this check's names: {}", sample(&names))
                    }
                }))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_enum_members_stand_for_their_values() {
        // Node, Python, Ruby and Go spellings of the same intents, scopes and states.
        assert!(literal_eq(
            "GenerateLinkIntent.DomainVerification",
            "domain_verification"
        ));
        assert!(literal_eq("GenerateLinkIntent.SSO", "sso"));
        assert!(literal_eq(
            "WorkOS::Types::Intent::DOMAIN_VERIFICATION",
            "domain_verification"
        ));
        assert!(literal_eq(
            "WidgetSessionTokenScopes.WIDGETS_USERS_TABLE_MANAGE",
            "widgets:users-table:manage"
        ));
        assert!(literal_eq(
            "OrganizationDomainDataState.VERIFIED",
            "verified"
        ));
        assert!(literal_eq("workos.GenerateLinkIntentSSO", "sso"));
        assert!(literal_eq(
            "workos.OrganizationDomainDataStateVerified",
            "verified"
        ));
        // Not a member of that enum: another word that ends alike, or a plain string.
        assert!(!literal_eq(
            "OrganizationDomainDataState.Unverified",
            "verified"
        ));
        assert!(!literal_eq(
            "workos.OrganizationDomainDataStateUnverified",
            "verified"
        ));
        assert!(!literal_eq("SSO", "sso"));
        assert!(!literal_eq("GenerateLinkIntent.DSync", "sso"));
    }

    #[test]
    fn spellings_match_whole_trailing_segments() {
        assert!(spelling_matches(
            "workos.userManagement.sendInvitation",
            "userManagement.sendInvitation"
        ));
        assert!(spelling_matches(
            "client.UserManagement().SendInvitation",
            "UserManagement().SendInvitation"
        ));
        assert!(!spelling_matches(
            "workos.userManagement.sendInvitation",
            "Management.sendInvitation"
        ));
        assert!(!spelling_matches(
            "sendInvitation",
            "userManagement.sendInvitation"
        ));
    }

    #[test]
    fn sdk_calls_never_count_as_app_checks() {
        let specs = crate::spec::load_builtin().unwrap();
        let l = Labeler::new(&specs);
        assert!(l.check_spelling_matches("getUser", "getUser"));
        assert!(l.check_spelling_matches("auth.getUser", "getUser"));
        assert!(!l.check_spelling_matches("workos.userManagement.getUser", "getUser"));
        assert!(l.check_spelling_matches("workos.authorization.check", "authorization.check"));
    }

    #[test]
    fn identifiers_split_into_words_in_every_style() {
        assert_eq!(words("requireGlobalAdmin"), ["require", "global", "admin"]);
        assert_eq!(words("is_org_admin"), ["is", "org", "admin"]);
        assert_eq!(words("HTTPRequest"), ["http", "request"]);
        assert_eq!(words("CAN_MANAGE_MEMBERS"), ["can", "manage", "members"]);
        assert_eq!(words("x-admin-token"), ["x", "admin", "token"]);
        assert_eq!(words("SSOState2"), ["sso", "state2"]);
    }

    #[test]
    fn names_match_across_case_and_underscores() {
        assert!(name_matches("organization_id", "organizationId"));
        assert!(name_matches("IsAdmin", "isAdmin"));
        assert!(name_matches("userRole", "*role"));
        assert!(!name_matches("existingUser", "user"));
    }
}
