//! Calls to the provider's REST API written by hand, read as the SDK calls they stand for.
//!
//! `fetch("https://api.workos.com/user_management/invitations", { method: "POST", body:
//! JSON.stringify({ email, organization_id, role_slug }) })` sends an invitation as surely as
//! `workos.userManagement.sendInvitation(…)` does, so it is rewritten into that call (its path
//! parameters first, then its body, as the Node SDK takes them) and every rule of the action
//! judges it. The operation is found by method and path in the contract table
//! (`contract.yaml`). A URL counts only when it names the provider: its API host written in it
//! (or in a constant it is built from), or a base whose name holds the provider's marker
//! (`${WORKOS_API_URL}/…`). An application's own `/organizations/:id` route is not the
//! provider's.
//!
//! Read for TypeScript/JavaScript (`fetch`, `$fetch`, `ofetch`, `ky`, `got`, `axios` and
//! clients with `.get`/`.post`/… methods), Python (`requests`, `httpx` and their sessions) and
//! Go (`http.NewRequest[WithContext]`, read where the request is built rather than where
//! `client.Do` sends it). Ruby's `Net::HTTP` is not read yet.

use std::collections::BTreeMap;

use crate::ir::{Arg, Call, Expr, Literal, Module, Stmt};

/// The provider's REST operations that some workflow anchors, by method and path.
#[derive(Debug, Clone, Default)]
pub struct RestApi {
    routes: Vec<Route>,
    /// Hosts of the API (`api.workos.com`).
    hosts: Vec<String>,
    /// Lower-case words that name the provider in a base URL's name (`workos`).
    markers: Vec<String>,
}

#[derive(Debug, Clone)]
struct Route {
    method: String,
    /// The path's segments; `None` for a parameter (`{id}`).
    segments: Vec<Option<String>>,
    /// The SDK call the operation is read as (`userManagement.sendInvitation`).
    callee: String,
    /// Literal body fields the call must carry (see `Operation::rest_body`).
    body: Vec<(String, String)>,
}

/// A URL as written: its text, and the expressions interpolated into it.
#[derive(Debug)]
enum Piece {
    Text(String),
    Hole(Expr),
}

impl RestApi {
    pub fn new(specs: &crate::spec::SpecSet) -> RestApi {
        let mut api = RestApi::default();
        for provider in &specs.providers {
            api.hosts.extend(provider.api_hosts.iter().cloned());
            api.markers
                .extend(provider.sdk_markers.iter().map(|m| m.to_ascii_lowercase()));
        }
        api.markers.sort();
        api.markers.dedup();
        let anchored: std::collections::HashSet<&str> = specs
            .workflows
            .iter()
            .flat_map(|w| w.contract.iter().map(String::as_str))
            .collect();
        for (_, table) in &specs.contracts {
            for (id, op) in &table.operations {
                // A Node SDK spelling: its calls take path parameters first, then the body,
                // which is how a REST call's parts are laid out here.
                let Some(spelling) = op
                    .spellings
                    .iter()
                    .find(|s| s.sdk == crate::spec::contract::Sdk::Node)
                else {
                    continue;
                };
                if !anchored.contains(id.as_str()) {
                    continue;
                }
                let route = |callee: &str, body: &BTreeMap<String, String>| Route {
                    method: op.method.to_ascii_uppercase(),
                    segments: op
                        .path
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                        .collect(),
                    callee: callee.to_string(),
                    body: body.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                };
                api.routes.push(route(&spelling.call, &op.rest_body));
                for variant in &op.rest_variants {
                    api.routes.push(route(&variant.call, &variant.body));
                }
            }
        }
        api
    }

