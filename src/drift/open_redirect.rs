//! ## added-privilege (an open redirect after the action)
//!
//! **What it finds.** An action after which the request sends the browser to a URL the request
//! chose (see the spec's `redirect_after`): a redirect call (`res.redirect(…)`,
//! `NextResponse.redirect(…)`, Next's `redirect(…)`, Flask/Django `redirect(…)`, Rails
//! `redirect_to`, Go's `http.Redirect(w, r, …)`, gin/echo `c.Redirect(…)`) whose target comes
//! from the query, the body, the `state` or a cookie, with no allow-list check of it on the way
//! (a branch that compares it, or a helper named for making it safe: `sanitizeRedirectPath(…)`,
//! `is_safe_url(…)`). A prefix test another host passes (`startsWith("/")`, which
//! `//evil.example` passes) is no such check. Text whose address is fixed before the input
//! enters it (`/login?next=${x}`, `${LOGIN_URL}/verify?state=${state}`) is no chosen target.
//!
//! **Why it matters.** The sign-in page is the one page users trust to be the application's:
//! a link that signs them in and then lands them on a look-alike site (`?returnTo=https://evil`)
//! harvests their password or their next click. A `state` comes back from the provider exactly
//! as the link that started the sign-in wrote it, so anyone can put a URL in it.
//!
//! **Example.**
//! ```ts
//! const { user } = await workos.userManagement.authenticateWithCode({ code, clientId });
//! return NextResponse.redirect(new URL(searchParams.get("returnTo") ?? "/", request.url));
//! ```

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Finding, Site};
use crate::cfg::query::path_through;
use crate::cfg::{Edge, NodeKind, Polarity, Prefix, Value, ANCHORED_TEXT, PREFIX_TESTS};
use crate::spec::FindingKind;
use crate::workflow::{Labeler, Source};

/// Functions and methods that answer with a redirect.
const REDIRECTS: &[&str] = &[
    "redirect",
    "Redirect",
    "redirect_to",
    "HttpResponseRedirect",
    "RedirectResponse",
    "temporaryRedirect",
    "permanentRedirect",
];

/// Words of a helper that makes a target safe or tells whether it is.
const SANITIZING: &[&str] = &[
    "safe",
    "sanitize",
    "sanitized",
    "validate",
    "validated",
    "valid",
    "allowed",
    "allowlist",
    "allowlisted",
    "whitelist",
    "relative",
    "internal",
    "local",
    "trusted",
    "same",
];

/// The request's own address: the application's, not a target the client chose.
const OWN_ADDRESS: &[&str] = &[
    "url", "nexturl", "href", "origin", "host", "hostname", "protocol", "pathname", "base_url",
    "baseurl", "host_url", "url_root",
];

/// Parts of the request a link can choose: the open redirect's attack is a link (a crafted
/// sign-in link, or a form another site posts). Headers other than cookies are not among them:
/// a link sets none, and the Referer of a sign-in callback is the provider's page the browser
/// comes back from. Cookies are, because applications keep the query's `returnTo` in one at
/// sign-in. The request's own URL, origin or host is the application's address, not a target.
const CHOSEN: &[&str] = &[
    "query",
    "searchparams",
    "params",
    "body",
    "form",
    "json",
    "state",
    "cookies",
    "cookie",
    "args",
    "query_params",
    "querystring",
    "input",
    "data",
];

