//! The entry catalog: each framework idiom as a correct and a drifted twin under
//! tests/fixtures/frameworks/. A case pins the entries the scan finds (as a user knows them, with
//! what reaches them), the findings, and the calls it lists as unresolved — so a regression in
//! how an entry is recognised shows up as a wrong entry, not only as a missing finding.

use std::collections::BTreeSet;
use std::path::Path;

use idrift::{analyse, spec, ScanOptions};

struct Case {
    dir: &'static str,
    /// (workflow, entry, root).
    entries: &'static [(&'static str, &'static str, &'static str)],
    /// (kind, workflow, step).
    findings: &'static [(&'static str, &'static str, &'static str)],
    /// (file, line) of calls with no request entry.
    unresolved: &'static [(&'static str, u32)],
}

const CASES: &[Case] = &[
    // Express: a router factory mounted by a constructor (`this.app.use("/api/team",
    // createTeamRouter())`: its path prefixes the router's), a spread middleware array.
    Case {
        dir: "express-correct",
        entries: &[
            ("invite", "route POST /api/team/invitations", "request"),
            ("role-assign", "route PUT /api/members/:id/role", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "express-drifted",
        entries: &[
            ("invite", "route POST /api/team/invitations", "request"),
            ("role-assign", "route PUT /api/members/:id/role", "request"),
        ],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "role-assign", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // Express: one factory builds several routers, mounted one by one behind their own
    // middleware (`const { adminRouter, selfRouter } = createMemberRouters()`,
    // `domainRouters.admin` of `return { admin: domainAdmin, … }`). Drifted: the admin check
    // sits on the other router's mount, so the routes of the admin router lost it.
    Case {
        dir: "express-routers-correct",
        entries: &[
            ("domain-verify", "route POST /api/domains", "request"),
            ("invite", "route POST /api/admin/invitations", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "express-routers-drifted",
        entries: &[
            ("domain-verify", "route POST /api/domains", "request"),
            ("invite", "route POST /api/admin/invitations", "request"),
        ],
        findings: &[
            ("missing-check", "domain-verify", "can_manage_domains"),
            ("missing-check", "invite", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // Express: a handler exported behind a wrapper (`export const postInvitation =
    // asyncWrapper(async (req, res) => …)`) and registered by another file, under a feature
    // flag (`if (flag) { web.route(path).post(mw, postInvitation) }`): the route, not a
    // procedure of its own, with the registration's middleware. Drifted: the admin middleware
    // was dropped from the registration.
    Case {
        dir: "express-wrapped-export-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "express-wrapped-export-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Fastify: an addHook preHandler, a plugin with a prefix, preHandler options.
    Case {
        dir: "fastify-correct",
        entries: &[("domain-verify", "route POST /admin/domains", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastify-drifted",
        entries: &[("domain-verify", "route POST /admin/domains", "request")],
        findings: &[("missing-check", "domain-verify", "can_manage_domains")],
        unresolved: &[],
    },
    // Hono: app.use on a path, a context parameter.
    Case {
        dir: "hono-correct",
        entries: &[("sso-setup", "route POST /api/portal/sso", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "hono-drifted",
        entries: &[("sso-setup", "route POST /api/portal/sso", "request")],
        findings: &[
            ("added-privilege", "sso-setup", "intent_literal"),
            ("missing-check", "sso-setup", "can_manage_sso"),
        ],
        unresolved: &[],
    },
    // Hono: another file's app mounted with `app.route("/api/org", org)` takes the prefix, and
    // the parent's `app.use` guards whose path covers it; the drifted twin guards another path.
    Case {
        dir: "hono-sub-app-correct",
        entries: &[("invite", "route POST /api/org/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "hono-sub-app-drifted",
        entries: &[("invite", "route POST /api/org/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Convex: a public action calling an internal one through ctx.runAction(internal.x.y).
    Case {
        dir: "convex-correct",
        entries: &[("invite", "rpc invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "convex-drifted",
        entries: &[("invite", "rpc invite", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Convex: a function built with the project's own wrapper (`customAction(internalAction, …)`
    // from `../functions`, no generated import) is still a Convex function: the webhook's
    // verification inside it is read, and refuses.
    Case {
        dir: "convex-custom-wrapper-webhook",
        entries: &[("webhook-events", "route POST /workos-webhook", "request")],
        findings: &[],
        unresolved: &[],
    },
    // tRPC: procedures as properties of nested router objects, a middleware chain elsewhere.
    Case {
        dir: "trpc-router-correct",
        entries: &[("invite", "rpc app.team.invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "trpc-router-drifted",
        entries: &[("invite", "rpc app.team.invite", "request")],
        findings: &[
            ("added-privilege", "invite", "role_allowed"),
            ("missing-check", "invite", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // A field the input schema restricts, kept in a local and normalised (`role.toLowerCase()`):
    // still one of its values. A free-text field the schema does not restrict, preferred when
    // sent (`input.roleOverride ?? input.role`): any role.
    Case {
        dir: "trpc-schema-role-via-local",
        entries: &[("invite", "rpc app.team.invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "trpc-schema-free-text-override",
        entries: &[("invite", "rpc app.team.invite", "request")],
        findings: &[("added-privilege", "invite", "role_allowed")],
        unresolved: &[],
    },
    // A Hono webhook router whose paths are also API paths of the provider (`/organizations`),
    // read first as a file that mentions an anchor: the verifying middleware it puts in front of
    // each handler is still followed.
    Case {
        dir: "hono-webhook-router-named-like-api",
        entries: &[
            ("webhook-events", "route POST /memberships", "request"),
            ("webhook-events", "route POST /organizations", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    // Cloudflare Pages Functions: `onRequestPost` of `functions/api/team/invite.ts` is `POST
    // /api/team/invite`, behind `functions/api/_middleware.ts` (an array of hooks going on by
    // `context.next()`); its one context carries the request, `env` and the middleware's `data`.
    Case {
        dir: "cloudflare-pages-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "cloudflare-pages-drifted",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[
            ("added-privilege", "invite", "role_allowed"),
            ("missing-check", "invite", "authenticated"),
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // A Cloudflare Worker in module form: `export default { fetch(request, env) }` answers every
    // request (its `scheduled` is no request), and `env` is configuration.
    Case {
        dir: "cloudflare-worker-correct",
        entries: &[("invite", "route ANY", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "cloudflare-worker-drifted",
        entries: &[("invite", "route ANY", "request")],
        findings: &[
            ("added-privilege", "invite", "role_allowed"),
            ("missing-check", "invite", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // SvelteKit: form actions of +page.server.ts, error() that throws, $lib imports.
    Case {
        dir: "sveltekit-correct",
        entries: &[(
            "role-assign",
            "route POST /org/[id]/members?/promote",
            "request",
        )],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "sveltekit-drifted",
        entries: &[(
            "role-assign",
            "route POST /org/[id]/members?/promote",
            "request",
        )],
        findings: &[("missing-check", "role-assign", "can_manage_members")],
        unresolved: &[],
    },
    // Astro endpoints: a file under src/pages exporting `POST` (`export const POST: APIRoute =
    // async ({ request, locals }) => …`), its path the file's; `locals` holds what the
    // middleware verified.
    Case {
        dir: "astro-correct",
        entries: &[("role-assign", "route POST /api/org/members/role", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "astro-drifted",
        entries: &[("role-assign", "route POST /api/org/members/role", "request")],
        findings: &[("missing-check", "role-assign", "can_manage_members")],
        unresolved: &[],
    },
    // Astro's `src/middleware.ts`: `onRequest` (here `sequence(authenticate, requireUser)` of
    // hooks made with `defineMiddleware`) runs before every endpoint of src/pages; a returned
    // `context.redirect(…)` refuses, `next()` goes on. Drifted: it only loads the user.
    Case {
        dir: "astro-middleware-correct",
        entries: &[("invite", "route POST /api/org/members/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "astro-middleware-drifted",
        entries: &[("invite", "route POST /api/org/members/invite", "request")],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
    // A webhook: the signature check makes the request the provider's, not a user's.
    Case {
        dir: "webhook-correct",
        entries: &[
            ("role-assign", "route POST /api/webhooks/workos", "request"),
            (
                "webhook-events",
                "route POST /api/webhooks/workos",
                "request",
            ),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "webhook-drifted",
        entries: &[
            ("role-assign", "route POST /api/webhooks/workos", "request"),
            (
                "webhook-events",
                "route POST /api/webhooks/workos",
                "request",
            ),
        ],
        // The same unverified handler, as a webhook (workflow webhook-events).
        findings: &[
            ("missing-check", "role-assign", "authenticated"),
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "organization_from_session"),
            ("missing-check", "webhook-events", "signature_verified"),
        ],
        unresolved: &[],
    },
    // Effect: handlers registered by name on an HTTP API group; programs run by `yield*`
    // (`yield* requireAdmin`), failures yielded (`yield* new Forbidden()`), the caller read from a
    // context tag the auth middleware provides, and checks inside a service's methods.
    Case {
        dir: "effect-correct",
        entries: &[
            ("invite", "rpc inviteMember", "request"),
            ("role-assign", "rpc updateMemberRole", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "effect-drifted",
        entries: &[
            ("invite", "rpc inviteMember", "request"),
            ("role-assign", "rpc updateMemberRole", "request"),
        ],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("added-privilege", "role-assign", "role_allowed"),
        ],
        unresolved: &[],
    },
    // A queue job (a non-request root: no caller checks, argument rules still) and an SDK wrapper
    // nothing calls (unresolved, never judged as a request).
    Case {
        dir: "roots-correct",
        entries: &[("role-assign", "job", "non-request")],
        findings: &[],
        unresolved: &[("lib/workos.ts", 8)],
    },
    Case {
        dir: "roots-drifted",
        entries: &[("role-assign", "job", "non-request")],
        findings: &[("added-privilege", "role-assign", "role_allowed")],
        unresolved: &[("lib/workos.ts", 8)],
    },
    // A platform operator's back-office route vs the same handler for tenants.
    Case {
        dir: "operator-correct",
        entries: &[(
            "role-assign",
            "route POST /organizations/:orgId/owners",
            "request",
        )],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "operator-drifted",
        entries: &[(
            "role-assign",
            "route POST /organizations/:orgId/owners",
            "request",
        )],
        findings: &[
            ("added-privilege", "role-assign", "role_allowed"),
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // A back-office route whose operator guard trusts a header anyone can send: an operator's
    // route is exempt from the tenant checks, never from signing in.
    Case {
        dir: "operator-unauthenticated",
        entries: &[(
            "role-assign",
            "route POST /organizations/:orgId/owners",
            "request",
        )],
        findings: &[("missing-check", "role-assign", "authenticated")],
        unresolved: &[],
    },
    // A back-office route behind an admin API key: the header compared with the deployment's
    // secret and refused on a mismatch authenticates the operator; a mismatch only logged does not.
    Case {
        dir: "operator-api-key-correct",
        entries: &[(
            "role-assign",
            "route POST /admin/organizations/:orgId/owners",
            "request",
        )],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "operator-api-key-unrefused",
        entries: &[(
            "role-assign",
            "route POST /admin/organizations/:orgId/owners",
            "request",
        )],
        findings: &[("missing-check", "role-assign", "authenticated")],
        unresolved: &[],
    },
    // An organization from the URL, bound to the caller by a membership lookup of that org.
    Case {
        dir: "tenancy-correct",
        entries: &[("invite", "route POST /orgs/:orgId/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "tenancy-drifted",
        entries: &[("invite", "route POST /orgs/:orgId/invitations", "request")],
        findings: &[("missing-check", "invite", "organization_from_session")],
        unresolved: &[],
    },
    // The caller joins an organization with a default role (the app's policy), and their own
    // membership, looked up with their own id, is in their organization; joining as an owner and
    // changing one's own role are still drift.
    Case {
        dir: "self-join-correct",
        entries: &[("role-assign", "route POST /api/orgs/join", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "self-join-drifted",
        entries: &[("role-assign", "route POST /api/orgs/join", "request")],
        findings: &[
            ("added-privilege", "role-assign", "role_allowed"),
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "not_self"),
            ("missing-check", "role-assign", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // Go chi: Route and Group callbacks with Use, a handler method, an interface to a wrapper;
    // a role change whose membership is looked up within the caller's organization through
    // wrappers taking Go's context first, refused for the caller's own id.
    Case {
        dir: "go-chi-correct",
        entries: &[
            ("invite", "route POST /api/invitations", "request"),
            (
                "role-assign",
                "route PUT /api/members/{userID}/role",
                "request",
            ),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "go-chi-drifted",
        entries: &[
            ("invite", "route POST /api/invitations", "request"),
            (
                "role-assign",
                "route PUT /api/members/{membershipID}/role",
                "request",
            ),
        ],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "role-assign", "can_manage_members"),
            ("missing-check", "role-assign", "membership_in_caller_org"),
            ("missing-check", "role-assign", "not_self"),
        ],
        unresolved: &[],
    },
    // NestJS: a controller's verb-decorated methods, class and method guards (`@UseGuards`),
    // `@Roles('admin')` enforced by a guard registered for the whole app (`APP_GUARD` in
    // app.module.ts), parameter decorators (`@Body()` is input, `@CurrentUser()` the session);
    // `@Roles` with no guard that reads it checks nothing.
    // `app.setGlobalPrefix("api")` in main.ts puts the controller's routes under /api.
    Case {
        dir: "nestjs-correct",
        entries: &[("invite", "route POST /api/teams/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    // A guard whose `canActivate` answers with the permission (NestJS refuses on `false`), no
    // decorator or name giving it away: the answer is the check.
    Case {
        dir: "nestjs-verdict-guard",
        entries: &[("invite", "route POST /api/teams/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    // Express: a handler registered by name (declared in another file, its parameters not named
    // `req`/`res`) gets the request from its registration.
    Case {
        dir: "express-named-handler-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    Case {
        dir: "nestjs-drifted",
        entries: &[("invite", "route POST /teams/invitations", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // A guard class's `canActivate` is followed: one that lets every request through
    // authenticates nobody, whatever its name.
    Case {
        dir: "nestjs-guard-hollow",
        entries: &[("invite", "route POST /teams/invitations", "request")],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
    Case {
        dir: "nestjs-roles-unenforced",
        entries: &[("invite", "route POST /teams/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Injected services (`constructor(private readonly listPermissions: ListPermissionsQuery)`,
    // imported through a tsconfig alias): a call on the field runs its type's method. Two
    // commands both have an `execute`; the read-only route never reaches the invitation.
    Case {
        dir: "nestjs-injected-typed-fields",
        entries: &[("invite", "route POST /api/teams/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    // oRPC: procedures as `.handler(fn)` on a contract path of a builder (`adminOrg.team.members
    // .remove.handler(…)`), in plain objects nested in `os.router({…})`; the builder's `.use()`
    // middlewares (defined in another file, one built on another) guard them, and `context` is
    // the session. A helper that hands back the membership only when it is in the caller's
    // organization (`return m.organizationId === orgId ? m : null`) is the tenancy check.
    Case {
        dir: "orpc-correct",
        entries: &[
            ("invite", "rpc team.invitations.send", "request"),
            ("member-remove", "rpc team.members.remove", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "orpc-drifted",
        entries: &[
            ("invite", "rpc team.invitations.send", "request"),
            ("member-remove", "rpc team.members.remove", "request"),
        ],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
            ("missing-check", "member-remove", "membership_in_caller_org"),
        ],
        unresolved: &[],
    },
    // A helper memoised with React's `cache(async (orgId) => …)` is called by the page, not an
    // entry of its own: the page's admin check and session organization apply.
    Case {
        dir: "nextjs-react-cache-helper",
        entries: &[("member-remove", "page /settings/team", "request")],
        findings: &[],
        unresolved: &[],
    },
    // A field typed as an interface (`@Inject(INVITER) inviter: Inviter`) runs the classes
    // that implement it.
    Case {
        dir: "nestjs-injected-interface-drifted",
        entries: &[("invite", "route POST /teams/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Go echo: a group behind a guard held in a variable (named for authentication: trusted as
    // one), values a middleware stored read with c.Get, an inviter lookup that is no check.
    Case {
        dir: "go-echo-correct",
        entries: &[(
            "invite",
            "route POST /api/dashboard/org/invitations",
            "request",
        )],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "go-echo-drifted",
        entries: &[(
            "invite",
            "route POST /api/dashboard/org/invitations",
            "request",
        )],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Next.js middleware: AuthKit's with sign-in enforced guards the paths its matcher covers
    // (less `unauthenticatedPaths`); a server action only when the middleware covers every page
    // and exempts none; a middleware function (Next 16 `proxy`) is followed, its redirect
    // refuses.
    Case {
        dir: "nextjs-middleware-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "nextjs-middleware-drifted",
        entries: &[
            ("invite", "route POST /api/team/invite", "request"),
            ("invite", "server-action inviteMember", "request"),
        ],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
    // SvelteKit's hooks.server.ts: `handle` (or each hook of `sequence(…)`) runs before every
    // route and action of src/routes; `resolve(event)` goes on, `redirect()` refuses.
    Case {
        dir: "sveltekit-hooks-correct",
        entries: &[("invite", "route POST /org/[id]/members?/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "sveltekit-hooks-drifted",
        entries: &[("invite", "route POST /org/[id]/members?/invite", "request")],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
    // Flask: `@bp.before_request` and `bp.before_request(hook)` run before the routes of their
    // blueprint only, in order; a returned redirect or error response refuses; the
    // blueprint's `url_prefix` is part of the path.
    Case {
        dir: "flask-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "flask-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // GraphQL: resolver maps (`{ Mutation: { inviteMember } }`, spreads of a local map) and
    // NestJS `@Resolver` classes (`@Mutation()` methods, `@Args()` input, class guards); the
    // resolver's args are client input, its context the session.
    Case {
        dir: "graphql-apollo-correct",
        entries: &[("invite", "rpc Mutation.inviteMember", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "graphql-apollo-drifted",
        entries: &[("invite", "rpc Mutation.inviteMember", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    Case {
        dir: "nestjs-graphql-correct",
        entries: &[("invite", "rpc Mutation.inviteMember", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "nestjs-graphql-drifted",
        entries: &[("invite", "rpc Mutation.inviteMember", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // gin: group middleware (`r.Group(path, mw…)`, `g.Use(mw)`) in order, a middleware factory
    // returning `func(c *gin.Context)` followed (an aborting error response refuses, returning
    // goes on); fiber: `app.Group(path, mw)`, `c.Locals` for what the middleware stored,
    // `c.BodyParser(&body)` as request input.
    Case {
        dir: "go-gin-correct",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "go-gin-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // A role allow-listed by a `switch` whose default answers 400: with `return`, and without
    // it (the handler goes on to invite any role). A case's statements are read (tree-sitter-go
    // wraps them in a `statement_list`), and the default is the switch's false side.
    Case {
        dir: "go-gin-switch-correct",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "go-gin-switch-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[("added-privilege", "invite", "role_allowed")],
        unresolved: &[],
    },
    // A new organization made through the application's own wrapper (`return "", err` or
    // `return org.ID, nil`), held in a `var orgID string` whose zero value is "", then its
    // creator added as admin: nobody's access to an existing organization is at stake.
    Case {
        dir: "go-new-organization",
        entries: &[("role-assign", "route POST /api/workspaces", "request")],
        findings: &[],
        unresolved: &[],
    },
    // A generated CLI (`// Code generated … DO NOT EDIT.`) whose client method shares its name
    // with the service's: it is no script that runs the service, so the call stays unresolved
    // (its generated HTTP handlers are not in the scan) instead of judged as a script's.
    Case {
        dir: "go-generated-client",
        entries: &[],
        findings: &[],
        unresolved: &[("internal/access/impl.go", 13)],
    },
    // FastAPI: a router included by another file with a prefix and dependencies
    // (`app.include_router(team.router, prefix=f"{API_ROOT}/v1", dependencies=[Depends(…)])`,
    // the prefix an f-string of module constants): its routes get both. Drifted: included
    // without the permission dependency (prefix a module constant).
    Case {
        dir: "fastapi-include-correct",
        entries: &[("invite", "route POST /api/v1/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-include-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // TanStack Start: a server route's method handlers (`createFileRoute(path)({ server: {
    // handlers: { POST } } })`) are route entries.
    Case {
        dir: "tanstack-start-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "tanstack-start-drifted",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // A route declared inside a router factory function is a route.
    Case {
        dir: "fastapi-router-factory-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // A pydantic model whose own `@field_validator("role")` raises on a role outside a set is an
    // allow-list; one that only normalises the role is not.
    Case {
        dir: "fastapi-role-validator-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-role-validator-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[("added-privilege", "invite", "role_allowed")],
        unresolved: &[],
    },
    // The same allow-list written as a pydantic `Annotated[str, AfterValidator(validate_role)]`
    // type in another file, used by a model in a third: the handler's parameter type is followed
    // to it. Drifted: the validator only normalises.
    Case {
        dir: "fastapi-annotated-validator-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-annotated-validator-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[("added-privilege", "invite", "role_allowed")],
        unresolved: &[],
    },
    // Remix: the file route `app/routes/settings.team.tsx` is `/settings/team`; a `loader` whose widget token is minted inside `authkitLoader(args, ({ auth }) => …,
    // { ensureSignedIn: true })`, an `action` that checks `withAuth(args)`'s user and permissions.
    // Drifted: the loader takes the organization from the URL (the `request` authkitLoader hands
    // its callback is the client's, not the session's), and the action lost its permission check
    // and takes the role from the form.
    Case {
        dir: "remix-correct",
        entries: &[
            ("invite", "route GET /settings/team", "request"),
            ("invite", "route POST /settings/team", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "remix-drifted",
        entries: &[
            ("invite", "route GET /settings/team", "request"),
            ("invite", "route POST /settings/team", "request"),
        ],
        findings: &[
            ("added-privilege", "invite", "role_allowed"),
            ("added-privilege", "invite", "token_bound_to_user"),
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    Case {
        dir: "go-fiber-correct",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "go-fiber-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[
            ("added-privilege", "invite", "role_allowed"),
            ("missing-check", "invite", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // Django function views (`@login_required`) and DRF views (`permission_classes`); an
    // allow-list of the requested role is no permission of the caller's.
    Case {
        dir: "django-correct",
        entries: &[
            ("invite", "route ANY", "request"),
            ("role-assign", "route POST", "request"),
        ],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "django-drifted",
        entries: &[
            ("invite", "route ANY", "request"),
            ("role-assign", "route POST", "request"),
        ],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
            ("missing-check", "role-assign", "can_manage_members"),
        ],
        unresolved: &[],
    },
    // actix-web: a handler with a route attribute mounted by another file's scope
    // (`web::scope("/api").wrap(from_fn(mw)).service(team::invite)`): the scope's path and its
    // `wrap` middleware (the last written runs first) apply; `next.call(req)` goes on;
    // `web::ReqData<T>` is what the middleware stored.
    Case {
        dir: "actix-correct",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "actix-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // Express: a router module mounted by another file (`app.use("/api/team", requireAdmin,
    // teamRouter)`) gets the mount's path and the middleware that runs before it there; a
    // router mounted before a middleware is not guarded by it.
    Case {
        dir: "express-mount-correct",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "express-mount-drifted",
        entries: &[("invite", "route POST /api/team/invitations", "request")],
        findings: &[("missing-check", "invite", "can_manage_members")],
        unresolved: &[],
    },
    // A scope guard asked for the organization's write scope is the permission to manage its
    // SSO connection (`Depends(require_scopes("organizations.write"))`).
    Case {
        dir: "fastapi-scope-guard-correct",
        entries: &[(
            "sso-setup",
            "route POST /organization/sso-portal",
            "request",
        )],
        findings: &[],
        unresolved: &[],
    },
    // FastAPI parses the query into parameters (`next: str = Query("/")`): a redirect to one
    // after sign-in is an open redirect unless a path test keeps it on the site.
    Case {
        dir: "fastapi-callback-redirect-drifted",
        entries: &[("authkit-callback", "route GET /auth/callback", "request")],
        findings: &[("added-privilege", "authkit-callback", "redirect_after")],
        unresolved: &[],
    },
    // A method that decodes the state (`auth_service.decode_state(state)`) keeps it request
    // input: the page it names is the link's choice (and the state is compared with nothing).
    Case {
        dir: "fastapi-callback-state-decoder-drifted",
        entries: &[("authkit-callback", "route GET /auth/callback", "request")],
        findings: &[
            ("missing-check", "authkit-callback", "state_verified"),
            ("added-privilege", "authkit-callback", "redirect_after"),
        ],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-callback-redirect-correct",
        entries: &[("authkit-callback", "route GET /auth/callback", "request")],
        findings: &[],
        unresolved: &[],
    },
    // FastAPI: `APIRouter(prefix=…, dependencies=[Depends(current_user)])` runs the dependency
    // before every route of the router; a dependency factory's product (`Depends(
    // require_permission("…"))`) is followed.
    // FastAPI: a parameter defaulting to `Depends(get_current_user)` is what the dependency
    // returned (the session user), not request input: the user updates their own profile.
    Case {
        dir: "fastapi-dependency-own-user-correct",
        entries: &[("account-recovery", "route POST /me/name", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "fastapi-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    // Sinatra: a `before "/team/*"` filter guards the routes its pattern matches, wherever it
    // is written, and no others.
    Case {
        dir: "sinatra-correct",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "sinatra-drifted",
        entries: &[("invite", "route POST /team/invitations", "request")],
        findings: &[
            ("missing-check", "invite", "can_manage_members"),
            ("missing-check", "invite", "organization_from_session"),
        ],
        unresolved: &[],
    },
    Case {
        dir: "nextjs-proxy-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    // A middleware that lets public paths through before it checks the session
    // (`isPublicRoute(pathname)` over `PUBLIC_ROUTES.some(route => pathname === route ||
    // pathname.startsWith(`${route}/`))`): decided for the route's own path, the check guards
    // `/api/team/invite`. Drifted: `/api` joined the public list, so the route never reaches
    // the check.
    Case {
        dir: "nextjs-middleware-paths-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "nextjs-middleware-paths-drifted",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
    // The public-path helper reads a setting: a trace it only logs decides nothing; a switch that
    // returns "public" makes every path skip sign-in wherever it is set.
    Case {
        dir: "nextjs-middleware-helper-logs-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "nextjs-middleware-helper-flag-drifted",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[("bypassed-step", "invite", "authenticated")],
        unresolved: &[],
    },
    // A middleware that signs in only under one prefix, tested negated on a copy of the URL
    // (`if (!url.pathname.startsWith("/api/team/")) return next()`): decided for each route.
    Case {
        dir: "nextjs-middleware-protected-prefix-correct",
        entries: &[("invite", "route POST /api/team/invite", "request")],
        findings: &[],
        unresolved: &[],
    },
    Case {
        dir: "nextjs-middleware-protected-prefix-drifted",
        entries: &[("invite", "route POST /api/members/invite", "request")],
        findings: &[("missing-check", "invite", "authenticated")],
        unresolved: &[],
    },
];

/// Reasons a fixture's workflow is not fully verified by design: what idrift cannot see and
/// says so.
const UNVERIFIED_BY_DESIGN: &[(&str, &str)] = &[
    (
        "django-correct",
        "`login_required` is trusted as a check by its name",
    ),
    (
        "django-correct",
        "`IsOrgAdmin` is trusted as a check by its name",
    ),
    (
        "django-drifted",
        "`login_required` is trusted as a check by its name",
    ),
    (
        "go-echo-correct",
        "`dashboardAuth` is trusted as a check by its name",
    ),
    (
        "go-echo-drifted",
        "`dashboardAuth` is trusted as a check by its name",
    ),
];

#[test]
fn each_framework_idiom_gives_its_entries_findings_and_unresolved_calls() {
    let specs = spec::load_builtin().unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frameworks");
    let mut failures = Vec::new();
    for case in CASES {
        let a = analyse(&base.join(case.dir), &specs, &ScanOptions::default()).unwrap();
        let entries: BTreeSet<(String, String, String)> = a
            .report
            .workflows
            .iter()
            .map(|w| {
                let root = serde_json::to_value(w.root).unwrap();
                (
                    w.id.clone(),
                    w.entry.clone(),
                    root.as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String)> = case
            .entries
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        if entries != want {
            failures.push(format!(
                "{}: entries\n  expected {want:?}\n  got      {entries:?}",
                case.dir
            ));
        }
        let findings: BTreeSet<(String, String, String)> = a
            .report
            .findings
            .iter()
            .map(|f| (f.kind.as_str().into(), f.workflow.clone(), f.step.clone()))
            .collect();
        let want: BTreeSet<(String, String, String)> = case
            .findings
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        if findings != want {
            failures.push(format!(
                "{}: findings\n  expected {want:?}\n  got      {findings:?}",
                case.dir
            ));
        }
        let unresolved: BTreeSet<(String, u32)> = a
            .report
            .unresolved
            .iter()
            .map(|u| (u.file.clone(), u.line))
            .collect();
        let want: BTreeSet<(String, u32)> = case
            .unresolved
            .iter()
            .map(|(f, l)| (f.to_string(), *l))
            .collect();
        if unresolved != want {
            failures.push(format!(
                "{}: unresolved\n  expected {want:?}\n  got      {unresolved:?}",
                case.dir
            ));
        }
        // Every workflow is fully verified, except for what a case says it cannot see.
        let unexplained: Vec<&String> = a
            .report
            .workflows
            .iter()
            .flat_map(|w| &w.unverified)
            .filter(|reason| {
                !UNVERIFIED_BY_DESIGN
                    .iter()
                    .any(|(dir, why)| *dir == case.dir && reason.contains(why))
            })
            .collect();
        if !unexplained.is_empty() {
            failures.push(format!("{}: not fully verified: {unexplained:?}", case.dir));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_framework_fixture_has_a_case() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frameworks");
    let dirs: BTreeSet<String> = std::fs::read_dir(base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let cases: BTreeSet<String> = CASES.iter().map(|c| c.dir.to_string()).collect();
    assert_eq!(dirs, cases);
}

/// A middleware branch the route's own path decides says so on the witness path: the reader
/// sees why the check after it was never reached.
#[test]
fn a_branch_the_routes_path_decides_is_shown_on_the_witness_path() {
    let specs = spec::load_builtin().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/frameworks/nextjs-middleware-paths-drifted");
    let a = analyse(&dir, &specs, &ScanOptions::default()).unwrap();
    let finding = a
        .report
        .findings
        .iter()
        .find(|f| f.step == "authenticated")
        .expect("the drifted middleware leaves the route unauthenticated");
    let step = finding
        .path
        .iter()
        .find(|s| s.file == "middleware.ts" && s.label.contains("isPublicRoute(pathname)"))
        .expect("the public-path branch is on the path");
    assert!(
        step.label.ends_with("[true, always for this path]"),
        "{}",
        step.label
    );
}
