//! The serde model of spec files. Every struct denies unknown fields so that a typo in a spec is
//! an error, not a silently ignored rule.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered: `low < medium < high`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The three kinds of drift idrift reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A required check is on no path to the action.
    MissingCheck,
    /// A check exists but some path reaches the action without passing it.
    BypassedStep,
    /// The action grants more than the spec allows.
    AddedPrivilege,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::MissingCheck => "missing-check",
            FindingKind::BypassedStep => "bypassed-step",
            FindingKind::AddedPrivilege => "added-privilege",
        }
    }
}

/// One identity workflow: the calls that anchor it and what must protect them.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    /// Workflow id used in every report (`invite`, `role-assign`, …).
    pub id: String,
    /// The identity provider whose API this workflow uses (`workos`).
    pub provider: String,
    /// One line a reviewer understands.
    pub title: String,
    /// Longer explanation, shown as help text.
    #[serde(default)]
    pub description: String,
    /// The provider's OpenAPI operationIds this spec is derived from.
    pub contract: Vec<String>,
    /// A workflow still being measured on public code: loaded only on request (`--preview`),
    /// like ruff's preview rules, until its findings are precise enough to report by default.
    #[serde(default)]
    pub preview: bool,
    /// API operations that anchor this workflow in code, by id.
    pub actions: BTreeMap<String, Action>,
    /// Steps that must protect the actions, by id.
    #[serde(default)]
    pub checks: BTreeMap<String, Check>,
    /// Calls that grant privilege; one of these inside an instance of this workflow that the
    /// workflow does not list as an action is an added privilege.
    #[serde(default)]
    pub privileged_operations: Vec<PrivilegedOperation>,
    /// Steps (check or argument-rule ids) that do not apply on a platform operator's route (an
    /// admin console route behind an admin guard, see the provider's `operator_routes`): an
    /// operator acts on any organization by design, so tenancy and self rules do not bind it.
    #[serde(default)]
    pub operator_exempt: Vec<String>,
}

/// An API operation of the workflow, matched by its SDK spellings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// What the call does, in a few words.
    pub title: String,
    /// SDK spellings of the call, matched against the end of the callee path as written
    /// (`userManagement.sendInvitation` matches `workos.userManagement.sendInvitation`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Literal values whose test in a branch is this action, with or without an SDK call: the
    /// event names a webhook handler dispatches on (`case "dsync.user.deleted":`), so a handler
    /// that never calls the SDK to verify is found too. A trailing `*` matches any rest
    /// (`dsync.*`). Only in files that name the provider (its `sdk_markers`).
    #[serde(default)]
    pub literals: Vec<String>,
    /// With `literals`: literals a workflow that tests some must test too, by step id (a
    /// handler of `dsync.user.created` that never handles `dsync.user.deleted` keeps
    /// deprovisioned users in).
    #[serde(default)]
    pub companions: BTreeMap<String, Companion>,
    /// The call belongs to this workflow only when an argument has one of these values.
    #[serde(default)]
    pub when: Option<ActionFilter>,
    /// Rules on the arguments that carry privilege, tenancy or identity, by step id.
    #[serde(default)]
    pub arguments: BTreeMap<String, ArgumentRule>,
    /// Steps this call does not need when conditions on its arguments hold: checks the provider
    /// enforces itself, or rules that do not apply (the creator of a new organization).
    #[serde(default)]
    pub waive: Vec<Waiver>,
    /// The call returns a secret for someone else (a password reset token, a magic code) that
    /// must stay on the server: its result reaching the HTTP response is a finding.
    #[serde(default)]
    pub secret_result: Option<SecretResult>,
    /// After the call the request sends the browser somewhere: the target must be fixed in code
    /// or allow-listed, never a URL the request chose (an open redirect after sign-in).
    #[serde(default)]
    pub redirect_after: Option<FollowingRule>,
    /// After the action, a local account matched by the email the action returned only once
    /// the provider says the address is verified (account linking by email).
    #[serde(default)]
    pub link_by_email: Option<FollowingRule>,
    /// After the call, what the request keeps for the caller's later requests (a session field,
    /// a cookie) under one of the rule's keys comes from the call's result, never from the
    /// request (the organization a sign-in returned).
    #[serde(default)]
    pub session_from_response: Option<KeptRule>,
    /// The call is not this action in a file that also makes one of these calls: a Magic Link
    /// app exchanges its passwordless code with the same SDK call as an SSO callback.
    #[serde(default)]
    pub not_in_files_calling: Vec<String>,
}

