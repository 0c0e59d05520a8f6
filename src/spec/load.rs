//! Loading and validating spec files. Every error names the file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::model::*;
use crate::error::{Error, SpecError};

/// The specs shipped with idrift, compiled into the binary so it works from any directory.
const BUILTIN: &[(&str, &str)] = &[
    (
        "canonical/workos/provider.yaml",
        include_str!("../../canonical/workos/provider.yaml"),
    ),
    (
        "canonical/workos/invite.yaml",
        include_str!("../../canonical/workos/invite.yaml"),
    ),
    (
        "canonical/workos/role-assign.yaml",
        include_str!("../../canonical/workos/role-assign.yaml"),
    ),
    (
        "canonical/workos/domain-verify.yaml",
        include_str!("../../canonical/workos/domain-verify.yaml"),
    ),
    (
        "canonical/workos/sso-setup.yaml",
        include_str!("../../canonical/workos/sso-setup.yaml"),
    ),
    (
        "canonical/workos/admin-portal.yaml",
        include_str!("../../canonical/workos/admin-portal.yaml"),
    ),
    (
        "canonical/workos/authkit-callback.yaml",
        include_str!("../../canonical/workos/authkit-callback.yaml"),
    ),
    (
        "canonical/workos/api-keys.yaml",
        include_str!("../../canonical/workos/api-keys.yaml"),
    ),
    (
        "canonical/workos/member-remove.yaml",
        include_str!("../../canonical/workos/member-remove.yaml"),
    ),
    (
        "canonical/workos/account-recovery.yaml",
        include_str!("../../canonical/workos/account-recovery.yaml"),
    ),
    (
        "canonical/workos/webhook-events.yaml",
        include_str!("../../canonical/workos/webhook-events.yaml"),
    ),
    (
        "canonical/workos/contract.yaml",
        include_str!("../../canonical/workos/contract.yaml"),
    ),
];

/// The file name that marks a provider file rather than a workflow spec.
const PROVIDER_FILE: &str = "provider.yaml";

/// All loaded specs, validated.
#[derive(Debug, Clone, Default)]
pub struct SpecSet {
    pub workflows: Vec<WorkflowSpec>,
    /// Where each workflow came from (same order as `workflows`).
    pub files: Vec<String>,
    pub providers: Vec<ProviderSpec>,
    /// Contract tables (`contract.yaml`), with the file each came from.
    pub contracts: Vec<(String, super::contract::ContractTable)>,
    /// The preview workflows [`SpecSet::without_preview`] left out: a scan tells the user when
    /// the code has their calls, so that `--preview` is not a secret.
    pub left_out_preview: Vec<WorkflowSpec>,
}

impl SpecSet {
    /// The set without its preview workflows (see [`WorkflowSpec::preview`]).
    pub fn without_preview(mut self) -> SpecSet {
        let (preview, kept): (Vec<_>, Vec<_>) = self
            .workflows
            .into_iter()
            .zip(self.files)
            .partition(|(w, _)| w.preview);
        (self.workflows, self.files) = kept.into_iter().unzip();
        self.left_out_preview = preview.into_iter().map(|(w, _)| w).collect();
        self
    }

    /// The anchors of the preview workflows left out.
    pub fn left_out_preview_anchors(&self) -> Vec<Anchor> {
        SpecSet {
            workflows: self.left_out_preview.clone(),
            providers: self.providers.clone(),
            ..SpecSet::default()
        }
        .anchors()
    }