pub fn run(site: &Site, labeler: &Labeler, out: &mut Vec<Finding>) {
    let Some(rule) = &site.spec.actions[site.action].redirect_after else {
        return;
    };
    let cfg = site.cfg();
    // Every node the action reaches, in depth-first order.
    let mut after = petgraph::visit::Dfs::new(&cfg.graph, site.node);
    while let Some(sink) = after.next(&cfg.graph) {
        let NodeKind::Call { callee, args, .. } = &cfg.node(sink).kind else {
            continue;
        };
        for target in redirect_targets(callee, args) {
            let Some(desc) = chosen_by_request(target, labeler) else {
                continue;
            };
            if sanitized(target) {
                continue;
            }
            // Tested as it is, or as what it was built from (`new URL(returnTo, request.url)`
            // after a test of `returnTo`), on every way to the redirect: whichever way the test
            // went, the code chose what follows (refused, or fell back to a page of its own).
            let parts = built_from(target);
            let mut loose: Vec<(NodeIndex, Prefix)> = Vec::new();
            let mut tests: Vec<NodeIndex> = Vec::new();
            for t in parts
                .iter()
                .flat_map(|part| super::arguments::allow_list_checks(cfg, part))
            {
                match loose_prefix_test(cfg, t, &parts) {
                    Prefix::KeepsHost => tests.push(t),
                    prefix => loose.push((t, prefix)),
                }
            }
            let cut: std::collections::HashSet<_> = tests
                .iter()
                .flat_map(|t| cfg.graph.edges(*t).map(|e| e.id()))
                .collect();
            // The witness passes the loose prefix tests the way a crafted target does.
            let mut cut_failing = cut.clone();
            cut_failing.extend(loose.iter().flat_map(|(t, _)| failing_side(cfg, *t)));
            // Entry to the action, then the action to the redirect: the witness shows the
            // redirect coming after the action, the tests avoided on both legs.
            let through_action = |cut| path_through(cfg, site.node, |n| n == sink, cut);
            let Some(path) = through_action(&cut_failing).or_else(|| through_action(&cut)) else {
                continue;
            };
            let at = cfg.node(sink);
            let loose_note = loose
                .first()
                .map(|(t, prefix)| {
                    let test = cfg.node(*t);
                    let passes = match prefix {
                        Prefix::Configured(name) => format!(
                            "compares with the configured `{name}`, which another host passes unless the value ends with `/`: `https://app.example.evil.example`, `https://app.example@evil.example`"
                        ),
                        _ => "lets `//evil.example` or a longer host through".to_string(),
                    };
                    format!(" (the prefix test at {}:{} {passes})", test.file, test.span.line)
                })
                .unwrap_or_default();
            out.push(site.following_finding(
                FindingKind::AddedPrivilege,
                "redirect_after",
                (&rule.title, rule.severity, &rule.help),
                format!(
                    "the browser is sent to a target from request input (`{desc}`) at {}:{} that no allow-list check stops{loose_note}",
                    at.file, at.span.line,
                ),
                path,
                "open-redirect",
            ));
            return;
        }
    }
}

/// Methods that set one response header by name (`res.setHeader("Location", url)`,
/// `headers.set(…)`, Hono's `c.header(…)`).
const HEADER_SETTERS: &[&str] = &["setHeader", "set", "header", "append"];

/// Where a call sends the browser: every argument of a redirect call, and a `Location` header
/// the call writes — in a response's options (`new Response(null, { status: 302, headers: {
/// Location: url } })`, `res.writeHead(302, { Location: url })`) or by name
/// (`res.setHeader("Location", url)`).
fn redirect_targets<'a>(callee: &str, args: &'a [crate::cfg::ArgValue]) -> Vec<&'a Value> {
    if is_redirect(callee) {
        return args.iter().map(|a| &a.value).collect();
    }
    let method = crate::ir::last_segment(callee);
    let named_location = |v: &Value| matches!(v.peel(), Value::Literal { value } if value.eq_ignore_ascii_case("location"));
    if HEADER_SETTERS.contains(&method) && args.first().is_some_and(|a| named_location(&a.value)) {
        return args.get(1).map(|a| vec![&a.value]).unwrap_or_default();
    }
    // Node's `writeHead(status, headers)` takes the headers themselves; anything else
    // (`new Response(body, init)`) only in its options' `headers`: a body's `location` field is
    // data, not where the browser goes.
    let in_headers = method != "writeHead";
    let mut out = Vec::new();
    for arg in args {
        location_headers(&arg.value, in_headers, &mut out);
    }
    out
}