/// Literals that must be handled alongside others (see `Action::companions`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Companion {
    /// The rule as the expected state ("directory deletions are handled").
    pub title: String,
    pub severity: Severity,
    /// The rule applies when the workflow tests one of these literals (`*` globs at the end).
    pub when: Vec<String>,
    /// …and then it must test one of these too.
    pub requires: Vec<String>,
    #[serde(default)]
    pub help: String,
}

/// A rule about what the code does after an action (`Action::redirect_after`,
/// `Action::link_by_email`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowingRule {
    /// The rule as the expected state ("the post-sign-in redirect is fixed or allow-listed").
    pub title: String,
    pub severity: Severity,
    /// How to fix it.
    #[serde(default)]
    pub help: String,
}

/// What the session may hold after an action (see `Action::session_from_response`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeptRule {
    /// The rule as the expected state ("the organization kept is the one the sign-in returned").
    pub title: String,
    pub severity: Severity,
    /// The session keys or cookie names it is about, in the spellings applications use
    /// (`organizationId`, `org_id`).
    pub keys: Vec<String>,
    /// How to fix it.
    #[serde(default)]
    pub help: String,
}

/// What of an action's result must never reach the HTTP response (see `Action::secret_result`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretResult {
    /// The rule as the expected state ("the reset token stays on the server").
    pub title: String,
    pub severity: Severity,
    /// The result's fields that hold the secret (`passwordResetToken`, `code`), in every SDK's
    /// spelling; the whole result holds them too. Other fields (`id`, `expiresAt`) may be sent.
    pub fields: Vec<String>,
    /// Whether the whole result holds the secret (default): not where an older SDK's method of
    /// the same name returns something else (`reset_password` confirmed a reset and returned
    /// the user).
    #[serde(default = "yes")]
    pub whole_result: bool,
    /// Checks of the spec that, passed before the call, let the secret reach the response: the
    /// caller is someone it may be shown to (an invitation's accept link, to a member admin).
    #[serde(default)]
    pub unless: Vec<String>,
    /// How to fix it.
    #[serde(default)]
    pub help: String,
}

/// Restricts an action to calls whose argument has one of the given literal values.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionFilter {
    /// The argument's key spellings.
    pub argument: Vec<String>,
    /// Its position when passed positionally (0-based).
    #[serde(default)]
    pub position: Option<usize>,
    /// Literal values (string literals or enum members) that select this workflow. Absent: the
    /// argument's presence selects it.
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Whether a call whose argument is absent or not a literal belongs here too.
    #[serde(default)]
    pub otherwise: bool,
}