    /// The text every file holding some workflow's action contains: the prefilter's patterns.
    pub fn anchors(&self) -> Vec<Anchor> {
        let mut out: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
        for workflow in &self.workflows {
            let markers: BTreeSet<String> = self
                .providers
                .iter()
                .filter(|p| p.provider == workflow.provider)
                .flat_map(|p| p.sdk_markers.iter().cloned())
                .collect();
            for call in workflow.actions.values().flat_map(|a| a.calls.iter()) {
                let text = anchor_of(call);
                let segments: Vec<&str> =
                    call.split('.').map(crate::ir::without_call_marks).collect();
                let (last, namespace) = segments.split_last().unwrap_or((&"", &[]));
                // A method name that unrelated code uses too (`GetToken` on a token store)
                // anchors a file only with its SDK namespace (`widgets`) somewhere in it, and an
                // accessor call (`Organizations()`) only with the SDK's name; `None` is an
                // anchor that needs nothing more.
                let needs = if text == *last && is_ambiguous(last) && !namespace.is_empty() {
                    Some(namespace.iter().map(|s| s.to_string()).collect())
                } else if text.ends_with("()") && !markers.is_empty() {
                    Some(markers.clone())
                } else {
                    None
                };
                match (out.entry(text).or_insert_with(|| needs.clone()), needs) {
                    (Some(have), Some(more)) => have.extend(more),
                    (entry, _) => *entry = None,
                }
            }
            // An event name (`user.created`) is other services' too: it anchors a file only
            // with the provider named in it.
            for literal in workflow.actions.values().flat_map(|a| a.literals.iter()) {
                let text = literal.trim_end_matches('*').to_string();
                let needs = Some(markers.clone()).filter(|m| !m.is_empty());
                match (out.entry(text).or_insert_with(|| needs.clone()), needs) {
                    (Some(have), Some(more)) => have.extend(more),
                    (entry, _) => *entry = None,
                }
            }
        }
        // A hand-written call of the REST API (see `parse::RestApi`): the path of an operation
        // some workflow anchors, together with the provider's name (its host, or a setting or
        // constant named for it). Not the host alone: configuration files name it too (a JWT
        // issuer, a content security policy) and call nothing.
        for provider in &self.providers {
            if provider.api_hosts.is_empty() || provider.sdk_markers.is_empty() {
                continue;
            }
            let anchored: BTreeSet<&str> = self
                .workflows
                .iter()
                .filter(|w| w.provider == provider.provider)
                .flat_map(|w| w.contract.iter().map(String::as_str))
                .collect();
            let markers: BTreeSet<String> = provider.sdk_markers.iter().cloned().collect();
            for (id, op) in self.contracts.iter().flat_map(|(_, t)| &t.operations) {
                if !anchored.contains(id.as_str()) {
                    continue;
                }
                let fixed = op.path.split('{').next().unwrap_or_default().to_string();
                // An anchor that needs nothing more (an SDK method name) stays so.
                if let Some(have) = out.entry(fixed).or_insert_with(|| Some(markers.clone())) {
                    have.extend(markers.iter().cloned());
                }
            }
        }
        out.into_iter()
            .map(|(text, needs)| Anchor {
                text,
                needs_one_of: needs.map(|n| n.into_iter().collect()).unwrap_or_default(),
            })
            .collect()
    }

