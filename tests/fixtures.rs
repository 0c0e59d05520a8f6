//! Every drift case of the core issue, correct and drifted, as small TypeScript/JavaScript
//! projects under tests/fixtures/ts/. Each case asserts the exact set of findings (kind,
//! workflow, step) a user would get, and snapshots the rendered report and the extracted CFGs.

use std::collections::BTreeSet;
use std::path::Path;

use idrift::cfg::render;
use idrift::report::text;
use idrift::{analyse, spec, ScanOptions};

type Expected = &'static [(&'static str, &'static str, &'static str)];

const CASES: &[(&str, Expected)] = &[
    // Correct code: checks in the handler, in an imported helper, in Express middleware.
    ("invite-correct", &[]),
    ("invite-helper-guard", &[]),
    // The route reaches its helpers through a `tsconfig.json` path alias (`@shared/*`, declared
    // in the base configuration the app's extends): the guard and the SDK wrapper are the
    // repository's own code, not packages.
    ("invite-alias-helper-correct", &[]),
    (
        "invite-alias-helper-drifted",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    ("invite-middleware-correct", &[]),
    ("role-assign-correct", &[]),
    // A membership deleted with axios against the REST API, by the id in the URL (a path
    // parameter of the operation). The application's own API under the same paths is not the
    // provider's: see the unit test of `parse::rest_calls`.
    (
        "member-remove-rest-axios",
        &[
            ("missing-check", "member-remove", "membership_in_caller_org"),
            ("missing-check", "member-remove", "not_self"),
            ("missing-check", "member-remove", "sessions_revoked"),
        ],
    ),
    // A role only required (`if (!role) return 400`) is not allow-listed; one checked against
    // the slugs the organization defines (listed at run time, tested by a predicate written in
    // place: `roles.some((r) => r.slug === role)`) is; a predicate that never looks at the role
    // is not.
    (
        "role-assign-presence-check-only",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    ("role-assign-organization-roles", &[]),
    (
        "role-assign-predicate-ignores-role",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    // An invitation looked up in the application's own table with the session's organization
    // bound into the query (`db.prepare(sql).bind(id, organizationId).first()`); and by the id
    // alone.
    ("member-remove-invitation-sql-scoped", &[]),
    (
        "member-remove-invitation-sql-unscoped",
        &[("missing-check", "member-remove", "membership_in_caller_org")],
    ),
    ("domain-verify-correct", &[]),
    ("sso-portal-correct", &[]),
    ("sso-login-correct", &[]),
    ("widget-token-correct", &[]),
    // One token with every manage scope, bound to the session user: WorkOS caps it to the
    // user's own permissions.
    ("widget-token-all-scopes", &[]),
    // Bound to the session user, for an organization the request picks: WorkOS grants only the
    // user's own permissions there, none where the user is no member.
    ("widget-token-bound-other-organization", &[]),
    // A helper that reports failure by returning a response the handler returns.
    ("invite-returned-guard", &[]),
    // The caller's organization from the session or, for older sessions, from the caller's own
    // membership list: a same-organization check against it counts. Drifted: the list is of
    // whichever user the query names.
    ("role-assign-org-from-own-memberships", &[]),
    (
        "role-assign-org-from-others-memberships",
        &[("missing-check", "role-assign", "membership_in_caller_org")],
    ),
    // A session the app keeps itself: a token it signed, read from a cookie or the
    // `Authorization` header and verified (jose's `jwtVerify`, jsonwebtoken's `jwt.verify`); its
    // claims are the caller's. Drifted: the token comes in the body, where any token the server
    // ever signed can be sent; nothing authenticates the caller.
    ("invite-jwt-cookie-session", &[]),
    (
        "invite-jwt-body-token",
        &[
            ("missing-check", "invite", "authenticated"),
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
    ),
    // A self-check that holds for one action only (`action === "deactivate" && self`): the
    // request's other actions pass it, but the deactivation runs only for the action it tested.
    // Drifted: "suspend" deactivates too, and the check never tests it.
    ("member-remove-deactivate-by-action-correct", &[]),
    (
        "member-remove-deactivate-by-action-untested-action",
        &[("bypassed-step", "member-remove", "not_self")],
    ),
    // Drifted the other way: the deactivation runs for every action but one (`action !==
    // "reactivate"`), so an action the check never named reaches it.
    (
        "member-remove-deactivate-by-action-inverted",
        &[("bypassed-step", "member-remove", "not_self")],
    ),
    // The state checked by a helper of the application's named for it (`validateOAuthState`,
    // which looks the state up and consumes it), refused on its verdict. Drifted: the verdict is
    // only logged.
    ("authkit-callback-state-helper", &[]),
    (
        "authkit-callback-state-helper-ignored",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    // A helper of the application's named `upsert…` that inserts by the WorkOS id and updates on
    // a conflict of that id: judged by its body, it matches no account by email.
    ("authkit-callback-upsert-by-id", &[]),
    // The reset in a service module, and nothing revokes the old sessions after it: the finding
    // is at the call in the service, and its path shows that call before going on to the end.
    (
        "account-recovery-reset-in-service",
        &[("missing-check", "account-recovery", "sessions_revoked")],
    ),
    // The creator of a new organization becomes its admin.
    ("role-assign-new-organization", &[]),
    // Drizzle finds the account with a predicate it is handed (`where(eq(accounts.email,
    // user.email))`): the returned email looks the account up, unless `emailVerified` was tested.
    (
        "authkit-callback-link-drizzle-unverified",
        &[("missing-check", "authkit-callback", "link_by_email")],
    ),
    ("authkit-callback-link-drizzle-verified", &[]),
    // The page kept in a cookie at sign-in (read with Next's `cookies()` in a helper), sent
    // with a `Location` header written by hand; checked, the helper falls back to `/`.
    (
        "authkit-callback-redirect-cookie-location",
        &[("added-privilege", "authkit-callback", "redirect_after")],
    ),
    ("authkit-callback-redirect-cookie-location-checked", &[]),
    // The sign-in's user handed to a helper that finds the account by its email (after a
    // schema's `parseAsync`): the helper is read for what it does with the result.
    (
        "authkit-callback-link-in-helper",
        &[("missing-check", "authkit-callback", "link_by_email")],
    ),
    ("authkit-callback-link-in-helper-verified", &[]),
    // A public sign-up creates the organization and invites its founder as admin: no existing
    // organization's access is at stake, and nobody is signed in yet.
    ("invite-new-organization", &[]),
    // A sign-in callback's `onSuccess` (AuthKit's `authLoader`, written as an option) runs only
    // for the user who just signed in: their personal organization is made there.
    ("role-assign-callback-on-success", &[]),
    // Leaving: the caller's own membership picked from the organization's list by the session's
    // user id (`memberships.data.find((m) => m.userId === user.id)`) is theirs to remove.
    ("member-remove-leave-found-in-list", &[]),
    // A removal inside a callback handed as an option to an in-repo lock helper
    // (`runSerialized({ mutation: async () => … })`) is the route's, and is judged there.
    (
        "member-remove-in-locked-callback",
        &[("missing-check", "member-remove", "can_manage_members")],
    ),
    // The same, behind an application class's `create` the handler calls on an object of
    // unnamed class; and a public billing route calling `stripe.billingPortal.sessions.create`
    // on the client the stripe package built, which is Stripe's `create`, not the class's.
    ("role-assign-package-client-method", &[]),
    // tRPC procedures with middleware chains, a provider class behind an imported instance.
    ("trpc-correct", &[]),
    // The same helper, but the handler never looks at its verdict.
    (
        "invite-returned-guard-ignored",
        &[
            ("bypassed-step", "invite", "authenticated"),
            ("bypassed-step", "invite", "can_manage_members"),
        ],
    ),
    // A new organization whose admin is a user named in the request, with no authentication.
    (
        "role-assign-new-organization-other-user",
        // The new organization's first member may be anyone: no existing organization's access
        // is at stake. What is wrong is that anyone may call it.
        &[("missing-check", "role-assign", "authenticated")],
    ),
    // A tRPC procedure whose admin middleware was dropped: no permission check, and the
    // membership's organization is now compared only with an organization id the caller sent.
    (
        "trpc-missing-admin",
        &[
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "membership_in_caller_org"),
        ],
    ),
    // The caller's organization id is checked, but not the membership's (unkey 060a0ae).
    (
        "trpc-input-org-only",
        &[("missing-check", "role-assign", "membership_in_caller_org")],
    ),
    // The same invite procedure with an input schema that accepts any role.
    (
        "trpc-invite-any-role",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    // Route bodies parsed by a schema that restricts the role to fixed values: an imported zod
    // schema through `safeParse` + `.data`, a valibot `picklist` inside `optional`, an inline
    // yup `oneOf`. Each is the allow-list the spec demands.
    ("invite-role-typed", &[]),
    ("invite-valibot-picklist", &[]),
    ("invite-yup-oneof", &[]),
    // The same zod route whose schema accepts any string as the role.
    (
        "invite-role-typed-any",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    // A check that is absent.
    (
        "invite-missing-permission",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    // A check behind a flag.
    (
        "invite-check-behind-flag",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // OAuth states that encode request input with a random nonce, or hex-encode a buffer
    // `crypto.getRandomValues` filled: unpredictable, no `random_state`.
    ("authkit-login-random-state-encoded", &[]),
    // A check and the call under tests of the same value: only ways through that agree on it.
    ("invite-check-under-same-test", &[]),
    (
        "invite-check-under-other-test",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // A check whose failing branch only logs.
    (
        "invite-check-only-logs",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // A server action whose `'use server'` follows a header comment: its parameters are
    // client input.
    (
        "server-action-after-header",
        &[("missing-check", "invite", "organization_from_session")],
    ),
    // A check after the call.
    (
        "invite-check-after-call",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // The same, with the call inside the branch that allows it (the check's true side).
    (
        "invite-input-bypass-true-side",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // A helper of the same file asks for the permission only after the call (to label an audit
    // entry): the check is missing, not misplaced, since it was never meant to guard the call.
    (
        "invite-check-in-later-helper",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    // The permission check also passes on a flag the client sends (`|| body.internal`).
    (
        "invite-check-input-bypass",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // An early branch that reaches the call before the check.
    (
        "invite-early-branch",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // try { check } catch { log }.
    (
        "invite-try-catch-swallow",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // The permission asked only when a role is given, of an invitation sent either way: without
    // a role anyone invites (the role's own allow-list does not gate the call).
    (
        "invite-role-only-checked-when-given",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // Checks asked only when a role is given, of a role change made only when one is: the
    // request's `!role` lets it past the checks, but then nothing changes (correct).
    ("role-assign-check-when-role-given", &[]),
    // A validator handed the role with the roles it may take (`validateEnum(role, [...])`),
    // and the request refused on its answer; then one whose answer is only logged.
    ("role-assign-validator-helper", &[]),
    // A lookup table of the assignable roles (`if (!ASSIGNABLE_ROLES[role]) return 400`).
    ("role-assign-allow-map", &[]),
    (
        "role-assign-validator-ignored",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    // An async guard called without `await`, and one whose refusal a `.catch()` that only
    // logs swallows: each reads as protected, and neither stops the request.
    (
        "invite-guard-not-awaited",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-guard-promise-swallowed",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // A role literal outside the allow-list.
    (
        "invite-role-literal-admin",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    // An organization id built from request input by concatenation is request input.
    (
        "invite-org-built-from-request",
        &[("missing-check", "invite", "organization_from_session")],
    ),
    // The same literal through a module-level constant with an ordinary name.
    (
        "invite-role-from-module-constant",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    // A role from the request without an allow-list check.
    (
        "invite-role-from-request",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    // An organization id from the request.
    (
        "invite-org-from-request",
        &[("missing-check", "invite", "organization_from_session")],
    ),
    // A privileged call the workflow does not contain (which is also an unprotected role change).
    (
        "invite-extra-privileged-call",
        &[
            // The membership change is an action of role-assign and judged by its rules there,
            // not reported again as a privilege the invite flow added.
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("missing-check", "role-assign", "not_self"),
        ],
    ),
    // An id-only membership change with no ownership check (nor, without the membership,
    // any way to tell whether the caller is changing their own role).
    (
        "role-assign-id-only",
        &[
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("missing-check", "role-assign", "not_self"),
        ],
    ),
    // A domain written as verified.
    (
        "domain-verify-verified-state",
        &[("added-privilege", "domain-verify", "domain_not_verified")],
    ),
    // An SSO callback that never compares state; a login started without state.
    (
        "sso-callback-no-state",
        &[("missing-check", "sso-setup", "state_verified")],
    ),
    // A helper without the permission check, reached on two ways: one finding.
    (
        "invite-helper-called-twice",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    // Removing members and invitations: an admin route that fetches and compares, revokes the
    // removed member's sessions; a "leave organization" route on the caller's own membership.
    ("member-remove-correct", &[]),
    (
        "member-remove-missing-permission",
        &[("missing-check", "member-remove", "can_manage_members")],
    ),
    // An invitation revoked by the id the client sent, and a removal that leaves the member
    // signed in.
    (
        "member-remove-other-org",
        &[
            ("missing-check", "member-remove", "membership_in_caller_org"),
            ("missing-check", "member-remove", "sessions_revoked"),
        ],
    ),
    // PKCE: the SDK's helper makes the random state itself, so the login passes no `state`;
    // the callback must still compare it (PKCE does not stop login CSRF).
    ("sso-login-pkce-correct", &[]),
    (
        "sso-callback-pkce-no-state",
        &[("missing-check", "sso-setup", "state_verified")],
    ),
    (
        "sso-login-no-state",
        &[("missing-check", "sso-setup", "random_state")],
    ),
    // An organization looked up by the slug in the URL (h3): the request named it. The return
    // URL built from `useRuntimeConfig(event)` is the deployment's, not the request's.
    (
        "sso-portal-org-by-slug",
        &[("missing-check", "sso-setup", "organization_from_session")],
    ),
    // An Admin Portal intent taken from the request.
    (
        "sso-portal-intent-from-request",
        &[("added-privilege", "sso-setup", "intent_literal")],
    ),
    // A widget token without userId (so WorkOS does not cut its scopes down to the user's
    // permissions, and the missing app-side permission check matters).
    (
        "widget-token-no-user",
        &[
            ("added-privilege", "invite", "token_bound_to_user"),
            ("missing-check", "invite", "can_manage_members"),
        ],
    ),
    (
        "widget-token-scopes-from-request",
        &[("added-privilege", "invite", "scopes_literal")],
    ),
    // A hard-coded role of the application's own (`broker`): low, to review; one naming admin
    // stays high (see the test on severities).
    (
        "role-assign-app-role",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    (
        "role-assign-admin-literal",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    // A caller redeems a single-use code for their own upgrade: the code is the grant (the
    // app's own role stays a low finding to review); looked up but never refused, it is none.
    (
        "role-assign-redeem-code",
        &[("added-privilege", "role-assign", "role_allowed")],
    ),
    (
        "role-assign-redeem-code-unchecked",
        &[
            ("added-privilege", "role-assign", "role_allowed"),
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "not_self"),
        ],
    ),
    // Checks that must follow the call (`position: after`): the profile's organization check
    // that only logs lets a profile of another organization sign in; a callback whose failed
    // exchange ends on an error page (a `catch`) signs nobody in from that path.
    (
        "sso-callback-org-check-logs",
        &[("bypassed-step", "sso-setup", "profile_organization_checked")],
    ),
    ("sso-callback-error-page", &[]),
    // The organization check refuses by redirecting to the login page: a normal end, but on a
    // way of its own, which signs nobody in.
    ("sso-callback-org-check-redirects", &[]),
    // A switch chooses the intent: the SSO case makes it the SSO workflow and the Dsync case
    // the directory-sync one, and neither permission is checked (each case's value reaches the
    // call, not only the last case's). One link, one instance: admin-portal, also sso-setup.
    (
        "sso-portal-intent-switch",
        &[
            ("missing-check", "admin-portal", "can_manage_directory_sync"),
            ("missing-check", "sso-setup", "can_manage_sso"),
        ],
    ),
    // An intent written as an SDK enum member (Node >= 9 `GenerateLinkIntent.DomainVerification`)
    // is that intent: the link belongs to the domain workflow and its check is missing.
    (
        "domain-portal-enum-intent",
        &[("missing-check", "domain-verify", "can_manage_domains")],
    ),
    // The same token bound to no user: every manage scope, for anyone signed in. One token is
    // one drift (reported once, under the first workflow that judges it), and each widget's
    // capability is unchecked.
    (
        "widget-token-all-scopes-no-user",
        &[
            ("added-privilege", "domain-verify", "token_bound_to_user"),
            ("missing-check", "domain-verify", "can_manage_domains"),
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "sso-setup", "can_manage_sso"),
        ],
    ),
    (
        "widget-token-multi-scope-no-user",
        &[
            ("added-privilege", "admin-portal", "token_bound_to_user"),
            ("missing-check", "admin-portal", "can_manage_api_keys"),
            ("missing-check", "invite", "can_manage_members"),
        ],
    ),
    // Scopes from the request on a token bound to no user: high (see the severity test); bound
    // to the session user (widget-token-scopes-from-request) WorkOS cuts them to the user's
    // permissions: medium.
    (
        "widget-token-scopes-from-request-unbound",
        &[
            ("added-privilege", "invite", "scopes_literal"),
            ("added-privilege", "invite", "token_bound_to_user"),
            ("missing-check", "invite", "can_manage_members"),
        ],
    ),
    // An SDK scope constant (`WidgetSessionTokenScopes.WidgetsApiKeysManage`) is the scope.
    (
        "widget-token-api-keys-no-permission",
        &[
            ("added-privilege", "admin-portal", "token_bound_to_user"),
            ("missing-check", "admin-portal", "can_manage_api_keys"),
        ],
    ),
    // A sign-in started with PKCE and exchanged with the verifier kept for this browser needs no
    // state comparison (workflow authkit-callback).
    ("authkit-callback-pkce", &[]),
    // A state that is a redirect target when there is one and empty otherwise binds nothing; the
    // message says it is empty on some path (not that it is the literal "null").
    // A state written out as `undefined`: always empty.
    (
        "authkit-login-state-undefined",
        &[("missing-check", "authkit-callback", "random_state")],
    ),
    (
        "authkit-login-state-sometimes-empty",
        &[("missing-check", "authkit-callback", "random_state")],
    ),
    // A directory-sync handler that provisions users and never handles their deletion.
    (
        "webhook-no-deprovisioning",
        &[("missing-check", "webhook-events", "deprovisioning_handled")],
    ),
    // An update that never reads the directory user's state keeps suspended users in (low:
    // an environment may have WorkOS delete them instead); one that tests `"inactive"` does not.
    (
        "webhook-ignores-suspension",
        &[("missing-check", "webhook-events", "inactive_handled")],
    ),
    ("webhook-handles-suspension", &[]),
    // Events pulled from the Events API with the application's key are no webhook: nothing to
    // verify.
    ("webhook-events-api-poller", &[]),
    // A table of handlers by event name (`handlers[event.event](event)`) is a dispatch like a
    // switch: found without verification (the table at module level), and correct with it (a
    // local table).
    (
        "webhook-handler-map-unverified",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
    ("webhook-handler-map-verified", &[]),
    // After sign-in, the application's own account is matched by the returned email: only
    // once `user.emailVerified` says the address is proven (workflow authkit-callback).
    (
        "authkit-callback-link-unverified",
        &[("missing-check", "authkit-callback", "link_by_email")],
    ),
    ("authkit-callback-link-verified", &[]),
    // The organization the link named is kept only once the user just signed in was found a
    // member of it (a membership lookup with the returned user's id, refused when empty).
    ("authkit-callback-org-checked-membership", &[]),
    // The pages router's `getServerSideProps` is the request's entry: a callback there keeps the
    // organization the link named in a `Set-Cookie` header (`serialize("org_id", …)`), or the
    // one WorkOS returned.
    (
        "authkit-callback-pages-router-org-from-query",
        &[(
            "added-privilege",
            "authkit-callback",
            "session_from_response",
        )],
    ),
    ("authkit-callback-pages-router-correct", &[]),
    // A member leaving the organization (their own membership, looked up with the session's
    // user id) while its only admin, and the same route refusing while no other admin remains.
    (
        "member-remove-leave-last-admin",
        &[("missing-check", "member-remove", "not_last_admin")],
    ),
    ("member-remove-leave-checked", &[]),
    // A guard that returns the caller's team or the response to send (`{ ok: false, response }`
    // or `{ ok: true, organizationId }`), told apart by the route: the team read from the
    // result is the session's, and the fetched membership is compared with it; and the same
    // guard returning the team the query names.
    ("member-remove-guard-result", &[]),
    (
        "member-remove-guard-result-request-org",
        &[("missing-check", "member-remove", "membership_in_caller_org")],
    ),
    // An edge handler that checks the HMAC itself with Web Crypto (`crypto.subtle.verify`).
    ("webhook-verified-web-crypto", &[]),
    // …and one whose imported key falls back to text in the code.
    (
        "webhook-web-crypto-secret-fallback",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    // A hand-rolled constant-time comparison (`mismatch |= a[i] ^ b[i]`) refused on a
    // difference; and the same comparison whose difference is only logged.
    ("webhook-verified-xor-compare", &[]),
    (
        "webhook-xor-compare-fails-open",
        &[("bypassed-step", "webhook-events", "signature_verified")],
    ),
    // A secret with an empty fallback (a module constant `process.env.SECRET || ""`) that the
    // handler refuses to run without before verifying: the fallback never reaches the check.
    ("webhook-secret-fallback-refused", &[]),
    // …refused only in production: outside it the empty fallback reaches the verification.
    (
        "webhook-secret-refused-in-production-only",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    // …the same with the test nested inside the production branch: it is on some paths only.
    (
        "webhook-secret-refused-in-production-only-nested",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    // The secret read from a configuration object kept in another file (`ENV.WEBHOOK_SECRET`,
    // `export const ENV = { WEBHOOK_SECRET: process.env.WEBHOOK_SECRET || "" }`): the empty
    // fallback is found there; with no fallback, the secret is the deployment's.
    (
        "webhook-secret-config-object",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    ("webhook-secret-config-object-required", &[]),
    // An API key validation taken to throw for a bad key (WorkOS answers `{ apiKey: null }`,
    // no error); and a helper that tests the answer and hands `null` back to a caller that
    // falls back to the session (what it then does is the caller's policy).
    (
        "api-keys-validation-only-catches",
        &[("missing-check", "api-keys", "key_tested")],
    ),
    ("api-keys-validation-helper-falls-back", &[]),
    // A webhook verified with a secret the caller may send (a "test mode" header): anyone signs
    // their own events.
    (
        "webhook-secret-from-request",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    // A verified webhook whose organization comes from the URL, which the signature does not
    // cover (the provider acting is no user, but tenancy still binds it).
    (
        "webhook-org-from-query",
        &[("missing-check", "role-assign", "organization_from_session")],
    ),
    // A confirmed password reset that leaves the sessions of the old password open (low), and
    // one that lists and revokes them.
    (
        "password-reset-confirm-keeps-sessions",
        &[("missing-check", "account-recovery", "sessions_revoked")],
    ),
    ("password-reset-confirm-revokes-sessions", &[]),
    // A server action's return value goes to the browser: a Magic Auth code in it signs anyone
    // in as anyone (preview workflow account-recovery).
    (
        "magic-auth-code-returned",
        &[("added-privilege", "account-recovery", "secret_result")],
    ),
    // A verifier sent only on some sign-ins (`...(native && { codeVerifier })`) binds only those.
    (
        "authkit-callback-pkce-sometimes",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    // A server action declared by the directive inside an exported arrow function is one entry
    // (it was found twice, so each finding was reported twice).
    (
        "server-action-inline-directive",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    // An API key deleted by id without looking at whose it is (preview workflow api-keys).
    (
        "api-keys-delete-unchecked",
        &[("missing-check", "api-keys", "key_in_caller_org")],
    ),
    // Admin Portal links for the other intents, each judged by the permission of its own
    // capability; literal IT contacts are the application's choice.
    ("admin-portal-correct", &[]),
    (
        "admin-portal-intents-unchecked",
        &[
            (
                "missing-check",
                "admin-portal",
                "can_manage_encryption_keys",
            ),
            ("missing-check", "sso-setup", "can_manage_sso"),
        ],
    ),
];

fn fixture(case: &str) -> std::path::PathBuf {
    fixture_in("ts", case)
}

fn fixture_in(language: &str, case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(language)
        .join(case)
}

/// The languages whose frontends exist; each has every case of [`PARITY`].
const LANGUAGES: &[&str] = &["ts", "py", "go", "rb", "rs"];

/// Request input parsed into a type or schema that restricts the role to fixed values, and the
/// same input whose type accepts any string, in every language with the idiom: zod (ts),
/// pydantic `Literal` (py), gin's `binding:"oneof=…"` (go), a serde enum (rs). Ruby has none:
/// strong parameters restrict keys, not values.
const TYPED_LANGUAGES: &[&str] = &["ts", "py", "go", "rs"];
const TYPED_PARITY: &[(&str, Expected)] = &[
    ("invite-role-typed", &[]),
    (
        "invite-role-typed-any",
        &[("added-privilege", "invite", "role_allowed")],
    ),
];

/// An async guard called without `await`: in TypeScript its throw rejects a promise nobody
/// waits for, in Python the coroutine never runs. Go and Ruby have no such calls, and Rust's
/// compiler demands `.await` before a guard's `?`.
const ASYNC_LANGUAGES: &[&str] = &["ts", "py"];
const ASYNC_PARITY: &[(&str, Expected)] = &[(
    "invite-guard-not-awaited",
    &[("bypassed-step", "invite", "can_manage_members")],
)];

/// Each parity table with the languages that write all of its cases.
type Cases = &'static [(&'static str, Expected)];
/// SDKs whose organization update names the organization `id` (workos-python >= 6,
/// workos-ruby >= 7).
const ID_KEY_LANGUAGES: &[&str] = &["py", "rb"];
const ID_KEY_PARITY: &[(&str, Expected)] = &[
    ("domain-verify-org-update-correct", &[]),
    (
        "domain-verify-org-update-from-request",
        &[(
            "missing-check",
            "domain-verify",
            "organization_from_session",
        )],
    ),
];

/// Python's own idioms: FastAPI fills a handler parameter from the query string (`next: str =
/// "/dashboard"`), a target the request chose; Starlette keeps the sign-in `state` in
/// `request.session`, which the server wrote (no state computed from request input); a blocking
/// call runs on a worker thread; SQLAlchemy filters by an equality.
const PYTHON_LANGUAGES: &[&str] = &["py"];
const PYTHON_PARITY: &[(&str, Expected)] = &[
    (
        "authkit-callback-next-parameter",
        &[("added-privilege", "authkit-callback", "redirect_after")],
    ),
    // The blocking SDK call handed by name to `asyncio.to_thread(_exchange, code)`: it runs
    // as part of the request, so the route reaches it (and compares no state).
    (
        "authkit-callback-exchange-in-thread",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    // SQLAlchemy finds the account with an equality it is handed
    // (`select(Account).where(Account.email == auth.user.email)`): a lookup by the returned
    // email, taken over unless `email_verified` was tested.
    (
        "authkit-callback-link-sqlalchemy-unverified",
        &[("missing-check", "authkit-callback", "link_by_email")],
    ),
    ("authkit-callback-link-sqlalchemy-verified", &[]),
    // A PKCE verifier passed by keyword binds the exchange; one written as `None` does not.
    ("authkit-callback-pkce-verifier-kept", &[]),
    (
        "authkit-callback-pkce-verifier-empty",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
];

/// A module of the application's own named like the SDK's namespace (Python `from
/// app.business import user_management`, TypeScript `import * as userManagement`): its
/// `update_user` is a database write, not WorkOS's. The signed-in caller's own WorkOS update
/// beside it is the one instance.
const OWN_MODULE_LANGUAGES: &[&str] = &["ts", "py"];
const OWN_MODULE_PARITY: &[(&str, Expected)] = &[("user-update-own-module", &[])];

/// The preview workflow member-remove, in the languages written so far.
const MEMBER_REMOVE_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const MEMBER_REMOVE_PARITY: &[(&str, Expected)] = &[
    ("member-remove-correct", &[]),
    (
        "member-remove-missing-permission",
        &[("missing-check", "member-remove", "can_manage_members")],
    ),
    // Invitations carry their token and accept link: a member admin sees them whole, every
    // member sees a projection without them, an invitee sees the ones sent to their own address.
    ("member-remove-invitations-list-correct", &[]),
    // Listed for the organization the request names and sent whole to a caller nobody checked.
    (
        "member-remove-invitations-list-leaked",
        &[
            ("added-privilege", "member-remove", "secret_result"),
            (
                "missing-check",
                "member-remove",
                "invitations_of_caller_org",
            ),
        ],
    ),
];

/// Admin Portal links for intents other than SSO and domains, written with each SDK's enum
/// constant (Node `GenerateLinkIntent.AuditLogs`, Python `GenerateLinkIntent.AUDIT_LOGS`, Go
/// `workos.GenerateLinkIntentAuditLogs`, Ruby `WorkOS::Types::Intent::AUDIT_LOGS`).
const ADMIN_PORTAL_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const ADMIN_PORTAL_PARITY: &[(&str, Expected)] = &[
    ("admin-portal-correct", &[]),
    (
        "admin-portal-drifted",
        &[
            ("added-privilege", "admin-portal", "return_url_fixed"),
            ("missing-check", "admin-portal", "can_manage_audit_logs"),
            ("missing-check", "admin-portal", "organization_from_session"),
        ],
    ),
];

/// The preview workflow api-keys: an organization key created for the organization and with
/// the permissions the request names, by a caller never checked. (The validation whose null key
/// nothing tests is written in the fixtures but not judged yet: see api-keys.yaml.)
const API_KEYS_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const API_KEYS_PARITY: &[(&str, Expected)] = &[
    ("api-keys-correct", &[]),
    (
        "api-keys-drifted",
        &[
            ("added-privilege", "api-keys", "permissions_allowed"),
            ("missing-check", "api-keys", "can_manage_api_keys"),
            // The validation's answer read (or, in Go, only its `err`) but never tested.
            ("missing-check", "api-keys", "key_tested"),
            ("missing-check", "api-keys", "organization_from_session"),
        ],
    ),
];

/// The workflow authkit-callback: a sign-in callback that exchanges any code (login
/// CSRF), and one that compares the returned `state` with the one it kept (read by key:
/// `request.args.get("state")`, Go's `r.URL.Query().Get("state")`). After sign-in the correct
/// one goes back to a page the request named only when it passes an allow-list (a path test, a
/// `safe_next` helper, a list of pages, each falling back to a fixed page); the open redirect
/// sends the browser wherever the query says, or wherever a path test that `//evil.example`
/// passes, or a configured origin without its closing `/`, lets through. Text that starts with a configured address and a path
/// (`${LOGIN_URL}/continue?next=…`) stays on that address whatever fills its query.
const AUTHKIT_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const AUTHKIT_PARITY: &[(&str, Expected)] = &[
    ("authkit-callback-correct", &[]),
    // Standalone Connect: the application tells AuthKit who signed in (`completeOAuth2`). The
    // user must be the session's; one the request names (a body field, Rails' `params[:user]`,
    // form values) gets anyone tokens for anyone.
    ("authkit-connect-complete-correct", &[]),
    (
        "authkit-connect-complete-drifted",
        &[("missing-check", "authkit-callback", "user_from_session")],
    ),
    (
        "authkit-callback-no-state",
        // The state only encodes the request's `returnTo`: nothing random, and nothing compares.
        &[
            ("missing-check", "authkit-callback", "random_state"),
            ("missing-check", "authkit-callback", "state_verified"),
        ],
    ),
    (
        "authkit-callback-open-redirect",
        &[("added-privilege", "authkit-callback", "redirect_after")],
    ),
    // A path test that `//evil.example` passes is no allow-list.
    (
        "authkit-callback-prefix-only",
        &[("added-privilege", "authkit-callback", "redirect_after")],
    ),
    // The configured sign-in domain's page, the request's values only in its query.
    ("authkit-callback-fixed-origin", &[]),
    // A configured origin as the prefix (`startsWith(process.env.APP_URL)`): a longer host or
    // credentials (`https://app.example@evil.example`) pass unless the value ends with `/`;
    // closed by `/` (`${APP_URL}/`), only its own pages do.
    (
        "authkit-callback-configured-prefix",
        &[("added-privilege", "authkit-callback", "redirect_after")],
    ),
    ("authkit-callback-configured-prefix-path", &[]),
    // The browser keeps only a digest of the state (`sha256(state).hexdigest()`, Node's
    // `createHash(…).update(state).digest("hex")`, Go's `sha256.Sum256`, `Digest::SHA256`), and
    // the callback compares the digest of the returned state with it; its drifted twin digests
    // the code instead, so nothing compares the state.
    ("authkit-callback-hashed-state", &[]),
    (
        "authkit-callback-hashed-other-value",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    // After the exchange, the organization kept for later requests (a cookie, a session field)
    // is the one the request named, or the one WorkOS signed the user in to.
    (
        "authkit-callback-org-from-request",
        &[(
            "added-privilege",
            "authkit-callback",
            "session_from_response",
        )],
    ),
    ("authkit-callback-org-from-response", &[]),
];

/// The workflow webhook-events: a handler that acts on WorkOS event names without
/// verifying the signature, or whose failed verification is only logged, or whose constant-time
/// comparison compares nothing the server computed.
const WEBHOOK_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const WEBHOOK_PARITY: &[(&str, Expected)] = &[
    ("webhook-correct", &[]),
    (
        "webhook-unverified",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
    (
        "webhook-verify-fails-open",
        &[("bypassed-step", "webhook-events", "signature_verified")],
    ),
    // The same unverified handler with the event names in constants of its file
    // (`event.event === USER_CREATED`, Go's `case eventUserCreated:`, a Ruby class constant).
    (
        "webhook-unverified-event-constants",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
    // The application's own check: an HMAC of the body it computed with its secret, compared in
    // constant time (`timingSafeEqual`, `compare_digest`, `hmac.Equal`, `secure_compare`); and a
    // constant-time comparison of the header with another value the request sent.
    ("webhook-hmac-compared", &[]),
    (
        "webhook-compares-request-values",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
    // The same two in a helper named in other words that returns the comparison's verdict
    // (`return timingSafeEqual(a, b)`, Go's `return hmac.Equal(…)`, a Ruby method's last line),
    // tested by its caller: `if (!sigOk(…)) return 401`.
    ("webhook-hmac-helper", &[]),
    (
        "webhook-helper-compares-request-values",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
    // The verification's secret falls back to text in the code where the variable is unset
    // (`?? ""`, `os.environ.get(…, "")`, `ENV.fetch(…, "")`, Go's `if secret == "" { secret =
    // "…" }`): an empty secret anyone can sign with, or one everyone with the code has.
    (
        "webhook-secret-fallback",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
    // The application's own HMAC keyed with text in the code (a module constant, a literal
    // converted to bytes, a development fallback): anyone with the code signs events.
    (
        "webhook-hmac-literal-key",
        &[("missing-check", "webhook-events", "secret_configured")],
    ),
];

/// The preview workflow account-recovery: a password reset whose URL is emailed, and one whose
/// URL is put in the response (Go >= 7 and Python >= 6 spell the creation `ResetPassword` /
/// `reset_password`); a signup whose `emailVerified` comes from the request.
const ACCOUNT_RECOVERY_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const ACCOUNT_RECOVERY_PARITY: &[(&str, Expected)] = &[
    ("account-recovery-correct", &[]),
    (
        "account-recovery-token-in-response",
        &[("added-privilege", "account-recovery", "secret_result")],
    ),
    // A pending email verification read back: its code in the response lets anyone verify an
    // address they do not own; its address and expiry may be shown (Ruby reads both by calling
    // attribute methods, which are fields, not the whole record).
    (
        "email-verification-code-returned",
        &[("added-privilege", "account-recovery", "secret_result")],
    ),
    ("email-verification-status", &[]),
    // A signup that leaves the address unverified, and one that takes `emailVerified` from the
    // request body.
    ("user-signup-correct", &[]),
    (
        "user-signup-email-verified-from-input",
        &[(
            "added-privilege",
            "account-recovery",
            "email_verified_not_from_input",
        )],
    ),
    // A signup that marks the form's address verified with nobody having proved they own it, and
    // one that does so only once the code the application mailed to the address came back.
    (
        "user-signup-verified-unproven",
        &[(
            "added-privilege",
            "account-recovery",
            "email_verified_proven",
        )],
    ),
    ("user-signup-verified-by-code", &[]),
    // A lookup of the address alone (is it taken?) proves nothing about who sent it.
    (
        "user-signup-verified-taken-check",
        &[(
            "added-privilege",
            "account-recovery",
            "email_verified_proven",
        )],
    ),
    // `updateUser` goes by id across the environment: the session user's own profile, an admin
    // editing a member found in the caller's organization, any user by id, and an admin
    // editing users of other organizations.
    ("user-update-correct", &[]),
    (
        "user-update-any-user",
        &[
            ("missing-check", "account-recovery", "may_update_user"),
            ("missing-check", "account-recovery", "user_in_caller_org"),
        ],
    ),
    (
        "user-update-other-organization",
        &[("missing-check", "account-recovery", "user_in_caller_org")],
    ),
];

/// The preview workflow member-remove's invitation acceptance: accepted only when the
/// invitation's email is the signed-in user's (`toLowerCase()`, Python `.lower()`, Ruby
/// `casecmp?`, Go `strings.EqualFold`), or for any invitation id the request names.
const INVITATION_ACCEPT_LANGUAGES: &[&str] = &["ts", "py", "go", "rb"];
const INVITATION_ACCEPT_PARITY: &[(&str, Expected)] = &[
    ("invitation-accept-correct", &[]),
    (
        "invitation-accept-unchecked",
        &[("missing-check", "member-remove", "invitee_is_caller")],
    ),
    // The caller's own record read again by the session's id, both addresses through a
    // normalising helper (unkey's `normalizeEmail`); and the same helper over an address the
    // form sent, which proves nothing about the caller.
    ("invitation-accept-own-record", &[]),
    (
        "invitation-accept-request-email",
        &[("missing-check", "member-remove", "invitee_is_caller")],
    ),
];

/// A method called on what a repository function returns (Go `archive.New(db).DeleteMembership`,
/// TypeScript `openArchive(pool).deleteMembership`) is the method defined beside that function,
/// not a same-named WorkOS wrapper elsewhere: the application's own archive query is no member
/// removal. (Python's route of the same shape names nothing the prefilter reads, so it is never
/// parsed and cannot show the difference.)
const OWN_STORE_LANGUAGES: &[&str] = &["ts", "go"];
const OWN_STORE_PARITY: &[(&str, Expected)] = &[("member-remove-own-store", &[])];

/// A method called on a fresh instance of the application's class (Ruby's
/// `WorkosAuthService.new.exchange_code(code)`, Python's `WorkosAuthService().exchange_code(code)`)
/// is that class's method: the route reaches the exchange inside it.
/// Ruby calls a method of the class without parentheses (`payload = webhook_event`): a bare name
/// the method never binds is that call, so the verification inside it counts; and the same
/// helper that only parses the body.
const BARE_CALL_LANGUAGES: &[&str] = &["rb"];
const BARE_CALL_PARITY: &[(&str, Expected)] = &[
    ("webhook-verified-in-bare-method", &[]),
    (
        "webhook-bare-method-unverified",
        &[("missing-check", "webhook-events", "signature_verified")],
    ),
];

const FRESH_INSTANCE_LANGUAGES: &[&str] = &["py", "rb"];
const FRESH_INSTANCE_PARITY: &[(&str, Expected)] = &[(
    "authkit-callback-service-instance",
    &[("missing-check", "authkit-callback", "state_verified")],
)];

/// The SDK method kept in a local before it is called (Python's `authenticate =
/// client.user_management.authenticate_with_code`, TypeScript's `.bind(workos.userManagement)`):
/// calling the local is the exchange, so the callback is found and its state check counts.
const METHOD_REFERENCE_LANGUAGES: &[&str] = &["py", "ts"];
const METHOD_REFERENCE_PARITY: &[(&str, Expected)] = &[
    (
        "authkit-callback-method-reference",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    ("authkit-callback-method-reference-checked", &[]),
];

/// Email changes (`send_email_change`, `confirm_email_change`; Python >= 6, Go and Ruby >= 7, no
/// Node call): the caller picks the new address and reads its code, so for another user's id the
/// account becomes theirs. Judged like `updateUser`: the session user's own id, or a caller who
/// may manage users of their organization. (Each drifted fixture has both calls; the report
/// snapshots show both judged.)
const EMAIL_CHANGE_LANGUAGES: &[&str] = &["py", "go", "rb"];
const EMAIL_CHANGE_PARITY: &[(&str, Expected)] = &[
    ("email-change-own", &[]),
    (
        "email-change-any-user",
        &[
            ("missing-check", "account-recovery", "may_update_user"),
            ("missing-check", "account-recovery", "user_in_caller_org"),
        ],
    ),
];

/// Go: the SDK's client behind an interface of the application that mirrors it
/// (`um UserManagement`, whose `AuthenticateWithCode` takes `usermanagement.AuthenticateWithCodeOpts`),
/// so that tests can pass a mock: a call through the field that passes the package's own options
/// for that method is the SDK's (crewlinker/clgo's shape, where idrift had found no workflow).
const SDK_INTERFACE_LANGUAGES: &[&str] = &["go"];
const SDK_INTERFACE_PARITY: &[(&str, Expected)] = &[
    (
        "authkit-callback-sdk-interface",
        &[("missing-check", "authkit-callback", "state_verified")],
    ),
    ("authkit-callback-sdk-interface-checked", &[]),
];

/// The sign-in's user handed to a helper of the application's that finds the account by its
/// email: read there for what it does with the result (a Python helper with keyword arguments,
/// its verified twin testing a parameter that holds `email_verified`).
const LINK_HELPER_LANGUAGES: &[&str] = &["ts", "py"];
const LINK_HELPER_PARITY: &[(&str, Expected)] = &[
    (
        "authkit-callback-link-in-helper",
        &[("missing-check", "authkit-callback", "link_by_email")],
    ),
    ("authkit-callback-link-in-helper-verified", &[]),
];

/// Several members removed in one request: a membership of another organization or the
/// caller's own is skipped with `continue`, which the next item's own checks do not undo. The
/// drifted case has no self-check, only a CSRF guard that refuses a token issued to anyone but
/// the caller: a comparison with the caller's id that requires equality is no self-check. A
/// self-check that wraps the removal (`if (m.userId !== user.id) { log; remove } else { skip }`)
/// passes on its true side, against the usual reading of `!==`: the skipped item loops back to
/// the removal only through the check again.
const BULK_LANGUAGES: &[&str] = &["ts", "py"];
const BULK_PARITY: &[(&str, Expected)] = &[
    ("member-remove-bulk-correct", &[]),
    ("member-remove-bulk-self-check-around", &[]),
    (
        "member-remove-bulk-no-self-check",
        &[("missing-check", "member-remove", "not_self")],
    ),
];

/// An operation called through the REST API by hand (`fetch`, `requests.post`) rather than the
/// SDK: read as the SDK call, judged by the same rules.
const REST_LANGUAGES: &[&str] = &["ts", "py", "go"];
const REST_PARITY: &[(&str, Expected)] = &[
    ("invite-rest-correct", &[]),
    (
        "invite-rest-drifted",
        &[
            ("added-privilege", "invite", "role_allowed"),
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
    ),
];

/// A sign-in by hand against `/user_management/authenticate` with another grant than the code
/// exchange (here Magic Auth, told apart by `grant_type`) is that SDK sign-in: the user it
/// returns is the caller, whose own account may be updated; a user named in the form may not.
const REST_SIGN_IN_LANGUAGES: &[&str] = &["ts", "py"];
const REST_SIGN_IN_PARITY: &[(&str, Expected)] = &[
    ("account-recovery-rest-sign-in-own-user", &[]),
    (
        "account-recovery-rest-sign-in-other-user",
        &[
            ("missing-check", "account-recovery", "may_update_user"),
            ("missing-check", "account-recovery", "user_in_caller_org"),
        ],
    ),
];

const PARITY_TABLES: &[(&[&str], Cases)] = &[
    (REST_LANGUAGES, REST_PARITY),
    (REST_SIGN_IN_LANGUAGES, REST_SIGN_IN_PARITY),
    (BULK_LANGUAGES, BULK_PARITY),
    (LINK_HELPER_LANGUAGES, LINK_HELPER_PARITY),
    (LANGUAGES, PARITY),
    (TYPED_LANGUAGES, TYPED_PARITY),
    (ASYNC_LANGUAGES, ASYNC_PARITY),
    (ID_KEY_LANGUAGES, ID_KEY_PARITY),
    (PYTHON_LANGUAGES, PYTHON_PARITY),
    (MEMBER_REMOVE_LANGUAGES, MEMBER_REMOVE_PARITY),
    (OWN_MODULE_LANGUAGES, OWN_MODULE_PARITY),
    (ADMIN_PORTAL_LANGUAGES, ADMIN_PORTAL_PARITY),
    (API_KEYS_LANGUAGES, API_KEYS_PARITY),
    (AUTHKIT_LANGUAGES, AUTHKIT_PARITY),
    (WEBHOOK_LANGUAGES, WEBHOOK_PARITY),
    (ACCOUNT_RECOVERY_LANGUAGES, ACCOUNT_RECOVERY_PARITY),
    (INVITATION_ACCEPT_LANGUAGES, INVITATION_ACCEPT_PARITY),
    (OWN_STORE_LANGUAGES, OWN_STORE_PARITY),
    (FRESH_INSTANCE_LANGUAGES, FRESH_INSTANCE_PARITY),
    (BARE_CALL_LANGUAGES, BARE_CALL_PARITY),
    (METHOD_REFERENCE_LANGUAGES, METHOD_REFERENCE_PARITY),
    (EMAIL_CHANGE_LANGUAGES, EMAIL_CHANGE_PARITY),
    (SDK_INTERFACE_LANGUAGES, SDK_INTERFACE_PARITY),
];

/// The logical cases of the core issue, written in every language. A privileged-call step is
/// compared as `privileged` (its suffix is the SDK spelling, which differs by language).
const PARITY: &[(&str, Expected)] = &[
    ("invite-correct", &[]),
    ("invite-helper-guard", &[]),
    ("invite-middleware-correct", &[]),
    (
        "invite-missing-permission",
        &[("missing-check", "invite", "can_manage_members")],
    ),
    (
        "invite-check-behind-flag",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-check-only-logs",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    // The check under `if (send)`, the call under `if (send && email)`: the path that skips the
    // check cannot reach the call. Its twin sends under `if (email)`, which that path can.
    ("invite-check-under-same-test", &[]),
    (
        "invite-check-under-other-test",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-check-after-call",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-check-input-bypass",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-early-branch",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-try-catch-swallow",
        &[("bypassed-step", "invite", "can_manage_members")],
    ),
    (
        "invite-role-literal-admin",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    (
        "invite-role-from-request",
        &[("added-privilege", "invite", "role_allowed")],
    ),
    (
        "invite-org-from-request",
        &[("missing-check", "invite", "organization_from_session")],
    ),
    (
        "role-assign-id-only",
        &[
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("missing-check", "role-assign", "not_self"),
        ],
    ),
    (
        "invite-extra-privileged-call",
        &[
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("missing-check", "role-assign", "not_self"),
        ],
    ),
    (
        "domain-verify-verified-state",
        &[("added-privilege", "domain-verify", "domain_not_verified")],
    ),
    (
        "sso-callback-no-state",
        &[("missing-check", "sso-setup", "state_verified")],
    ),
    (
        "widget-token-no-user",
        &[
            ("added-privilege", "invite", "token_bound_to_user"),
            ("missing-check", "invite", "can_manage_members"),
        ],
    ),
];

fn finding_set(analysis: &idrift::Analysis) -> BTreeSet<(String, String, String)> {
    analysis
        .report
        .findings
        .iter()
        .map(|f| {
            let step = if f.step.starts_with("privileged:") {
                "privileged".to_string()
            } else {
                f.step.clone()
            };
            (f.kind.as_str().to_string(), f.workflow.clone(), step)
        })
        .collect()
}

#[test]
fn every_language_reports_the_same_findings_for_the_same_case() {
    let specs = spec::load_builtin().expect("built-in specs load");
    let mut failures = Vec::new();
    for (languages, cases) in PARITY_TABLES {
        for (language, (case, expected)) in languages
            .iter()
            .flat_map(|l| cases.iter().map(move |c| (l, c)))
        {
            let dir = fixture_in(language, case);
            if !dir.is_dir() {
                failures.push(format!("{language}/{case}: fixture missing"));
                continue;
            }
            let analysis = analyse(&dir, &specs, &ScanOptions::default()).expect("scan runs");
            if analysis.report.workflows.is_empty() {
                failures.push(format!("{language}/{case}: no workflow instance found"));
            }
            if !analysis.report.unscanned.is_empty() {
                failures.push(format!(
                    "{language}/{case}: unscanned {:?}",
                    analysis.report.unscanned
                ));
            }
            let got = finding_set(&analysis);
            let want: BTreeSet<(String, String, String)> = expected
                .iter()
                .map(|(k, w, s)| (k.to_string(), w.to_string(), s.to_string()))
                .collect();
            if got != want {
                failures.push(format!(
                    "{language}/{case}:\n  expected {want:?}\n  got      {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_reports_exactly_its_expected_findings() {
    let specs = spec::load_builtin().expect("built-in specs load");
    let mut failures = Vec::new();
    for (case, expected) in CASES {
        let analysis = analyse(&fixture(case), &specs, &ScanOptions::default()).expect("scan runs");
        assert!(
            !analysis.report.workflows.is_empty(),
            "{case}: no workflow instance found"
        );
        assert!(
            analysis.report.unscanned.is_empty(),
            "{case}: unexpected unscanned files {:?}",
            analysis.report.unscanned
        );
        let got: BTreeSet<(String, String, String)> = analysis
            .report
            .findings
            .iter()
            .map(|f| {
                (
                    f.kind.as_str().to_string(),
                    f.workflow.clone(),
                    f.step.clone(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String)> = expected
            .iter()
            .map(|(k, w, s)| (k.to_string(), w.to_string(), s.to_string()))
            .collect();
        if got != want {
            failures.push(format!("{case}:\n  expected {want:?}\n  got      {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_finding_has_a_location_and_a_witness_path_ending_at_it() {
    let specs = spec::load_builtin().unwrap();
    for (case, _) in CASES {
        let analysis = analyse(&fixture(case), &specs, &ScanOptions::default()).unwrap();
        // Code reached on several ways is in the graph several times: reported once.
        let mut seen = BTreeSet::new();
        for f in &analysis.report.findings {
            assert!(
                seen.insert((&f.fingerprint, &f.file, f.line, f.column)),
                "{case}: {} reported twice",
                f.fingerprint
            );
            assert!(
                f.line > 0 && !f.file.is_empty(),
                "{case}: finding without location"
            );
            let first = f.path.first().expect("witness path");
            assert!(
                first.label.starts_with("entry "),
                "{case}: path starts at the entry: {:?}",
                f.path
            );
            assert!(
                f.path.iter().any(|s| s.file == f.file && s.line == f.line),
                "{case}: the path reaches the finding's line: {:?}",
                f.path
            );
            assert_eq!(f.fingerprint.len(), 16);
        }
    }
}

#[test]
fn fingerprints_do_not_change_when_unrelated_lines_move() {
    let specs = spec::load_builtin().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(
        fixture("invite-missing-permission").join("app/api/invite/route.ts"),
    )
    .unwrap();
    let target = dir.path().join("app/api/invite");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("route.ts"), &src).unwrap();
    let before = analyse(dir.path(), &specs, &ScanOptions::default()).unwrap();
    std::fs::write(
        target.join("route.ts"),
        format!("// a comment\n\n// another\n{src}"),
    )
    .unwrap();
    let after = analyse(dir.path(), &specs, &ScanOptions::default()).unwrap();
    assert_eq!(before.report.findings.len(), 1);
    assert_eq!(
        before.report.findings[0].line + 3,
        after.report.findings[0].line
    );
    assert_eq!(
        before.report.findings[0].fingerprint,
        after.report.findings[0].fingerprint
    );
}

/// The severity of the one finding of `step` in TypeScript fixture `case`.
fn severity_of(case: &str, step: &str) -> String {
    let specs = spec::load_builtin().unwrap();
    let analysis = analyse(&fixture(case), &specs, &ScanOptions::default()).unwrap();
    let f: Vec<_> = analysis
        .report
        .findings
        .iter()
        .filter(|f| f.step == step)
        .collect();
    assert_eq!(f.len(), 1, "{case}: one {step} finding");
    f[0].severity.as_str().to_string()
}

/// A role literal naming a privileged word (`org-admin`) gates at high severity; one of the
/// application's own roles (`broker`) is reported low, so a gate on high/medium passes it.
#[test]
fn a_hard_coded_role_is_high_only_when_it_names_a_privileged_role() {
    assert_eq!(severity_of("role-assign-app-role", "role_allowed"), "low");
    assert_eq!(
        severity_of("role-assign-admin-literal", "role_allowed"),
        "high"
    );
}

/// Widget scopes taken from the request are high on a token bound to no user (the caller picks
/// what it may do) and medium on one bound to the session user (WorkOS cuts the scopes down to
/// that user's permissions: least privilege, not escalation).
#[test]
fn request_scopes_are_high_unbound_and_medium_bound() {
    let severity = |case: &str| severity_of(case, "scopes_literal");
    assert_eq!(severity("widget-token-scopes-from-request-unbound"), "high");
    assert_eq!(severity("widget-token-scopes-from-request"), "medium");
}

/// A token several workflows judge (one per widget scope) is one workflow instance in the
/// report, naming the others in `also`, with one finding per step.
#[test]
fn a_token_with_several_widgets_scopes_is_one_instance() {
    let specs = spec::load_builtin().unwrap();
    let analysis = analyse(
        &fixture("widget-token-multi-scope-no-user"),
        &specs,
        &ScanOptions::default(),
    )
    .unwrap();
    let workflows = &analysis.report.workflows;
    assert_eq!(workflows.len(), 1, "{workflows:?}");
    let mut all: Vec<&str> = workflows[0].also.iter().map(String::as_str).collect();
    all.push(&workflows[0].id);
    all.sort();
    assert_eq!(all, ["admin-portal", "invite"]);
    let bound: Vec<_> = analysis
        .report
        .findings
        .iter()
        .filter(|f| f.step == "token_bound_to_user")
        .collect();
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].workflow, workflows[0].id);
}

/// Rendered findings and extracted CFGs, reviewed by hand when they change.
#[test]
fn snapshots_of_reports_and_graphs() {
    let specs = spec::load_builtin().unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (case, _) in CASES {
            let analysis = analyse(&fixture(case), &specs, &ScanOptions::default()).unwrap();
            let rendered = text::render(&analysis.report, &|f| {
                analysis.source(f).map(str::to_string)
            });
            insta::assert_snapshot!(format!("ts__{case}__report"), rendered);
            let mut graphs = String::new();
            let mut seen = BTreeSet::new();
            for inst in &analysis.instances {
                let key = (
                    inst.entry.file.clone(),
                    inst.entry.line,
                    inst.entry.function.clone(),
                );
                if !seen.insert(key) {
                    continue;
                }
                graphs.push_str(&format!(
                    "%% {}:{} {}\n",
                    inst.entry.file, inst.entry.line, inst.entry.function
                ));
                graphs.push_str(&render::mermaid(&inst.cfg, &[]));
            }
            insta::assert_snapshot!(format!("ts__{case}__cfg"), graphs);
        }
        for (languages, cases) in PARITY_TABLES {
            for (language, (case, _)) in languages
                .iter()
                .filter(|l| **l != "ts")
                .flat_map(|l| cases.iter().map(move |c| (l, c)))
            {
                let analysis =
                    analyse(&fixture_in(language, case), &specs, &ScanOptions::default()).unwrap();
                let rendered = text::render(&analysis.report, &|f| {
                    analysis.source(f).map(str::to_string)
                });
                insta::assert_snapshot!(format!("{language}__{case}__report"), rendered);
                let mut graphs = String::new();
                for inst in &analysis.instances {
                    graphs.push_str(&format!(
                        "%% {} {}:{} {}\n",
                        inst.workflow, inst.entry.file, inst.entry.line, inst.entry.function
                    ));
                    graphs.push_str(&render::mermaid(&inst.cfg, &[]));
                }
                insta::assert_snapshot!(format!("{language}__{case}__cfg"), graphs);
            }
        }
    });
}

/// Every fixture directory of every language, and the bundled example.
fn every_fixture() -> Vec<std::path::PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![base.join("examples/acme-admin")];
    for lang in LANGUAGES {
        for case in std::fs::read_dir(base.join("tests/fixtures").join(lang)).unwrap() {
            out.push(case.unwrap().path());
        }
    }
    out.sort();
    out
}

#[test]
fn messages_agree_with_their_paths() {
    use idrift::cfg::{query, NodeKind};
    use petgraph::visit::EdgeRef;
    let specs = spec::load_builtin().unwrap();
    let mut failures = Vec::new();
    let mut bypassed = 0;
    for dir in every_fixture() {
        let analysis = analyse(&dir, &specs, &ScanOptions::default()).unwrap();
        for f in &analysis.report.findings {
            let here = format!(
                "{}: {}/{} at {}:{}",
                dir.display(),
                f.workflow,
                f.step,
                f.file,
                f.line
            );
            let Some(inst) = analysis.instances.iter().find(|i| {
                i.workflow == f.workflow
                    && i.entry.file == f.entry_file
                    && i.entry.function == f.function
                    && f.witness
                        .iter()
                        .all(|n| n.index() < i.cfg.graph.node_count())
            }) else {
                failures.push(format!("{here}: no instance for the finding"));
                continue;
            };
            let cfg = &inst.cfg;
            // The call the finding is about, and that the path reaches it.
            let Some(action) = cfg
                .graph
                .node_indices()
                .find(|n| cfg.node(*n).file == f.file && cfg.node(*n).span.start == f.span.0)
            else {
                failures.push(format!("{here}: the finding's call is not in its graph"));
                continue;
            };
            let Some(at) = f.witness.iter().position(|n| *n == action) else {
                failures.push(format!("{here}: the witness path does not reach the call"));
                continue;
            };
            // No path walks through a refusal and on to the call: the request's denied end, or
            // an error response the entry itself returns. (A helper's returned error is a value
            // its caller may ignore — that is the drift some findings are about — and a caught
            // throw is a way on.)
            let entry_function = &cfg.node(cfg.entry).function;
            for n in &f.witness[..at] {
                let node = cfg.node(*n);
                let refuses = match node.kind {
                    NodeKind::Denied => true,
                    NodeKind::Return { denial: true, .. } => &node.function == entry_function,
                    _ => false,
                };
                if refuses {
                    failures.push(format!(
                        "{here}: the path passes a refusal at {}:{} before the call",
                        cfg.node(*n).file,
                        cfg.node(*n).span.line
                    ));
                }
            }
            if f.kind.as_str() != "bypassed-step" {
                continue;
            }
            bypassed += 1;
            let spec = specs.workflows.iter().find(|w| w.id == f.workflow).unwrap();
            let check = &spec.checks[&f.step];
            if !f.message.contains(&check.title) {
                failures.push(format!("{here}: the message does not name the check"));
            }
            // …and where it is: some node that counts as the check, by file and line.
            let named_place = inst.labels.checks.get(&f.step).is_some_and(|nodes| {
                nodes.iter().any(|n| {
                    let node = cfg.node(*n);
                    f.message
                        .contains(&format!("{}:{}", node.file, node.span.line))
                })
            });
            if !named_place {
                failures.push(format!(
                    "{here}: the message does not say where the check is"
                ));
            }
            // The path never shows the check passing on its way to the call — except a check
            // the request can pass itself, which the path shows passing on the request's say.
            let checks = inst.labels.checks.get(&f.step).cloned().unwrap_or_default();
            let by_input = f.message.contains("can be passed by the request itself");
            let mut passed = false;
            for w in f.witness[..=at].windows(2) {
                if !checks.contains(&w[0]) {
                    continue;
                }
                // (Both sides of a branch may lead to the same node, as when the failing side
                // only logs through a macro: the path takes the failing edge then.)
                let passing = query::passing_edges(cfg, w[0], action);
                if cfg
                    .graph
                    .edges_connecting(w[0], w[1])
                    .all(|e| passing.contains(&e.id()))
                {
                    passed = true;
                    if !by_input {
                        failures.push(format!(
                            "{here}: the path passes the check at {}:{} on its passing side",
                            cfg.node(w[0]).file,
                            cfg.node(w[0]).span.line
                        ));
                    }
                }
            }
            if by_input && !passed {
                failures.push(format!(
                    "{here}: a check the request can pass, but the path does not pass it"
                ));
            }
        }
    }
    assert!(
        bypassed >= 20,
        "the fixtures have bypassed steps ({bypassed})"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The self-join waiver (the caller joins as a plain member) holds for a role literal that is
/// none of the privileged ones, and not for one that names one among its words.
#[test]
fn joining_as_a_plain_member_is_waived_but_not_as_an_admin_by_another_name() {
    let specs = spec::load_builtin().unwrap();
    let steps_for = |role: &str| {
        let dir = tempfile::tempdir().unwrap();
        let route = dir.path().join("app/api/join/route.ts");
        std::fs::create_dir_all(route.parent().unwrap()).unwrap();
        std::fs::write(
            &route,
            format!(
                r#"import {{ withAuth }} from "@workos-inc/authkit-nextjs";
import {{ WorkOS }} from "@workos-inc/node";

const workos = new WorkOS(process.env.WORKOS_API_KEY);

export async function POST(request: Request) {{
  const {{ user }} = await withAuth({{ ensureSignedIn: true }});
  const {{ organizationId }} = await request.json();
  await workos.userManagement.createOrganizationMembership({{
    userId: user.id,
    organizationId,
    roleSlug: "{role}",
  }});
  return new Response(null, {{ status: 204 }});
}}
"#
            ),
        )
        .unwrap();
        let analysis = analyse(dir.path(), &specs, &ScanOptions::default()).unwrap();
        assert_eq!(analysis.report.workflows.len(), 1, "{role}");
        analysis
            .report
            .findings
            .iter()
            .map(|f| f.step.clone())
            .collect::<BTreeSet<String>>()
    };
    assert!(steps_for("member").is_empty(), "{:?}", steps_for("member"));
    let admin = steps_for("org-admin");
    assert!(admin.contains("role_allowed"), "{admin:?}");
    assert!(admin.contains("can_manage_members"), "{admin:?}");
}