/// A rule on one argument of an action.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgumentRule {
    /// What the rule demands, phrased as the expected state ("organization id comes from the
    /// session").
    pub title: String,
    /// Key spellings across SDKs (`roleSlug`, `role_slug`, `RoleSlug`); searched in object
    /// literals, keyword arguments and struct literals at any depth.
    pub keys: Vec<String>,
    /// Position of the argument when passed positionally (0-based).
    #[serde(default)]
    pub position: Option<usize>,
    /// The finding reported when the rule is broken.
    pub finding: FindingKind,
    pub severity: Severity,
    /// The argument must be present.
    #[serde(default)]
    pub required: bool,
    /// Where the value must come from.
    #[serde(default)]
    pub from: Option<RequiredSource>,
    /// Literal values allowed without further checks. Absent: any literal is allowed.
    #[serde(default)]
    pub allow: Option<Vec<String>>,
    /// Literal values never allowed.
    #[serde(default)]
    pub forbid: Vec<String>,
    /// With `forbid`: the literal vouches for another argument of the call, named by these keys
    /// (`emailVerified: true` vouches that the sender owns `email`). The literal is reported
    /// only when that argument is request input that nothing checked first: no lookup given it
    /// together with another value of the request (the code the application mailed to the
    /// address) decides whether the request goes on.
    #[serde(default)]
    pub vouches_for: Vec<String>,
    /// With `allow`: words of literals that grant power over others (`admin`, `owner`). A
    /// literal outside `allow` that names none of them is one of the application's own roles
    /// (`broker`, `expert`): reported at low severity, to be reviewed, not gated on.
    #[serde(default)]
    pub privileged: Vec<String>,
    /// What to accept when the value comes from request input.
    #[serde(default)]
    pub request: RequestPolicy,
    /// Whether a hard-coded literal is acceptable (a fixed OAuth `state` is not).
    #[serde(default = "yes")]
    pub literal: bool,
    /// The value must have a part nobody can predict: one computed only from fixed text and
    /// request input (`btoa(JSON.stringify({ returnTo }))` as an OAuth `state`) is reported.
    #[serde(default)]
    pub random: bool,
    /// The value is a secret: a report names a literal of it only when it is empty, never its
    /// text (a hard-coded webhook secret must not be copied into CI logs).
    #[serde(default)]
    pub secret: bool,
    /// Only in a check's `arguments`: the calls whose argument this is (the SDK's webhook
    /// helpers for the secret they verify with). A check is made by several calls, some with
    /// no such argument; an action's rules read the action's own call.
    #[serde(default)]
    pub calls: Vec<String>,
    /// With `calls`: the argument's position for calls that pass it elsewhere than `position`
    /// (Go's `NewWebhookVerifier(secret)` takes first what Python's `verify_event` takes third).
    #[serde(default)]
    pub call_positions: BTreeMap<String, usize>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredSource {
    /// The verified session (access token claims, session middleware).
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestPolicy {
    /// Request input is acceptable.
    #[default]
    Allow,
    /// Request input is acceptable only behind an allow-list check that protects the call.
    AllowListed,
    /// Request input is never acceptable.
    Deny,
}

/// Steps an action does not need when every condition holds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Why the steps are not needed, for the reader of a snapshot or a report.
    pub note: String,
    /// Check ids (checks that protect this action) or argument-rule ids of this action.
    pub steps: Vec<String>,
    /// Conditions on the call's arguments; all must hold. Only positive evidence counts: an
    /// argument whose source is unknown does not satisfy a condition.
    pub when: Vec<WaiverCondition>,
    /// Lower the steps' findings to this severity instead of waiving them: the risk remains but
    /// something else bounds it (a widget token bound to the session user gets no more than that
    /// user's permissions, so scopes from the request are a least-privilege finding).
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// A condition on one argument: where its value must come from. With both `from` and
/// `from_call`, each possible value may satisfy either.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverCondition {
    /// The argument's key spellings.
    pub argument: Vec<String>,
    /// Its position when passed positionally (0-based).
    #[serde(default)]
    pub position: Option<usize>,
    /// The value comes from the verified session on every path.
    #[serde(default)]
    pub from: Option<RequiredSource>,
    /// The value is the result (or a field of the result) of one of these calls, on every path.
    #[serde(default)]
    pub from_call: Vec<String>,
    /// The argument is absent or one of these literals (`roleSlug` absent or `member`).
    #[serde(default)]
    pub absent_or: Vec<String>,
    /// The argument is absent or a literal that is none of these (`roleSlug` not `admin` or
    /// `owner`: a default role of the application's, whatever it calls it).
    #[serde(default)]
    pub not_among: Vec<String>,
    /// The argument's value comes from a lookup the request made with the session's value of
    /// one of these (`listOrganizationMemberships({ userId: session.user.id })`): the caller's
    /// own record.
    #[serde(default)]
    pub looked_up_with: Vec<String>,
    /// The opposite of `looked_up_with`: the argument is not known to be the caller's own record
    /// (a step that matters only when the caller acts on themselves, such as leaving an
    /// organization as its last admin, is waived for everyone else's).
    #[serde(default)]
    pub unless_looked_up_with: Vec<String>,
    /// The argument is written in the code as literals on every path: present, and neither
    /// computed nor request input (`scopes: ["widgets:sso:manage"]`).
    #[serde(default)]
    pub literal: bool,
    /// The argument is passed, whatever its value (a PKCE `codeVerifier`: a code exchanged with
    /// a verifier the attacker cannot know needs no `state` against login CSRF).
    #[serde(default)]
    pub present: bool,
}