    /// Every action's literals (see [`super::Action::literals`]), for finding the functions
    /// that test one.
    pub fn action_literals(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .workflows
            .iter()
            .flat_map(|w| w.actions.values().flat_map(|a| a.literals.iter().cloned()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// What an action call looks like in a call path, for deciding cheaply which files hold
    /// one. See [`ActionCalls`].
    pub fn action_calls(&self) -> ActionCalls {
        let mut calls = ActionCalls {
            literals: self.action_literals(),
            markers: self
                .providers
                .iter()
                .flat_map(|p| p.sdk_markers.iter().cloned())
                .collect(),
            ..ActionCalls::default()
        };
        for call in self
            .workflows
            .iter()
            .flat_map(|w| w.actions.values().flat_map(|a| a.calls.iter()))
        {
            let segments: Vec<&str> = call.split('.').map(crate::ir::without_call_marks).collect();
            let (last, namespace) = segments.split_last().unwrap_or((&"", &[]));
            // Method names that unrelated code uses too (`GetToken` on a token store,
            // `create_organization` on the app's own model) need their SDK namespace.
            calls
                .namespaces
                .entry(last.to_string())
                .or_default()
                .extend(namespace.iter().map(|s| s.to_string()));
            let generic = anchor_of(call) != *last || is_ambiguous(last);
            if generic && !namespace.is_empty() {
                calls
                    .generic
                    .entry(last.to_string())
                    .or_default()
                    .extend(namespace.iter().map(|s| s.to_string()));
            } else {
                calls.distinctive.insert(last.to_string());
            }
        }
        calls
    }

    /// Session-producing calls and request members across providers.
    pub fn session_calls(&self) -> Vec<String> {
        self.providers
            .iter()
            .flat_map(|p| p.session.calls.iter().cloned())
            .collect()
    }

    pub fn session_token_verifiers(&self) -> Vec<String> {
        self.providers
            .iter()
            .flat_map(|p| p.session.token_verifiers.iter().cloned())
            .collect()
    }

    pub fn session_request_members(&self) -> Vec<String> {
        self.providers
            .iter()
            .flat_map(|p| p.session.request_members.iter().cloned())
            .collect()
    }

    fn add(&mut self, file: String, text: &str) -> Result<(), SpecError> {
        let name = Path::new(&file).file_name().and_then(|n| n.to_str());
        if name == Some(PROVIDER_FILE) {
            self.providers.push(parse_provider(&file, text)?);
            return Ok(());
        }
        if name == Some(super::contract::CONTRACT_FILE) {
            let table = super::contract::parse_contract(&file, text)?;
            self.contracts.push((file, table));
            return Ok(());
        }
        let spec = parse_workflow(&file, text)?;
        if let Some(i) = self.workflows.iter().position(|w| w.id == spec.id) {
            return Err(SpecError::at(
                &file,
                text,
                &["id"],
                &spec.id,
                format!(
                    "workflow id `{}` is already defined in {}; give this spec another id",
                    spec.id, self.files[i]
                ),
            ));
        }
        self.files.push(file);
        self.workflows.push(spec);
        Ok(())
    }
}

/// The segment of a call spelling the byte prefilter looks for: the method name
/// (`sendInvitation`), unless it is a generic verb (`create` in `organizationDomains.create`), in
/// which case the longest other segment (`organizationDomains`) — `create` or an
/// `authorization` namespace would select half the files of a repository.
/// Call paths that may be a workflow action: the method name of a spelling, and for generic or
/// ambiguous method names (`organizationDomains.create`, `widgets.getToken`) also a segment of
/// the SDK namespace that makes them specific.
#[derive(Debug, Default)]
pub struct ActionCalls {
    distinctive: std::collections::HashSet<String>,
    generic: std::collections::HashMap<String, BTreeSet<String>>,
    /// Every method's SDK namespace segments, distinctive or not.
    namespaces: std::collections::HashMap<String, BTreeSet<String>>,
    /// Every action's literals (event names), and the providers' markers a file testing one
    /// must contain (see [`super::Action::literals`]).
    pub literals: Vec<String>,
    pub markers: Vec<String>,
}

impl ActionCalls {
    /// Whether a function tests an action's literal: a string literal of it in its body.
    pub fn tests_literal(&self, module: &crate::ir::Module, f: &crate::ir::Function) -> bool {
        use crate::ir::{Expr, Literal, Stmt};
        if self.literals.is_empty() {
            return false;
        }
        let named = |s: &str| {
            self.literals
                .iter()
                .any(|l| crate::workflow::label::literal_matches(s, l))
        };
        // A table of handlers keyed by the names (`{ "dsync.user.created": onCreated }`).
        let keyed_by_name = |e: &Expr| matches!(e.peel(), Expr::Object(props) if props.iter().any(|p| named(&p.key)));
        // Found at the first index by name, and once: a large bundle has many of both.
        let module_tables = std::cell::OnceCell::new();
        let module_table = |name: &str| {
            module_tables
                .get_or_init(|| {
                    module
                        .top_level
                        .iter()
                        .filter_map(|s| match s {
                            Stmt::Let {
                                bindings,
                                value: Some(v),
                                ..
                            } if keyed_by_name(v) => match bindings.as_slice() {
                                [b] => Some(b.name.as_str()),
                                _ => None,
                            },
                            _ => None,
                        })
                        .collect::<std::collections::HashSet<&str>>()
                })
                .contains(name)
        };
        let mut found = false;
        crate::ir::visit_stmts(&f.body, &mut |e| {
            found = found
                || match e {
                    Expr::Literal(Literal::Str(s)) => named(s),
                    // `case EventTypeInvitationAccepted:`, `event.event === ACCEPTED`: a constant
                    // of this file that holds the name.
                    Expr::Name(n) => module.constants.iter().any(|(c, v)| {
                        c == n && matches!(v.peel(), Expr::Literal(Literal::Str(s)) if named(s))
                    }),
                    Expr::Object(_) => keyed_by_name(e),
                    // `handlers[event.event](…)` with the table written at module level.
                    Expr::Index { object, .. } => {
                        matches!(object.peel(), Expr::Name(n) if module_table(n))
                    }
                    _ => false,
                };
        });
        found
    }

    /// Whether a file's text names a provider (see [`ActionCalls::markers`]).
    pub fn names_provider(&self, text: &str) -> bool {
        self.markers.iter().any(|m| text.contains(m.as_str()))
    }
}

impl ActionCalls {
    /// Whether `method` is the method name of some action spelling, whatever the receiver
    /// (aliased receivers are resolved later, in the CFG).
    pub fn names_method(&self, method: &str) -> bool {
        self.distinctive.contains(method) || self.generic.contains_key(method)
    }

    /// Like [`ActionCalls::matches`], but every method needs a segment of its SDK namespace in
    /// the path. Go code calls its own services' methods by the SDK's names (`SendInvitation`
    /// on a wrapper or a generated client), while the SDK's own calls always name its package
    /// or accessor (`usermanagement.SendInvitation`, `client.UserManagement().SendInvitation`).
    pub fn matches_qualified(&self, path: &str) -> bool {
        let mut segments = path.rsplit('.').map(crate::ir::without_call_marks);
        let Some(last) = segments.next() else {
            return false;
        };
        self.namespaces
            .get(last)
            .is_some_and(|needed| segments.any(|s| needed.contains(s)))
    }

    /// Whether a call with this callee path may be an action. Aliased receivers
    /// (`const domains = workos.organizationDomains; domains.create()`) are not seen here;
    /// this only decides which files seed the search for related files.
    pub fn matches(&self, path: &str) -> bool {
        let mut segments = path.rsplit('.').map(crate::ir::without_call_marks);
        let Some(last) = segments.next() else {
            return false;
        };
        if self.distinctive.contains(last) {
            // SDK calls have a receiver (`workos.portal.generateLink`); a bare
            // `generateLink()` is the application's own function.
            return segments.next().is_some();
        }
        self.generic
            .get(last)
            .is_some_and(|needed| segments.any(|s| needed.contains(s)))
    }
}

/// A file the prefilter selects: it contains `text` and, if `needs_one_of` is not empty, one of
/// those strings as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub text: String,
    pub needs_one_of: Vec<String>,
}

/// Method names of SDK actions that unrelated code uses too (`GetToken` on a token store,
/// `create_organization` on the app's own model): they need their SDK namespace.
fn is_ambiguous(method: &str) -> bool {
    const AMBIGUOUS: &[&str] = &[
        "gettoken",
        "createtoken",
        "assignrole",
        "createorganization",
        "updateorganization",
        "createdomain",
        "verifydomain",
    ];
    let folded = method.to_ascii_lowercase().replace('_', "");
    AMBIGUOUS.contains(&folded.as_str())
}

fn anchor_of(call: &str) -> String {
    const GENERIC: &[&str] = &[
        "create", "update", "verify", "get", "delete", "list", "check", "new", "find", "set",
    ];
    let segs: Vec<&str> = call.split('.').collect();
    let last = segs
        .last()
        .map(|s| crate::ir::without_call_marks(s))
        .unwrap_or(call);
    if !GENERIC.contains(&last.to_ascii_lowercase().as_str()) {
        return last.to_string();
    }
    // The namespace's `()` stays: Go's `client.OrganizationMembership().Update` is written
    // with the accessor call, while a model named `OrganizationMembership` is everywhere in a
    // Rails or TypeScript app.
    let mut best = "";
    for seg in &segs[..segs.len().saturating_sub(1)] {
        if crate::ir::without_call_marks(seg).len() >= crate::ir::without_call_marks(best).len() {
            best = seg;
        }
    }
    if best.is_empty() { last } else { best }.to_string()
}

/// The shipped specs as (path, text), for `idrift specs` and tests.
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}

pub fn load_builtin() -> Result<SpecSet, SpecError> {
    let mut set = SpecSet::default();
    for (file, text) in BUILTIN {
        set.add(file.to_string(), text)?;
    }
    Ok(set)
}

/// Loads every `*.yaml`/`*.yml` file under `dir` (sorted, for stable results) into `set`.
pub fn load_dir(set: &mut SpecSet, dir: &Path) -> Result<(), Error> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "spec directory {} does not exist or is not a directory",
            dir.display()
        )));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in walk_yaml(dir)? {
        files.push(entry);
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "spec directory {} contains no .yaml or .yml files",
            dir.display()
        )));
    }
    for path in files {
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| Error::Io {
            path: shown.clone(),
            source: e,
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| SpecError::plain(&shown, "the file is not valid UTF-8"))?;
        set.add(shown, &text)?;
    }
    Ok(())
}