/// The `Location` entries of a headers object, or of the `headers` of an options object.
fn location_headers<'a>(v: &'a Value, options: bool, out: &mut Vec<&'a Value>) {
    let Value::Object { props } = v.peel() else {
        return;
    };
    for (key, value) in props {
        if options {
            if key.eq_ignore_ascii_case("headers") {
                location_headers(value, false, out);
            }
        } else if key.eq_ignore_ascii_case("location") {
            out.push(value);
        }
    }
}

fn is_redirect(callee: &str) -> bool {
    let segments = super::exposed_secret::callee_segments(callee);
    let Some((last, receiver)) = segments.split_last() else {
        return false;
    };
    if !REDIRECTS.contains(last) {
        return false;
    }
    // A plain function (`redirect(url)`), a package's (`http.Redirect`), or a method of the
    // response (`res.redirect`, `NextResponse.redirect`, gin's `c.Redirect`).
    receiver.len() <= 1
        && receiver.first().is_none_or(|root| {
            super::exposed_secret::RESPONSE_OBJECTS.contains(root)
                || matches!(*root, "http" | "flask" | "shortcuts" | "web")
        })
}

/// The request input the value takes on some path, when it is a part the client writes.
fn chosen_by_request(v: &Value, labeler: &Labeler) -> Option<String> {
    // The request object itself (`http.Redirect(w, r, …)`) is no target.
    if matches!(
        v.peel(),
        Value::Param {
            role: crate::ir::ParamRole::Request,
            ..
        }
    ) {
        return None;
    }
    v.alternatives()
        .into_iter()
        // Text whose address is fixed before the input enters it (`/login?next=${x}`,
        // `${LOGIN_URL}/verify?state=${state}`) stays on that address.
        .filter(|alt| !matches!(alt, Value::Derived { via, .. } if via == ANCHORED_TEXT))
        .flat_map(|alt| {
            let parsed_input = rooted_in_input(alt);
            labeler
                .sources(alt)
                .into_iter()
                .map(move |s| (s, parsed_input))
        })
        .find_map(|(s, parsed_input)| match s {
            Source::Request(desc) => {
                let segments: Vec<String> = desc
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .map(str::to_ascii_lowercase)
                    .collect();
                let names = |list: &[&str]| segments.iter().any(|s| list.contains(&s.as_str()));
                // A part the client writes (`searchParams.get("next")`), or input the framework
                // parsed into a parameter (FastAPI's `next: str = Query("/")`) that names no part
                // of the request's own address.
                (names(CHOSEN) || (parsed_input && !names(OWN_ADDRESS))).then_some(desc)
            }
            _ => None,
        })
}

/// Whether a value is, or is read from, a parameter the framework filled from the request's
/// input (not the request object itself).
fn rooted_in_input(v: &Value) -> bool {
    match v {
        Value::Param { role, .. } => *role == crate::ir::ParamRole::Input,
        Value::Var { value, .. } => rooted_in_input(value),
        Value::Member { base, .. } => rooted_in_input(base),
        Value::Derived { from, .. } | Value::Validated { from } => rooted_in_input(from),
        Value::SchemaInput { base, .. } => rooted_in_input(base),
        _ => false,
    }
}

/// The value and what a function built it from (`new URL(returnTo, …)`), outermost first,
/// and the same for each way a choice of values may go (`destination ?? "/"`); not the object
/// a method read it from (`request.args` of `request.args.get("next")`), which other reads
/// share.
fn built_from(v: &Value) -> Vec<&Value> {
    let mut parts = vec![v];
    let mut cur = v;
    loop {
        cur = match cur {
            Value::Var { value, .. } => value,
            Value::Derived { from, via } if !via.starts_with('.') => from,
            Value::Either { options } => {
                for way in options {
                    if !matches!(way, Value::Literal { .. }) {
                        parts.extend(built_from(way));
                    }
                }
                return parts;
            }
            _ => return parts,
        };
        parts.push(cur);
    }
}