/// A step that must protect one or more actions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub title: String,
    pub severity: Severity,
    /// Action ids this check protects.
    pub protects: Vec<String>,
    /// `before` (default): every path from the entry to the action passes the check.
    /// `after`: every path from the action to a normal exit passes the check (a result that
    /// must be validated before it is used). `tested`: as `after`, but either side of the check
    /// will do (the result is looked at, whatever the code then does with a failure).
    #[serde(default)]
    pub position: CheckPosition,
    /// Which roots the check is judged in: `requests` (default) for checks about the caller of
    /// a request, which mean nothing in a job or script; `all` for checks any code must make.
    #[serde(default)]
    pub applies_to: AppliesTo,
    /// Code that counts as this check; any one matcher is enough.
    pub any_of: Vec<Matcher>,
    /// Rules on the arguments of the calls that make the check, by step id, judged on every
    /// such call of an instance (the secret a webhook's signature is verified with comes from
    /// configuration: a verification keyed by a literal in the code, or by a value the request
    /// sent, proves nothing about the sender). Each rule names its `calls`.
    #[serde(default)]
    pub arguments: BTreeMap<String, ArgumentRule>,
    /// Advice shown with a finding: how to fix it.
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CheckPosition {
    #[default]
    Before,
    After,
    /// Every path from the action to a normal exit passes the check, on either side: what the
    /// action returned is looked at before the request goes on. Weaker than `after`, for a
    /// result a helper may hand back empty to a caller that falls back to other credentials.
    Tested,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AppliesTo {
    /// Request entries only: the check is about who is calling.
    #[default]
    Requests,
    /// Request entries and non-request roots (jobs, scripts, consumers).
    All,
}

/// One way a check can appear in code. Exactly one of `call`, `verdict`, `condition`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// A guard call that throws, redirects or rejects when the check fails
    /// (`requireAuth()`, `withAuth({ ensureSignedIn: true })`). Matched like action calls.
    #[serde(default)]
    pub call: Option<Vec<String>>,
    /// A call that returns the check's verdict (`hasPermission()`, `getUser()`); the check is a
    /// branch on its result that stops the request when it fails.
    #[serde(default)]
    pub verdict: Option<Vec<String>>,
    /// A branch whose condition mentions these names and values.
    #[serde(default)]
    pub condition: Option<ConditionMatcher>,
    /// With `call` or `verdict`: literal arguments the call must have. A dotted key names a
    /// property of an object argument (`middlewareAuth.enabled: true`).
    #[serde(default)]
    pub with: BTreeMap<String, Scalar>,
    /// A guard the application names in its own words: a call whose name has one of these
    /// words (`createAuthorizedAction`, `require_scope`, `checkRbac`) and that is given one of
    /// `given` literal values (`["admin"]`, `"members.write"`). It counts when it can refuse (its
    /// code throws or denies) or when its code is not in the scanned files.
    #[serde(default)]
    pub named: Option<Vec<String>>,
    /// With `named`: literal values (`*` globs, case-insensitive) one of which the call is given.
    #[serde(default)]
    pub given: Vec<String>,
    /// A verdict the application names in its own words: a call whose name has a word of every
    /// group (`[[can, allowed, is, has], [manage, admin, invite]]` takes `isMemberManageAllowed`,
    /// `canActorAssignRole`, `isOrgAdminOrOwner`), tested by a branch that refuses on one side,
    /// or a guard of that name that can refuse.
    #[serde(default)]
    pub verdict_words: Option<Vec<Vec<String>>>,
    /// With `call`: the guard counts by its name even where idrift reads its code and sees no
    /// refusal (middleware a team vouches for, whose refusal idrift cannot follow). Without it, a
    /// followed helper counts only when it can refuse.
    #[serde(default)]
    pub trusted: bool,
    /// With `verdict`: it counts only when what it compares was computed by a call with one of
    /// these words in its name (`[hmac]`: `createHmac(…).digest()`, `hmac.new(…).hexdigest()`,
    /// Go's `hmac.New` then `Sum`, `OpenSSL::HMAC.hexdigest`). A constant-time comparison of
    /// anything else (a header with fixed text, two values the request sent) proves no sender.
    #[serde(default)]
    pub compares_computed_by: Vec<String>,
    /// With `verdict`: the branch reads what the call returned, not only the error it reported
    /// (a name with the word `err` or `error`). An API that answers a failed check with an
    /// empty result and no error (an API key validation) is not checked by `if err != nil`.
    #[serde(default)]
    pub reads_result: bool,
    /// With `call`: it counts only when it is given the request's credentials: a cookie or the
    /// `Authorization` header (a session token verified with the server's key), not a token the
    /// client sends for something else (an invitation or CSRF token in the body or a header of
    /// its own).
    #[serde(default)]
    pub given_credentials: bool,
}