    /// Rewrites every hand-written call of an anchored operation in the module.
    pub fn read(&self, module: &mut Module) {
        if self.routes.is_empty() || self.hosts.is_empty() {
            return;
        }
        // Most bodies send no HTTP request: only those that do have their locals collected.
        let sends = |body: &[Stmt]| {
            let mut any = false;
            crate::ir::visit_stmts(body, &mut |e| {
                any = any || matches!(e, Expr::Call(c) if request_of(c).is_some());
            });
            any
        };
        let constants = &module.constants;
        for f in module.functions.iter_mut().filter(|f| sends(&f.body)) {
            let locals = local_values(&f.body);
            let names = Names {
                locals: &locals,
                constants,
            };
            crate::ir::rewrite_stmts(&mut f.body, &mut |e| self.rewrite(e, &names));
        }
        if sends(&module.top_level) {
            let names = Names {
                locals: &[],
                constants,
            };
            crate::ir::rewrite_stmts(&mut module.top_level, &mut |e| self.rewrite(e, &names));
        }
    }

    fn rewrite(&self, e: &mut Expr, names: &Names) {
        let Expr::Call(call) = e else {
            return;
        };
        let Some(request) = request_of(call) else {
            return;
        };
        let Some(pieces) = url_pieces(request.url, names, 0) else {
            return;
        };
        let body = request.body.map(|b| unwrap_serialised(b, names));
        let Some((route, params)) = self.route_of(&request.method, pieces, body, names) else {
            return;
        };
        let mut args: Vec<Arg> = params
            .into_iter()
            .map(|value| Arg { name: None, value })
            .collect();
        if let Some(body) = body {
            args.push(Arg {
                name: None,
                value: body.clone(),
            });
        }
        // On a client named for the provider, as the SDK's own examples call it.
        let callee =
            route
                .callee
                .split('.')
                .fold(Expr::Name("workos".into()), |object, property| {
                    Expr::Member {
                        object: Box::new(object),
                        property: property.to_string(),
                    }
                });
        **call = Call {
            callee,
            args,
            span: call.span,
            construct: false,
        };
    }

    /// The route a URL reaches with `method`, and the values of its path parameters, when the
    /// URL names the provider.
    fn route_of(
        &self,
        method: &str,
        pieces: Vec<Piece>,
        body: Option<&Expr>,
        names: &Names,
    ) -> Option<(&Route, Vec<Expr>)> {
        let path = self.api_path(pieces, names)?;
        let segments = segments_of(path);
        let body_object = body.and_then(|b| match b.peel() {
            Expr::Name(n) => names.value(n),
            other => Some(other),
        });
        self.routes.iter().find_map(|route| {
            if route.method != method || route.segments.len() != segments.len() {
                return None;
            }
            let carries = |(key, want): &(String, String)| {
                matches!(field(body_object, key).map(Expr::peel),
                    Some(Expr::Literal(Literal::Str(have))) if have == want)
            };
            if !route.body.iter().all(carries) {
                return None;
            }
            let mut params = Vec::new();
            for (want, have) in route.segments.iter().zip(&segments) {
                match (want, have) {
                    (Some(w), Segment::Text(h)) if w == h => {}
                    (None, Segment::Text(h)) => params.push(Expr::Literal(Literal::Str(h.clone()))),
                    (None, Segment::Hole(e)) => params.push(e.clone()),
                    _ => return None,
                }
            }
            Some((route, params))
        })
    }

    /// The part of the URL after the provider's API base, when it has one: after the host
    /// written in it, or after a leading base whose name names the provider.
    fn api_path(&self, pieces: Vec<Piece>, names: &Names) -> Option<Vec<Piece>> {
        let mut pieces = pieces.into_iter();
        let mut rest = Vec::new();
        let mut found = false;
        for piece in pieces.by_ref() {
            match piece {
                Piece::Text(t) => {
                    if let Some(at) = self
                        .hosts
                        .iter()
                        .find_map(|h| t.find(h.as_str()).map(|i| i + h.len()))
                    {
                        rest.push(Piece::Text(t[at..].to_string()));
                        found = true;
                        break;
                    }
                    if !t.is_empty() {
                        // Text before any base: a relative URL, the application's own.
                        return None;
                    }
                }
                Piece::Hole(e) => {
                    if self.names_provider(&e, names) {
                        found = true;
                        break;
                    }
                    return None;
                }
            }
        }
        found.then(|| {
            rest.extend(pieces);
            rest
        })
    }