/// The loose prefix a branch tests the target with, when that is all it tests of the target:
/// `startsWith("/")` passes `//evil.example`, `startsWith("https://app.example")` passes
/// `https://app.example.evil.example`, and so does `startsWith(process.env.APP_URL)` when the
/// configured origin has no trailing `/`. [`Prefix::KeepsHost`] for a branch that is an
/// allow-list (any other test of the target, or a prefix that fixes the host or is unknown).
fn loose_prefix_test(cfg: &crate::cfg::Cfg, branch: NodeIndex, target: &[&Value]) -> Prefix {
    let NodeKind::Branch { condition, .. } = &cfg.node(branch).kind else {
        return Prefix::KeepsHost;
    };
    // The target as the redirect has it, or one of its ways (`next` before a fallback
    // replaced it), as the allow-list search matched it.
    let stripped: Vec<Value> = target
        .iter()
        .flat_map(|v| {
            let v = v.stripped();
            let mut ways: Vec<Value> = v.alternatives().into_iter().cloned().collect();
            ways.push(v);
            ways
        })
        .collect();
    let is_target = |v: &Value| stripped.contains(&v.stripped());
    // `typeof url === "string"` compares nothing of the target's; `url === FIXED` does.
    let compared = condition
        .comparisons
        .iter()
        .any(|c| is_target(&c.left_value) || is_target(&c.right_value));
    // Reading the configured prefix (`os.Getenv("APP_URL")`, `ENV.fetch`) tests nothing.
    let only_prefix_calls = condition.calls.iter().all(|c| {
        PREFIX_TESTS.contains(&crate::ir::last_segment(c)) || crate::cfg::reads_configuration(c)
    });
    let mut tests = condition
        .prefix_tests
        .iter()
        .filter(|t| is_target(&t.subject))
        .peekable();
    if compared || !only_prefix_calls || tests.peek().is_none() {
        return Prefix::KeepsHost;
    }
    let prefixes: Vec<&Prefix> = tests.map(|t| &t.prefix).collect();
    // Any test that fixes the host, or one idrift cannot judge, makes the branch an allow-list.
    if prefixes
        .iter()
        .any(|p| matches!(p, Prefix::KeepsHost | Prefix::Unknown))
    {
        return Prefix::KeepsHost;
    }
    prefixes[0].clone()
}

/// The edges of a branch on the side where its test failed.
fn failing_side(cfg: &crate::cfg::Cfg, branch: NodeIndex) -> Vec<petgraph::graph::EdgeIndex> {
    let failed = match &cfg.node(branch).kind {
        NodeKind::Branch {
            polarity: Some(Polarity::Positive),
            ..
        } => Edge::False,
        NodeKind::Branch {
            polarity: Some(Polarity::Negative),
            ..
        } => Edge::True,
        _ => return Vec::new(),
    };
    cfg.graph
        .edges(branch)
        .filter(|e| *e.weight() == failed)
        .map(|e| e.id())
        .collect()
}