/// A branch condition; all given lists must match (any element of each).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionMatcher {
    /// Identifiers or property names, matched by words: `role` matches `user.role`,
    /// `userRole` and `role_slug`; `isAdmin` matches `isAdmin` and `is_admin`.
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Literal values the condition compares with (`admin`, `widgets:users-table:manage`).
    #[serde(default)]
    pub values: Vec<String>,
    /// An equality comparison (`==`, `!=`, `===`, `!==`) of two non-literal values, one of which
    /// mentions one of these names: `membership.organizationId !== organizationId`.
    #[serde(default)]
    pub compares: Vec<String>,
    /// With `compares`: the value compared with must come from the verified session (or be
    /// request input already compared equal to the session's). A membership's organization
    /// compared with an organization id the caller sent proves nothing.
    #[serde(default)]
    pub against: Option<RequiredSource>,
    /// With `compares`: the other side is the signed-in caller's own value from the session,
    /// wherever the named side came from: the target user compared with the caller
    /// (`if targetID == user.ID`, `if (memberId === session.user.id)`).
    #[serde(default)]
    pub with_caller: bool,
    /// With `with_caller`: the check is that the two differ (the target is not the caller). A
    /// guard that leaves when they differ (`if (token.userId !== user.id) return false`) binds
    /// something to the caller instead, and does not count.
    #[serde(default)]
    pub differs: bool,
    /// A branch on what a lookup returned, where the lookup was given a value named like one of
    /// these: `const org = await db.organization.findFirst({ workOsId: profile.organizationId });
    /// if (!org) throw …` checks the profile's organization against the ones the app knows.
    #[serde(default)]
    pub looks_up: Vec<String>,
    /// The branch counts only when one of its sides refuses the request on a way of its own
    /// (throws, returns an error response, denies): for words every handler uses (`user`),
    /// where a condition that merely reads the user is no check.
    #[serde(default)]
    pub refuses: bool,
    /// The branch tests the caller, not what the caller sent: it does not count when everything
    /// it reads is request input (`if role not in ("member", "admin")` is an allow-list of the
    /// requested role, not a permission of the caller's).
    #[serde(default)]
    pub about_caller: bool,
    /// An equality comparison of request input with a secret the deployment holds: an
    /// environment or configuration value, a module constant, or what a helper named for one
    /// returns, named for a key, secret, token or password (`if (req.header("x-api-key") !==
    /// process.env.ADMIN_API_KEY) return 401`). The caller proves it holds the operator's key;
    /// a header compared with a setting that is no secret (`STAFF_EMAILS`) proves nothing.
    #[serde(default)]
    pub presents_secret: bool,
}