fn walk_yaml(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    // Spec folders are small and flat; follow no links so a loop cannot trap the loader.
    for entry in walkdir_sorted(dir)? {
        let ext = entry.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "yaml" || ext == "yml" {
            out.push(entry);
        }
    }
    Ok(out)
}

fn walkdir_sorted(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| Error::Io {
            path: d.display().to_string(),
            source: e,
        })?;
        for entry in rd.flatten() {
            let ft = match entry.file_type() {
                Ok(ft) => ft,
                Err(_) => continue,
            };
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    Ok(out)
}

/// Largest spec file accepted; real specs are a few KiB, so anything larger is a mistake or an
/// attack on the YAML parser.
const MAX_SPEC_BYTES: usize = 1 << 20;

pub(super) fn check_size(file: &str, text: &str) -> Result<(), SpecError> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(SpecError::plain(
            file,
            format!(
                "the file is {} bytes; spec files are limited to {} bytes",
                text.len(),
                MAX_SPEC_BYTES
            ),
        ));
    }
    Ok(())
}

pub fn parse_provider(file: &str, text: &str) -> Result<ProviderSpec, SpecError> {
    check_size(file, text)?;
    let spec: ProviderSpec =
        serde_yaml::from_str(text).map_err(|e| SpecError::from_yaml(file, e))?;
    if spec.session.calls.is_empty() {
        return Err(SpecError::at(
            file,
            text,
            &["session", "calls"],
            "",
            "session.calls is empty: name at least one call that returns the verified session",
        ));
    }
    Ok(spec)
}