    /// Whether an interpolated base names the provider (`WORKOS_API_URL`,
    /// `process.env.WORKOS_API_HOSTNAME`), or holds its host.
    fn names_provider(&self, e: &Expr, names: &Names) -> bool {
        let named = e.path().is_some_and(|p| {
            let p = p.to_ascii_lowercase();
            self.markers.iter().any(|m| p.contains(m.as_str()))
        });
        named
            || url_pieces(e, names, 1).is_some_and(|pieces| {
                pieces.iter().any(|p| {
                    matches!(p, Piece::Text(t) if self.hosts.iter().any(|h| t.contains(h.as_str())))
                })
            })
    }
}

/// What names in a function stand for: its local bindings of one name, and the module's
/// constants.
struct Names<'a> {
    locals: &'a [(String, Expr)],
    constants: &'a [(String, Expr)],
}

impl<'a> Names<'a> {
    fn value(&self, name: &str) -> Option<&'a Expr> {
        self.locals
            .iter()
            .chain(self.constants)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// `const url = …` in a function body, at any depth: a URL built before the call.
fn local_values(body: &[Stmt]) -> Vec<(String, Expr)> {
    let mut out = Vec::new();
    for s in body {
        match s {
            Stmt::Let {
                bindings,
                value: Some(v),
                ..
            } => {
                match bindings.as_slice() {
                    [b] if b.path.is_empty() => out.push((b.name.clone(), v.clone())),
                    // Go's `body, err := json.Marshal(payload)`: the value, then its error.
                    [b, _] if b.path.is_empty() && matches!(v.peel(), Expr::Call(_)) => {
                        out.push((b.name.clone(), v.clone()))
                    }
                    _ => {}
                }
            }
            Stmt::If {
                then, otherwise, ..
            } => {
                out.extend(local_values(then));
                out.extend(local_values(otherwise));
            }
            Stmt::Try {
                body,
                catch,
                finally,
                ..
            } => {
                out.extend(local_values(body));
                out.extend(local_values(catch.as_deref().unwrap_or_default()));
                out.extend(local_values(finally));
            }
            Stmt::Block { body } | Stmt::Loop { body, .. } => out.extend(local_values(body)),
            _ => {}
        }
    }
    out
}

/// An HTTP request as a call writes it.
struct Request<'a> {
    method: String,
    url: &'a Expr,
    body: Option<&'a Expr>,
}