/// A privileged call outside the workflow's own actions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivilegedOperation {
    /// SDK spellings, matched like action calls.
    pub calls: Vec<String>,
    /// What it grants.
    pub grants: String,
    pub severity: Severity,
}

/// Provider-wide facts: where session context comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub provider: String,
    #[serde(default)]
    pub description: String,
    pub session: SessionSources,
    /// Receiver names of the provider's SDK (`userManagement`, `sso`). A call through one of them
    /// is an API operation and never counts as an application-side check or session source,
    /// unless the matcher's spelling names the namespace itself (`authorization.check`).
    #[serde(default)]
    pub sdk_namespaces: Vec<String>,
    /// Text a file that uses the SDK contains (its package or module name, `workos`). An action
    /// whose anchor is an accessor call (Go's `client.Organizations().Create`: applications
    /// have `Organizations()` accessors of their own) anchors a file only together with one of
    /// these.
    #[serde(default)]
    pub sdk_markers: Vec<String>,
    /// Hosts of the provider's REST API (`api.workos.com`). A hand-written HTTP call whose URL
    /// names one (or is built on a base whose name holds an `sdk_markers` word,
    /// `WORKOS_API_URL`) is read as the SDK call of the operation its method and path reach in
    /// `contract.yaml`.
    #[serde(default)]
    pub api_hosts: Vec<String>,
    /// Calls that authenticate a request as sent by a service rather than a user (webhook
    /// signature checks: `webhooks.constructEvent`, `verifySignature`). A request that passes one
    /// before an action is the service acting: the checks about a signed-in caller do not
    /// apply to it, and what its signed body says is the service's word, not a user's input.
    #[serde(default)]
    pub signed_request_checks: Vec<String>,
    /// What tells a platform operator's route (a back-office console) from a tenant's.
    #[serde(default)]
    pub operator_routes: Option<OperatorRoutes>,
}

/// A route is an operator's when its path or file has one of `path_segments` and a guard the
/// framework runs before it has one of `guard_words` in its name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorRoutes {
    /// Path or folder segments of back-office routes (`admin` in `/api/admin/orgs`).
    pub path_segments: Vec<String>,
    /// Words of an operator guard's name (`admin` in `requireGlobalAdmin`).
    pub guard_words: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionSources {
    /// Calls whose result is verified session context (`withAuth`, `getUser`).
    pub calls: Vec<String>,
    /// Members of the request object that session middleware fills (`req.user`, `req.session`).
    #[serde(default)]
    pub request_members: Vec<String>,
    /// Module-level names that hold the verified session (Flask-Login's `current_user`,
    /// Flask's `g.user`).
    #[serde(default)]
    pub globals: Vec<String>,
    /// Calls that verify a signed token with the server's key (jose's `jwtVerify`): what they
    /// return is the session when they are given the request's credentials (a cookie, the
    /// `Authorization` header), and data the server once signed, not the caller's, otherwise.
    #[serde(default)]
    pub token_verifiers: Vec<String>,
}

/// A literal value in a matcher (`ensureSignedIn: true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl Scalar {
    /// The value as source code would spell it as a literal.
    pub fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }
}