/// Whether a helper named for making a target safe produced the value, on every way.
fn sanitized(v: &Value) -> bool {
    let alternatives = v.alternatives();
    !alternatives.is_empty()
        && alternatives.iter().all(|alt| {
            let mut cur = alt.peel();
            loop {
                match cur {
                    Value::Validated { .. } => return true,
                    Value::Derived { from, via } => {
                        let name = crate::ir::last_segment(via);
                        if crate::workflow::label::words(name)
                            .iter()
                            .any(|w| SANITIZING.contains(&w.as_str()))
                        {
                            return true;
                        }
                        cur = from.peel();
                    }
                    Value::Member { base, .. } => cur = base.peel(),
                    _ => return false,
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::{built_from, failing_side, is_redirect, loose_prefix_test, sanitized};
    use crate::cfg::{Cfg, Edge, NodeKind, Prefix, Value};
    use crate::lang::Language;
    use petgraph::graph::NodeIndex;

    /// The graph of `callback`, its first branch, and the parts of its redirect's target.
    fn redirect_after_test(language: Language, source: &str) -> (Cfg, NodeIndex, Vec<Value>) {
        let cfg = crate::cfg::build::graph_of(language, source, "callback");
        let mut branches: Vec<NodeIndex> = cfg
            .graph
            .node_indices()
            .filter(|n| matches!(cfg.node(*n).kind, NodeKind::Branch { .. }))
            .collect();
        branches.sort_by_key(|n| cfg.node(*n).span.start);
        let target = cfg
            .graph
            .node_indices()
            .find_map(|n| match &cfg.node(n).kind {
                NodeKind::Call { callee, args, .. } if is_redirect(callee) => {
                    Some(args[0].value.clone())
                }
                _ => None,
            })
            .expect("a redirect");
        let parts = built_from(&target).into_iter().cloned().collect();
        (cfg, branches[0], parts)
    }

    fn prefix_of(language: Language, source: &str) -> Prefix {
        let (cfg, branch, parts) = redirect_after_test(language, source);
        let parts: Vec<&Value> = parts.iter().collect();
        loose_prefix_test(&cfg, branch, &parts)
    }

    #[test]
    fn a_prefix_test_alone_is_loose_and_one_that_tells_hosts_apart_is_not() {
        let ts = |test: &str| {
            prefix_of(
                Language::TypeScript,
                &format!(
                    "function callback(req, res) {{\n  const next = req.query.next;\n  if ({test}) return res.status(400).end();\n  return res.redirect(next);\n}}\n"
                ),
            )
        };
        assert_eq!(
            ts("!next.startsWith(\"/\")"),
            Prefix::OtherHosts("/".into())
        );
        // The test that tells `//evil.example` apart, a comparison with a fixed page, or an
        // allow-list helper beside the prefix test: the branch is an allow-list.
        assert_eq!(
            ts("!next.startsWith(\"/\") || next.startsWith(\"//\")"),
            Prefix::KeepsHost
        );
        assert_eq!(ts("next !== \"/home\""), Prefix::KeepsHost);
        // A comparison of the target beside the prefix test, on either side: what it rules out
        // is not judged, so the branch is taken for an allow-list (no finding rather than a
        // guess).
        assert_eq!(
            ts("!next.startsWith(\"/\") && next !== \"/home\""),
            Prefix::KeepsHost
        );
        assert_eq!(
            ts("!next.startsWith(\"/\") && \"/home\" !== next"),
            Prefix::KeepsHost
        );
        assert_eq!(
            ts("!isAllowedRedirect(next) || !next.startsWith(\"/\")"),
            Prefix::KeepsHost
        );
        // A prefix test of another value says nothing of the target.
        assert_eq!(ts("!req.path.startsWith(\"/\")"), Prefix::KeepsHost);
        // Reading the configured origin is no test of the target: the prefix is still loose.
        let configured = prefix_of(
            Language::Python,
            "import os\nfrom flask import redirect, request, abort\n\ndef callback():\n    next_page = request.args.get(\"next\")\n    if not next_page.startswith(os.environ.get(\"APP_URL\")):\n        abort(400)\n    return redirect(next_page)\n",
        );
        assert!(
            matches!(configured, Prefix::Configured(_)),
            "{configured:?}"
        );
    }

    #[test]
    fn a_target_is_chosen_by_the_parts_of_the_request_a_link_can_write() {
        use crate::ir::ParamRole;
        let specs = crate::spec::load_builtin().unwrap();
        let labeler = crate::workflow::Labeler::new(&specs);
        let param = |name: &str, role| Value::Param {
            name: name.into(),
            role,
        };
        let member = |base: Value, property: &str| Value::Member {
            base: Box::new(base),
            property: property.into(),
        };
        let chosen = |v: &Value| super::chosen_by_request(v, &labeler);
        let req = param("req", ParamRole::Request);
        let query_next = member(member(req.clone(), "query"), "next");
        assert!(chosen(&query_next).is_some());
        assert!(chosen(&member(member(req.clone(), "cookies"), "returnTo")).is_some());
        // One way of two is enough (`req.query.next ?? "/"`).
        let fallback = Value::Literal { value: "/".into() };
        assert!(chosen(&Value::either(vec![fallback.clone(), query_next.clone()])).is_some());
        // The request object, its headers, and its own address are no target a link chose.
        assert_eq!(chosen(&req), None);
        assert_eq!(
            chosen(&member(member(req.clone(), "headers"), "referer")),
            None
        );
        assert_eq!(chosen(&member(req.clone(), "url")), None);
        assert_eq!(chosen(&fallback), None);
        // Text fixed to an address before the input enters it.
        let anchored = Value::Derived {
            from: Box::new(query_next),
            via: crate::cfg::ANCHORED_TEXT.into(),
        };
        assert_eq!(chosen(&anchored), None);
        // Input the framework parsed into a parameter (FastAPI's `next: str = Query("/")`),
        // however it was then held, read, converted or validated by schema, names no part of
        // the request: it is chosen unless it names the request's own address.
        let next = param("next", ParamRole::Input);
        let held = Value::Var {
            name: "target".into(),
            value: Box::new(next.clone()),
        };
        let read = member(param("login", ParamRole::Input), "next");
        let converted = Value::Derived {
            from: Box::new(next.clone()),
            via: "str".into(),
        };
        let schema = member(
            Value::SchemaInput {
                base: Box::new(param("payload", ParamRole::Input)),
                validated: Vec::new(),
            },
            "next",
        );
        // A field of what a variable holds (`target.next`).
        let field_of_held = member(held.clone(), "next");
        for v in [&next, &held, &read, &converted, &schema, &field_of_held] {
            assert!(chosen(v).is_some(), "{v:?}");
        }
        assert_eq!(
            chosen(&member(param("page", ParamRole::Input), "url")),
            None
        );
        assert!(!super::rooted_in_input(&member(req, "next")));
    }

    #[test]
    fn the_failing_side_of_a_test_is_the_one_its_polarity_names() {
        let sides = |test: &str| {
            let (cfg, branch, _) = redirect_after_test(
                Language::TypeScript,
                &format!(
                    "function callback(req, res) {{\n  const next = req.query.next;\n  if ({test}) {{ log(next); }}\n  return res.redirect(next);\n}}\n"
                ),
            );
            failing_side(&cfg, branch)
                .into_iter()
                .map(|e| cfg.graph[e])
                .collect::<Vec<Edge>>()
        };
        assert_eq!(sides("next.startsWith(\"/\")"), [Edge::False]);
        assert_eq!(sides("!next.startsWith(\"/\")"), [Edge::True]);
    }

    #[test]
    fn a_target_a_safety_helper_made_is_sanitized_on_every_way_only() {
        let next = Value::Param {
            name: "next".into(),
            role: crate::ir::ParamRole::Input,
        };
        let through = |via: &str, from: Value| Value::Derived {
            from: Box::new(from),
            via: via.into(),
        };
        let made_safe = Value::Var {
            name: "target".into(),
            value: Box::new(through("utils.sanitizeRedirectPath", next.clone())),
        };
        assert!(sanitized(&made_safe));
        // A field of what the helper returned (`safe.path`), or a value a validator checked.
        let field = Value::Member {
            base: Box::new(through("toSafeUrl", next.clone())),
            property: "path".into(),
        };
        assert!(sanitized(&field));
        assert!(sanitized(&Value::Validated {
            from: Box::new(next.clone())
        }));
        // Encoded, not made safe; and safe on one way but not on the other.
        assert!(!sanitized(&through("encodeURIComponent", next.clone())));
        assert!(!sanitized(&Value::either(vec![made_safe, next.clone()])));
        assert!(!sanitized(&next));
    }

    #[test]
    fn a_target_is_built_from_what_a_function_was_given_not_what_a_method_read() {
        let input = Value::Param {
            name: "next".into(),
            role: crate::ir::ParamRole::Input,
        };
        let url = Value::Var {
            name: "target".into(),
            value: Box::new(Value::Derived {
                from: Box::new(input.clone()),
                via: "URL".into(),
            }),
        };
        let parts = built_from(&url);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(parts[2], &input);
        // `request.args.get("next")`: the object a method read from is no part of the target.
        let read = Value::Derived {
            from: Box::new(input),
            via: ".get(\"next\")".into(),
        };
        assert_eq!(built_from(&read).len(), 1);
    }

    #[test]
    fn a_redirect_is_a_function_a_package_s_or_the_response_s() {
        for callee in [
            "redirect",
            "res.redirect",
            "NextResponse.redirect",
            "http.Redirect",
            "c.Redirect",
            "redirect_to",
        ] {
            assert!(is_redirect(callee), "{callee}");
        }
        // A method of something else named like one, or of a field of the response.
        for callee in ["mailer.redirect", "res.locals.redirect", "router.push"] {
            assert!(!is_redirect(callee), "{callee}");
        }
    }

    /// The target of each call a graph has, as `redirect_targets` reads it.
    fn targets_of(source: &str) -> Vec<(String, Vec<String>)> {
        let cfg = crate::cfg::build::graph_of(Language::TypeScript, source, "callback");
        let mut calls: Vec<_> = cfg
            .graph
            .node_indices()
            .filter_map(|n| match &cfg.node(n).kind {
                NodeKind::Call { callee, args, .. } => Some((
                    cfg.node(n).span.start,
                    callee.clone(),
                    super::redirect_targets(callee, args)
                        .iter()
                        .map(|v| v.describe())
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        calls.sort();
        calls.into_iter().map(|(_, c, t)| (c, t)).collect()
    }

    #[test]
    fn a_location_header_written_by_hand_is_a_redirect_target() {
        let calls = targets_of(
            r#"export function callback(req, res, next) {
                new Response(null, { status: 302, headers: { Location: req.query.a } });
                res.writeHead(302, { location: req.query.b });
                res.setHeader("Location", req.query.c);
                res.set("Content-Type", req.query.d);
                new Response(req.query.e, { headers: { "X-Location": req.query.f } });
                res.json({ location: req.query.g, headers: { other: { Location: req.query.h } } });
            }"#,
        );
        let wanted: Vec<(&str, Vec<&str>)> = vec![
            ("Response", vec!["req.query.a"]),
            ("res.writeHead", vec!["req.query.b"]),
            ("res.setHeader", vec!["req.query.c"]),
            ("res.set", vec![]),
            ("Response", vec![]),
            // A body's `location` field is data, and only the options' own `headers` count.
            ("res.json", vec![]),
        ];
        let got: Vec<(&str, Vec<&str>)> = calls
            .iter()
            .map(|(c, t)| (c.as_str(), t.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(got, wanted);
    }

    #[test]
    fn each_way_of_a_choice_is_built_from_its_own_parts() {
        let kept = Value::Var {
            name: "kept".into(),
            value: Box::new(Value::Global { path: "x".into() }),
        };
        let choice = Value::either(vec![kept.clone(), Value::Literal { value: "/".into() }]);
        let parts = built_from(&choice);
        assert!(parts.contains(&&kept), "{parts:?}");
        assert!(!parts.iter().any(|p| matches!(p, Value::Literal { .. })));
    }
}