/// The request a call sends, if it is an HTTP client's call: `fetch(url, { method, body })`,
/// `axios.post(url, data)`, `ky.post(url, { json })`, `requests.post(url, json=…)`,
/// `axios({ method, url, data })`, `requests.request("POST", url, …)`.
fn request_of(call: &Call) -> Option<Request<'_>> {
    const VERBS: &[&str] = &["get", "post", "put", "patch", "delete"];
    const FETCHERS: &[&str] = &["fetch", "$fetch", "ofetch", "ky", "got", "axios", "request"];
    let path = call.callee.path()?;
    let last = path
        .rsplit('.')
        .next()
        .unwrap_or(&path)
        .to_ascii_lowercase();
    let positional: Vec<&Expr> = call
        .args
        .iter()
        .filter(|a| a.name.is_none())
        .map(|a| &a.value)
        .collect();
    let named = |key: &str| {
        call.args
            .iter()
            .find(|a| a.name.as_deref() == Some(key))
            .map(|a| &a.value)
    };
    let text = |e: &Expr| match e.peel() {
        Expr::Literal(Literal::Str(s)) => Some(s.to_ascii_uppercase()),
        _ => None,
    };
    if VERBS.contains(&last.as_str()) {
        let url = *positional.first()?;
        // Python: `json=`/`data=`; axios: the data as the second argument; ky/got: an options
        // object with `json`.
        let second = positional.get(1).copied();
        let body = named("json")
            .or_else(|| named("data"))
            .or_else(|| body_of(second))
            .or(second.filter(|_| !matches!(last.as_str(), "get" | "delete")));
        return Some(Request {
            method: last.to_ascii_uppercase(),
            url,
            body,
        });
    }
    // A method named in a literal (`"POST"`) or a constant (Go's `http.MethodPost`).
    let verb = |e: &Expr| {
        let named = match e.peel() {
            Expr::Literal(Literal::Str(s)) => s.clone(),
            other => other
                .path()?
                .rsplit('.')
                .next()?
                .strip_prefix("Method")?
                .to_string(),
        };
        let lower = named.to_ascii_lowercase();
        VERBS
            .contains(&lower.as_str())
            .then(|| lower.to_ascii_uppercase())
    };
    // Go: `http.NewRequest("POST", url, body)`, `http.NewRequestWithContext(ctx, "POST", url,
    // body)`, sent later by `client.Do(req)`.
    if last == "newrequest" || last == "newrequestwithcontext" {
        // Every argument by position (the Go frontend names a context argument).
        let args: Vec<&Expr> = call.args.iter().map(|a| &a.value).collect();
        let skip = usize::from(last == "newrequestwithcontext");
        return Some(Request {
            method: args.get(skip).and_then(|e| verb(e))?,
            url: args.get(skip + 1)?,
            body: args.get(skip + 2).copied(),
        });
    }
    if !FETCHERS.contains(&last.as_str()) {
        return None;
    }
    // `requests.request("POST", url, json=…)`.
    if let (Some(method), Some(url)) = (positional.first().and_then(|e| verb(e)), positional.get(1))
    {
        return Some(Request {
            method,
            url,
            body: named("json").or_else(|| named("data")),
        });
    }
    let first = *positional.first()?;
    // `axios({ method: "post", url, data })`.
    if let Some(url) = field(Some(first), "url") {
        return Some(Request {
            method: field(Some(first), "method")
                .and_then(text)
                .unwrap_or_else(|| "GET".into()),
            url,
            body: body_of(Some(first)),
        });
    }
    let options = positional.get(1).copied();
    Some(Request {
        method: field(options, "method")
            .and_then(text)
            .unwrap_or_else(|| "GET".into()),
        url: first,
        body: body_of(options),
    })
}

/// The value of `key` in an object literal.
fn field<'e>(e: Option<&'e Expr>, key: &str) -> Option<&'e Expr> {
    match e?.peel() {
        Expr::Object(props) => props.iter().find(|p| p.key == key).map(|p| &p.value),
        _ => None,
    }
}

/// The body in a request's options: `body` (fetch), `json` (ky, got), `data` (axios).
fn body_of(options: Option<&Expr>) -> Option<&Expr> {
    ["body", "json", "data"]
        .iter()
        .find_map(|key| field(options, key))
}

/// `JSON.stringify(body)`, `json.dumps(body)`, `new URLSearchParams(body)`: the body itself,
/// also when the serialised text was kept in a local first.
fn unwrap_serialised<'e>(e: &'e Expr, names: &Names<'e>) -> &'e Expr {
    let mut e = e;
    for _ in 0..4 {
        e = match e.peel() {
            Expr::Call(c)
                if c.args.len() == 1
                    && c.callee.path().is_some_and(|p| {
                        matches!(
                            p.as_str(),
                            "JSON.stringify"
                                | "json.dumps"
                                | "URLSearchParams"
                                | "json.Marshal"
                                | "bytes.NewBuffer"
                                | "bytes.NewReader"
                                | "strings.NewReader"
                        )
                    }) =>
            {
                &c.args[0].value
            }
            Expr::Name(n) => match names.value(n) {
                Some(v) if matches!(v.peel(), Expr::Call(_)) => v,
                _ => return e,
            },
            _ => return e,
        };
    }
    e
}