pub fn parse_workflow(file: &str, text: &str) -> Result<WorkflowSpec, SpecError> {
    check_size(file, text)?;
    let spec: WorkflowSpec =
        serde_yaml::from_str(text).map_err(|e| SpecError::from_yaml(file, e))?;
    validate(file, text, &spec)?;
    Ok(spec)
}

fn validate(file: &str, text: &str, spec: &WorkflowSpec) -> Result<(), SpecError> {
    let err =
        |path: &[&str], needle: &str, msg: String| SpecError::at(file, text, path, needle, msg);
    if spec.id.trim().is_empty() {
        return Err(err(&["id"], "", "id is empty".into()));
    }
    if spec.actions.is_empty() {
        return Err(err(
            &["actions"],
            "",
            "actions is empty: a workflow needs at least one anchoring call".into(),
        ));
    }
    for (name, action) in &spec.actions {
        if action.literals.is_empty() || !action.calls.is_empty() {
            non_empty_list(&action.calls, || {
                err(
                    &["actions", name, "calls"],
                    "",
                    format!("action `{name}` has no calls or literals to match"),
                )
            })?;
        }
        for (step, companion) in &action.companions {
            if action.literals.is_empty()
                || companion.when.is_empty()
                || companion.requires.is_empty()
            {
                return Err(err(
                    &["actions", name, "companions", step],
                    "",
                    format!(
                        "action `{name}`: companion `{step}` needs the action's `literals` and non-empty `when` and `requires`"
                    ),
                ));
            }
        }
        if action
            .literals
            .iter()
            .any(|l| l.trim().trim_end_matches('*').is_empty())
        {
            return Err(err(
                &["actions", name, "literals"],
                "",
                format!("action `{name}` has an empty literal"),
            ));
        }
        if let Some(filter) = &action.when {
            if filter.argument.is_empty() {
                return Err(err(
                    &["actions", name, "when"],
                    "",
                    format!("action `{name}`: `when.argument` names no keys"),
                ));
            }
        }
        argument_rules_valid(&err, ["actions", name], &action.arguments)?;
        if let Some(secret) = &action.secret_result {
            if let Some(unknown) = secret.unless.iter().find(|c| !spec.checks.contains_key(*c)) {
                return Err(err(
                    &["actions", name, "secret_result", "unless"],
                    unknown,
                    format!("action `{name}`: `secret_result.unless` names `{unknown}`, which is not a check of this spec"),
                ));
            }
        }
        for (w, waiver) in action.waive.iter().enumerate() {
            let here = format!("action `{name}`, waiver {}", w + 1);
            if waiver.when.is_empty() || waiver.steps.is_empty() {
                return Err(err(
                    &["actions", name, "waive"],
                    "",
                    format!("{here}: give both `steps` and `when`"),
                ));
            }
            for step in &waiver.steps {
                let is_check = spec
                    .checks
                    .get(step)
                    .is_some_and(|c| c.protects.iter().any(|a| a == name));
                let is_secret = step == "secret_result" && action.secret_result.is_some();
                if !is_check && !is_secret && !action.arguments.contains_key(step) {
                    return Err(err(
                        &["actions", name, "waive"],
                        step,
                        format!(
                            "{here} waives `{step}`, which is neither a check protecting `{name}`, nor an argument rule of it, nor its `secret_result`"
                        ),
                    ));
                }
            }
            for cond in &waiver.when {
                if cond.argument.is_empty()
                    || (cond.from.is_none()
                        && cond.from_call.is_empty()
                        && cond.absent_or.is_empty()
                        && cond.not_among.is_empty()
                        && cond.looked_up_with.is_empty()
                        && cond.unless_looked_up_with.is_empty()
                        && !cond.literal
                        && !cond.present)
                {
                    return Err(err(
                        &["actions", name, "waive"],
                        "when",
                        format!(
                            "{here}: each condition needs `argument` and one of `from`, `from_call`, `absent_or`, `not_among`, `looked_up_with`, `unless_looked_up_with`, `literal`, `present`"
                        ),
                    ));
                }
            }
        }
    }
    for step in &spec.operator_exempt {
        let known = spec.checks.contains_key(step)
            || spec.checks.values().any(|c| c.arguments.contains_key(step))
            || spec
                .actions
                .values()
                .any(|a| a.arguments.contains_key(step));
        if !known {
            return Err(err(
                &["operator_exempt"],
                step,
                format!("operator_exempt names `{step}`, which is neither a check nor an argument rule of this spec"),
            ));
        }
    }
    for (id, check) in &spec.checks {
        if check.protects.is_empty() {
            return Err(err(
                &["checks", id, "protects"],
                "",
                format!("check `{id}` protects nothing"),
            ));
        }
        for action in &check.protects {
            if !spec.actions.contains_key(action) {
                let known: Vec<&str> = spec.actions.keys().map(String::as_str).collect();
                return Err(err(
                    &["checks", id, "protects"],
                    action,
                    format!(
                        "check `{id}` protects `{action}`, which is not an action of this spec (actions: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        if check.any_of.is_empty() {
            return Err(err(
                &["checks", id, "any_of"],
                "",
                format!("check `{id}` has an empty any_of: nothing in code could satisfy it"),
            ));
        }
        argument_rules_valid(&err, ["checks", id], &check.arguments)?;
        for (i, m) in check.any_of.iter().enumerate() {
            if let Some((needle, problem)) = matcher_problem(m) {
                return Err(err(
                    &["checks", id, "any_of"],
                    needle,
                    format!("check `{id}`, matcher {}: {problem}", i + 1),
                ));
            }
        }
    }
    for (i, op) in spec.privileged_operations.iter().enumerate() {
        non_empty_list(&op.calls, || {
            err(
                &["privileged_operations"],
                "",
                format!("privileged operation {} has no calls", i + 1),
            )
        })?;
    }
    Ok(())
}

/// Every argument rule of an action or a check (`owner`: `["checks", id]`) is well-formed.
fn argument_rules_valid(
    err: &dyn Fn(&[&str], &str, String) -> SpecError,
    owner: [&str; 2],
    rules: &BTreeMap<String, crate::spec::ArgumentRule>,
) -> Result<(), SpecError> {
    for (rule_id, rule) in rules {
        let of_check = owner[0] == "checks";
        if let Some((key, needle, problem)) = argument_rule_problem(rule_id, rule, of_check) {
            let path = [owner[0], owner[1], "arguments", rule_id, key];
            return Err(err(
                &path[..path.len() - usize::from(key.is_empty())],
                needle,
                problem,
            ));
        }
    }
    Ok(())
}

/// What is wrong with one argument rule (of an action, or of a check when `of_check`): the key
/// under the rule to point at, the text there, and the problem; `None` when it is well-formed.
fn argument_rule_problem(
    rule_id: &str,
    rule: &crate::spec::ArgumentRule,
    of_check: bool,
) -> Option<(&'static str, &'static str, String)> {
    if rule.keys.is_empty() && rule.position.is_none() {
        return Some((
            "",
            "",
            format!("argument rule `{rule_id}` names no keys and no position"),
        ));
    }
    if rule.finding == FindingKind::BypassedStep {
        return Some((
            "finding",
            "bypassed-step",
            format!(
                "argument rule `{rule_id}`: an argument rule reports missing-check or added-privilege"
            ),
        ));
    }
    if of_check && (rule.calls.is_empty() || rule.calls.iter().any(|c| c.trim().is_empty())) {
        return Some((
            "calls",
            "",
            format!(
                "argument rule `{rule_id}` of a check names no `calls`: which of the check's calls take this argument?"
            ),
        ));
    }
    if let Some(call) = rule.call_positions.keys().find(|c| !rule.calls.contains(c)) {
        return Some((
            "call_positions",
            "",
            format!("argument rule `{rule_id}`: `call_positions` names `{call}`, which is not among its `calls`"),
        ));
    }
    if !of_check && !rule.calls.is_empty() {
        return Some((
            "calls",
            "",
            format!(
                "argument rule `{rule_id}`: `calls` belongs to a check's rules; an action's rules read the action's own call"
            ),
        ));
    }
    None
}

/// What is wrong with one matcher of a check, and the key to point at; `None` when it is
/// well-formed. Shared by spec files and the project config, which use the same matchers.
pub(crate) fn matcher_problem(m: &Matcher) -> Option<(&'static str, String)> {
    let kinds = [
        m.call.is_some(),
        m.verdict.is_some(),
        m.condition.is_some(),
        m.named.is_some(),
        m.verdict_words.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if kinds != 1 {
        return Some((
            "",
            "give exactly one of `call`, `verdict`, `condition`, `named`, `verdict_words`".into(),
        ));
    }
    if m.verdict_words
        .as_ref()
        .is_some_and(|groups| groups.is_empty() || groups.iter().any(Vec::is_empty))
    {
        return Some((
            "verdict_words",
            "`verdict_words` needs groups of words, none empty".into(),
        ));
    }
    if m.named.is_some() && m.given.is_empty() {
        return Some((
            "named",
            "a `named` matcher needs `given` values (what the guard is asked to allow)".into(),
        ));
    }
    if let Some(calls) = m.call.as_ref().or(m.verdict.as_ref()).or(m.named.as_ref()) {
        if calls.is_empty() || calls.iter().any(|s| s.trim().is_empty()) {
            return Some(("", "the call list is empty".into()));
        }
    }
    if !m.compares_computed_by.is_empty() && m.verdict.is_none() {
        return Some((
            "compares_computed_by",
            "`compares_computed_by` applies to `verdict` matchers only (what the verdict compares)"
                .into(),
        ));
    }
    if m.reads_result && m.verdict.is_none() {
        return Some((
            "reads_result",
            "`reads_result` applies to `verdict` matchers only (what the branch reads)".into(),
        ));
    }
    if m.trusted && m.call.is_none() {
        return Some((
            "trusted",
            "`trusted` applies to `call` matchers only (a guard vouched for by name)".into(),
        ));
    }
    if let Some(c) = &m.condition {
        if c.mentions.is_empty()
            && c.values.is_empty()
            && c.compares.is_empty()
            && c.looks_up.is_empty()
            && !c.presents_secret
        {
            return Some((
                "condition",
                "the condition matcher is empty (give `mentions`, `values`, `compares`, `looks_up` or `presents_secret`)".into(),
            ));
        }
        if !m.with.is_empty() {
            return Some((
                "with",
                "`with` applies to `call` and `verdict` matchers only".into(),
            ));
        }
    }
    None
}

fn non_empty_list(list: &[String], or_else: impl FnOnce() -> SpecError) -> Result<(), SpecError> {
    if list.is_empty() || list.iter().any(|s| s.trim().is_empty()) {
        Err(or_else())
    } else {
        Ok(())
    }
}

/// Finds the line and column of `needle` inside the YAML block reached by the key `path`, by
/// reading the text: serde does not keep positions of values it accepted. Falls back to the
/// deepest key found, then to the top of the file.
pub(crate) fn locate(text: &str, path: &[&str], needle: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let is_content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    // The block of the current key: lines (start, end) and the key's indent.
    let (mut start, mut end) = (0usize, lines.len());
    let mut parent_indent: Option<usize> = None;
    let mut found = (1usize, 1usize);
    for key in path {
        // Children are the content lines of the block with the smallest indent above the parent.
        let child_indent = lines[start..end]
            .iter()
            .filter(|l| is_content(l))
            .map(|l| indent_of(l))
            .filter(|i| parent_indent.map(|p| *i > p).unwrap_or(true))
            .min();
        let Some(child_indent) = child_indent else {
            return found;
        };
        let hit = (start..end).find(|&i| {
            let l = lines[i];
            is_content(l)
                && indent_of(l) == child_indent
                && l.trim_start()
                    .trim_start_matches("- ")
                    .starts_with(&format!("{key}:"))
        });
        let Some(i) = hit else { return found };
        found = (i + 1, child_indent + 1);
        let block_end = (i + 1..end)
            .find(|&j| is_content(lines[j]) && indent_of(lines[j]) <= child_indent)
            .unwrap_or(end);
        start = i;
        end = block_end;
        parent_indent = Some(child_indent);
    }
    if needle.is_empty() {
        return found;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == ':';
    for (i, line) in lines.iter().enumerate().take(end).skip(start) {
        for (col, _) in line.match_indices(needle) {
            let before = line[..col].chars().next_back();
            let after = line[col + needle.len()..].chars().next();
            if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                return (i + 1, col + 1);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TEXT: &str = "id: x\nactions:\n  a:\n    calls: [f]\n    waive:\n      - steps: [checks]\nchecks:\n  c:\n    protects: [a, b]\n";

    #[test]
    fn locate_follows_the_key_path_not_a_nested_namesake() {
        // `checks` appears inside `actions.a.waive` first; the top-level key is on line 7.
        assert_eq!(locate(TEXT, &["checks"], ""), (7, 1));
        assert_eq!(locate(TEXT, &["checks", "c", "protects"], "b"), (9, 19));
    }

    #[test]
    fn a_secret_result_names_checks_of_its_spec_and_only_then_can_be_waived() {
        let spec = |action: &str| {
            format!(
                "id: w\nprovider: workos\ntitle: t\ncontract: []\nactions:\n  a:\n    title: t\n    calls: [x.y]\n{action}checks:\n  c:\n    title: t\n    severity: high\n    protects: [a]\n    any_of:\n      - call: [z]\n"
            )
        };
        let secret = |unless: &str| {
            format!("    secret_result:\n      title: t\n      severity: high\n      fields: [token]\n      unless: [{unless}]\n")
        };
        let waiver = "    waive:\n      - note: n\n        steps: [secret_result]\n        when:\n          - argument: [email]\n            from: session\n";
        assert!(super::parse_workflow("w.yaml", &spec(&(secret("c") + waiver))).is_ok());
        let err = super::parse_workflow("w.yaml", &spec(&secret("nope"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("`secret_result.unless` names `nope`"),
            "{err}"
        );
        // Without a secret result there is nothing of that name to waive.
        let err = super::parse_workflow("w.yaml", &spec(waiver)).unwrap_err();
        assert!(err.to_string().contains("waives `secret_result`"), "{err}");
    }

    #[test]
    fn an_action_needs_calls_or_literals_and_companions_need_literals() {
        let spec = |action: &str| {
            format!(
                "id: w\nprovider: workos\ntitle: t\ncontract: []\nactions:\n  a:\n    title: t\n{action}"
            )
        };
        let err = super::parse_workflow("w.yaml", &spec("    calls: []\n")).unwrap_err();
        assert!(err.to_string().contains("no calls or literals"), "{err}");
        let companions = "    calls: [x.y]\n    companions:\n      c:\n        title: t\n        severity: medium\n        when: [a.b]\n        requires: [a.c]\n";
        let err = super::parse_workflow("w.yaml", &spec(companions)).unwrap_err();
        assert!(err.to_string().contains("companion `c` needs"), "{err}");
        let literals = "    literals: [\"a.*\"]\n    companions:\n      c:\n        title: t\n        severity: medium\n        when: [a.b]\n        requires: [a.c]\n";
        assert!(super::parse_workflow("w.yaml", &spec(literals)).is_ok());
        let empty = "    literals: [\"*\"]\n";
        let err = super::parse_workflow("w.yaml", &spec(empty)).unwrap_err();
        assert!(err.to_string().contains("empty literal"), "{err}");
    }

    #[test]
    fn reads_result_belongs_to_verdicts() {
        let verdict = crate::spec::Matcher {
            verdict: Some(vec!["apiKeys.createValidation".into()]),
            reads_result: true,
            ..Default::default()
        };
        assert!(super::matcher_problem(&verdict).is_none());
        let call = crate::spec::Matcher {
            call: Some(vec!["requireAuth".into()]),
            reads_result: true,
            ..Default::default()
        };
        let (key, problem) = super::matcher_problem(&call).unwrap();
        assert_eq!(key, "reads_result", "{problem}");
    }

    #[test]
    fn a_check_rule_names_its_calls_and_an_action_rule_does_not() {
        let spec = |action_rule: &str, check_rule: &str| {
            format!(
                "id: w\nprovider: workos\ntitle: t\ncontract: []\nactions:\n  a:\n    title: t\n    calls: [x.y]\n{action_rule}checks:\n  c:\n    title: t\n    severity: high\n    protects: [a]\n    any_of:\n      - call: [v.w]\n{check_rule}"
            )
        };
        let rule = |extra: &str| {
            format!("      r:\n        title: t\n        keys: [secret]\n        finding: missing-check\n        severity: high\n{extra}")
        };
        // Action and check fields sit at the same depth, so one rule text fits under either.
        let arguments = |extra: &str| format!("    arguments:\n{}", rule(extra));
        let parsed = |action_rule: &str, check_rule: &str| {
            super::parse_workflow("w.yaml", &spec(action_rule, check_rule)).map(|_| ())
        };
        let with_calls = arguments("        calls: [v.w]\n");
        assert!(parsed("", &with_calls).is_ok());
        let err = parsed("", &arguments("")).unwrap_err();
        assert!(err.to_string().contains("names no `calls`"), "{err}");
        let err = parsed(&with_calls, "").unwrap_err();
        assert!(
            err.to_string().contains("belongs to a check's rules"),
            "{err}"
        );
        let stray = arguments("        calls: [v.w]\n        call_positions: { z.q: 0 }\n");
        let err = parsed("", &stray).unwrap_err();
        assert!(
            err.to_string().contains("`z.q`, which is not among"),
            "{err}"
        );
    }

    #[test]
    fn action_calls_need_the_sdk_shape_not_just_the_method_name() {
        let calls = super::load_builtin().unwrap().action_calls();
        for sdk in [
            "workos.userManagement.sendInvitation",
            "this.provider.userManagement.createOrganizationMembership",
            "workos.widgets.getToken",
            "client.Widgets().CreateToken",
            "this.client.organizationDomains.create",
            "organization_domains.VerifyDomain",
            "workos.portal.generateLink",
        ] {
            assert!(calls.matches(sdk), "{sdk} is an SDK call");
        }
        for own in [
            "tokenStore.GetToken",
            "generateLink",
            "db.create",
            "client.VerifyDomain",
            "Organization.create_organization",
        ] {
            assert!(!calls.matches(own), "{own} is the application's own code");
        }
    }

    #[test]
    fn locate_matches_whole_words() {
        assert_eq!(locate(TEXT, &["checks", "c", "protects"], "a"), (9, 16));
    }
}