/// The pieces of a URL expression: a literal, a template, a concatenation, a name bound to
/// one of these.
fn url_pieces(e: &Expr, names: &Names, depth: usize) -> Option<Vec<Piece>> {
    if depth > 4 {
        return None;
    }
    let mut out = Vec::new();
    match e.peel() {
        Expr::Literal(Literal::Str(s)) => out.push(Piece::Text(s.clone())),
        Expr::Template(parts) => {
            for part in parts {
                match part {
                    Expr::Literal(Literal::Str(s)) => out.push(Piece::Text(s.clone())),
                    hole => match url_pieces(hole, names, depth + 1) {
                        Some(inner) if inner.iter().all(|p| matches!(p, Piece::Text(_))) => {
                            out.extend(inner)
                        }
                        _ => out.push(Piece::Hole(hole.clone())),
                    },
                }
            }
        }
        Expr::Binary { op, left, right } if op == "+" => {
            for side in [left, right] {
                match url_pieces(side, names, depth + 1) {
                    Some(inner) => out.extend(inner),
                    None => out.push(Piece::Hole((**side).clone())),
                }
            }
        }
        Expr::Name(n) => return url_pieces(names.value(n)?, names, depth + 1),
        // Go: `fmt.Sprintf("%s/user_management/organization_memberships/%s", base, id)`.
        Expr::Call(c) if c.callee.path().as_deref() == Some("fmt.Sprintf") => {
            let Some(Expr::Literal(Literal::Str(format))) = c.args.first().map(|a| a.value.peel())
            else {
                return None;
            };
            let mut args = c.args[1..].iter().map(|a| &a.value);
            let mut rest = format.as_str();
            while let Some(at) = rest.find('%') {
                out.push(Piece::Text(rest[..at].to_string()));
                let verb = rest[at + 1..].chars().next()?;
                if verb == '%' {
                    out.push(Piece::Text("%".into()));
                } else {
                    let arg = args.next()?;
                    match url_pieces(arg, names, depth + 1) {
                        Some(inner) if inner.iter().all(|p| matches!(p, Piece::Text(_))) => {
                            out.extend(inner)
                        }
                        _ => out.push(Piece::Hole(arg.clone())),
                    }
                }
                rest = &rest[at + 1 + verb.len_utf8()..];
            }
            out.push(Piece::Text(rest.to_string()));
        }
        _ => return None,
    }
    Some(out)
}

enum Segment {
    Text(String),
    Hole(Expr),
}

/// The path's segments, without its query: a segment with anything interpolated in it is a
/// hole (a path parameter).
fn segments_of(pieces: Vec<Piece>) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut current: Option<Segment> = None;
    let flush = |current: &mut Option<Segment>, segments: &mut Vec<Segment>| {
        if let Some(s) = current.take() {
            if !matches!(&s, Segment::Text(t) if t.is_empty()) {
                segments.push(s);
            }
        }
    };
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                let (t, query) = match t.find(['?', '#']) {
                    Some(i) => (&t[..i], true),
                    None => (t.as_str(), false),
                };
                let mut parts = t.split('/');
                if let Some(first) = parts.next() {
                    current = Some(match current.take() {
                        Some(Segment::Text(mut s)) => {
                            s.push_str(first);
                            Segment::Text(s)
                        }
                        Some(hole) if first.is_empty() => hole,
                        Some(Segment::Hole(e)) => Segment::Hole(e),
                        None => Segment::Text(first.to_string()),
                    });
                }
                for part in parts {
                    flush(&mut current, &mut segments);
                    current = Some(Segment::Text(part.to_string()));
                }
                if query {
                    break;
                }
            }
            // Text and a hole in one segment (`org_${id}`) make a parameter.
            Piece::Hole(e) => current = Some(Segment::Hole(e)),
        }
    }
    flush(&mut current, &mut segments);
    segments
}

#[cfg(test)]
mod tests {
    use crate::lang::{parse, Language};

    /// The callee paths of a module's calls once REST calls are read.
    fn callees(language: Language, source: &str) -> Vec<String> {
        let specs = crate::spec::load_builtin().unwrap();
        let mut module = parse(language, "app/x", source).unwrap();
        super::RestApi::new(&specs).read(&mut module);
        let mut out = Vec::new();
        for f in &module.functions {
            crate::ir::visit_stmts(&f.body, &mut |e| {
                if let crate::ir::Expr::Call(c) = e {
                    out.extend(c.callee.path());
                }
            });
        }
        out
    }

    #[test]
    fn a_call_of_an_operation_by_method_and_path_is_read_as_its_sdk_call() {
        let ts = |s: &str| callees(Language::TypeScript, s);
        let invite = "workos.userManagement.sendInvitation".to_string();
        let remove = "workos.userManagement.deleteOrganizationMembership".to_string();
        // Host written in the URL, a query string, a base named for the provider.
        assert!(ts(r#"async function f() { await fetch("https://api.workos.com/user_management/invitations?x=1", { method: "post" }) }"#).contains(&invite));
        assert!(ts(r#"async function f(id) { await ky.delete(`${process.env.WORKOS_API_URL}/user_management/organization_memberships/${id}`) }"#).contains(&remove));
        // A literal id fills the parameter; axios's config form.
        assert!(ts(r#"async function f() { await axios({ method: "DELETE", url: "https://api.workos.com/user_management/organization_memberships/om_1" }) }"#).contains(&remove));
        // Another method on the same path is another operation (listing is none of ours).
        assert!(!ts(r#"async function f() { await fetch("https://api.workos.com/user_management/invitations") }"#).contains(&invite));
        // A relative URL, or a base that does not name the provider, is the application's own.
        assert!(!ts(r#"async function f() { await fetch("/user_management/invitations", { method: "POST" }) }"#).contains(&invite));
        assert!(!ts(r#"async function f() { await fetch(`${API}/user_management/invitations`, { method: "POST" }) }"#).contains(&invite));
        // A longer path is another resource.
        assert!(!ts(r#"async function f(id) { await fetch(`https://api.workos.com/user_management/invitations/${id}/extra`, { method: "POST" }) }"#).contains(&invite));
        // One endpoint, several grants: only the code's is the code exchange.
        let exchange = "workos.userManagement.authenticateWithCode".to_string();
        assert!(ts(r#"async function f(code) { const body = new URLSearchParams({ grant_type: "authorization_code", code }); await fetch("https://api.workos.com/user_management/authenticate", { method: "POST", body }) }"#).contains(&exchange));
        assert!(!ts(r#"async function f(t) { await fetch("https://api.workos.com/user_management/authenticate", { method: "POST", body: JSON.stringify({ grant_type: "refresh_token", refresh_token: t }) }) }"#).contains(&exchange));
        // …and another grant the contract lists is the SDK sign-in of that grant.
        let password = "workos.userManagement.authenticateWithPassword".to_string();
        let with_password = ts(
            r#"async function f(email, password) { await fetch("https://api.workos.com/user_management/authenticate", { method: "POST", body: JSON.stringify({ grant_type: "password", email, password }) }) }"#,
        );
        assert!(with_password.contains(&password) && !with_password.contains(&exchange));
        let go = |s: &str| callees(Language::Go, s);
        assert!(go("package x\nfunc f(id string) {\n\treq, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf(\"%s/user_management/organization_memberships/%s\", workosBaseURL, id), nil)\n\t_ = req\n}\n").contains(&remove));
        assert!(go("package x\nfunc f(p Payload) {\n\tbody, _ := json.Marshal(p)\n\treq, _ := http.NewRequestWithContext(ctx, \"POST\", \"https://api.workos.com/user_management/invitations\", bytes.NewReader(body))\n\t_ = req\n}\n").contains(&invite));
        assert!(!go("package x\nfunc f(id string) {\n\treq, _ := http.NewRequest(\"DELETE\", fmt.Sprintf(\"%s/user_management/organization_memberships/%s\", apiBase, id), nil)\n\t_ = req\n}\n").contains(&remove));
        let py = |s: &str| callees(Language::Python, s);
        assert!(py("def f():\n    requests.request(\"POST\", \"https://api.workos.com/user_management/invitations\", json={})\n").contains(&invite));
        assert!(py(
            "def f():\n    httpx.post(WORKOS_API_URL + \"/user_management/invitations\")\n"
        )
        .contains(&invite));
        assert!(
            !py("def f(base):\n    httpx.post(base + \"/user_management/invitations\")\n")
                .contains(&invite)
        );
    }
}
