//! Every call of a spec action ends in exactly one place: an analysed workflow instance (of a
//! request entry or of a non-request root), or the report's `unresolved` list with a reason.
//! Nothing seen is dropped. Checked against an oracle that does not use idrift's resolution —
//! the SDK spellings found by text in the scanned files — over every fixture, the bundled
//! example, and generated projects of random shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use idrift::{analyse, spec, ScanOptions};

/// Method spellings of actions that no argument filter narrows (`when`): every line that calls
/// one through its SDK namespace is an action call, whatever its arguments.
const UNFILTERED: &[&str] = &[
    "userManagement.sendInvitation",
    "user_management.send_invitation",
    "UserManagement().SendInvitation",
    "usermanagement.SendInvitation",
    "userManagement.updateOrganizationMembership",
    "user_management.update_organization_membership",
    "userManagement.createOrganizationMembership",
    "user_management.create_organization_membership",
    "OrganizationMembership().Update",
    "OrganizationMembership().Create",
    "usermanagement.CreateOrganizationMembership",
    "usermanagement.UpdateOrganizationMembership",
    "sso.getProfileAndToken",
    "sso.get_profile_and_token",
    "SSO.profile_and_token",
    "SSO().GetProfileAndToken",
    "sso.GetProfileAndToken",
];

fn source_files(root: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if idrift::lang::Language::for_path(&path.to_string_lossy()).is_some() {
            out.push(path);
        }
    }
}

/// (file, line) of every line that calls an unfiltered action spelling, by text.
fn oracle(root: &Path) -> BTreeSet<(String, u32)> {
    let mut files = Vec::new();
    source_files(root, &mut files);
    let mut out = BTreeSet::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let code = code.split(" # ").next().unwrap_or(code);
            // A call, not a longer name (`usermanagement.UpdateOrganizationMembershipOpts`).
            let calls = |s: &str| {
                code.match_indices(s).any(|(i, _)| {
                    !code[i + s.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            };
            if UNFILTERED.iter().any(|s| calls(s)) {
                out.insert((rel.clone(), i as u32 + 1));
            }
        }
    }
    out
}

/// Checks the invariant for one scanned tree; returns what is wrong.
fn check(root: &Path, specs: &spec::SpecSet) -> Vec<String> {
    let analysis = analyse(root, specs, &ScanOptions::default()).expect("scan runs");
    let report = &analysis.report;
    let mut problems = Vec::new();
    // (file, line) → how it is accounted for.
    let mut accounted: BTreeMap<(String, u32), BTreeSet<&str>> = BTreeMap::new();
    for w in &report.workflows {
        let how = match w.root {
            idrift::model::RootKind::Request => "request",
            idrift::model::RootKind::NonRequest => "non-request",
        };
        for c in &w.calls {
            accounted
                .entry((c.file.clone(), c.line))
                .or_default()
                .insert(how);
        }
    }
    for u in &report.unresolved {
        if u.reason.is_empty() {
            problems.push(format!("{}:{} unresolved without a reason", u.file, u.line));
        }
        accounted
            .entry((u.file.clone(), u.line))
            .or_default()
            .insert("unresolved");
    }
    for (site, how) in &accounted {
        if how.contains("unresolved") && how.len() > 1 {
            problems.push(format!(
                "{}:{} is both unresolved and in an instance ({how:?})",
                site.0, site.1
            ));
        }
    }
    for site in oracle(root) {
        if !accounted.contains_key(&site) {
            problems.push(format!(
                "{}:{} calls an action but is in no instance and not unresolved",
                site.0, site.1
            ));
        }
    }
    if report.stats.action_calls != accounted.len() {
        problems.push(format!(
            "stats.action_calls is {} but {} call sites are accounted for",
            report.stats.action_calls,
            accounted.len()
        ));
    }
    // "No identity workflow found" only when there is no action call at all.
    let text = idrift::report::text::render(report, &|_| None);
    let says_none = text.contains("No identity workflow found");
    if says_none != accounted.is_empty() {
        problems.push(format!(
            "the summary says no workflow = {says_none} with {} call sites",
            accounted.len()
        ));
    }
    problems
}

#[test]
fn every_action_call_of_every_fixture_is_accounted_for_once() {
    let specs = spec::load_builtin().unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots: Vec<PathBuf> = vec![base.join("examples/acme-admin")];
    for lang in std::fs::read_dir(base.join("tests/fixtures")).unwrap() {
        for case in std::fs::read_dir(lang.unwrap().path()).unwrap() {
            roots.push(case.unwrap().path());
        }
    }
    let mut failures = Vec::new();
    let mut sites = 0;
    for root in &roots {
        sites += oracle(root).len();
        for p in check(root, &specs) {
            failures.push(format!("{}: {p}", root.display()));
        }
    }
    assert!(sites > 50, "the oracle finds the fixtures' calls ({sites})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A tiny deterministic generator (no dependency for this).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A TypeScript project of random shape: helpers that call the SDK or each other, across files,
/// reached from Next.js routes, Express routers registered in functions, server actions, scripts,
/// or nothing at all; some call chains form cycles.
fn generate(seed: u64, dir: &Path) {
    let mut rng = Lcg(seed);
    let files = 2 + rng.next(5) as usize;
    let per_file = 1 + rng.next(4) as usize;
    let name = |f: usize, i: usize| format!("h{f}_{i}");
    for f in 0..files {
        let mut src = String::from(
            "import { WorkOS } from \"@workos-inc/node\";\nconst workos = new WorkOS(\"k\");\n",
        );
        for g in 0..files {
            if g != f {
                let names: Vec<String> = (0..per_file).map(|i| name(g, i)).collect();
                src.push_str(&format!(
                    "import {{ {} }} from \"./lib{g}\";\n",
                    names.join(", ")
                ));
            }
        }
        for i in 0..per_file {
            src.push_str(&format!(
                "export async function {}(email: string, org: string) {{\n",
                name(f, i)
            ));
            match rng.next(4) {
                0 => src.push_str(
                    "  await workos.userManagement.sendInvitation({ email, organizationId: org });\n",
                ),
                1 => src.push_str(
                    "  await workos.userManagement.createOrganizationMembership({ userId: email, organizationId: org });\n",
                ),
                _ => {
                    let (g, j) = (rng.next(files as u64) as usize, rng.next(per_file as u64) as usize);
                    src.push_str(&format!("  await {}(email, org);\n", name(g, j)));
                }
            }
            src.push_str("}\n");
        }
        std::fs::write(dir.join(format!("lib{f}.ts")), src).unwrap();
    }
    // Callers of some helpers.
    let pick = |rng: &mut Lcg| {
        (
            rng.next(files as u64) as usize,
            rng.next(per_file as u64) as usize,
        )
    };
    for e in 0..rng.next(4) {
        let (f, i) = pick(&mut rng);
        let import = format!("import {{ {} }} from \"../lib{f}\";\n", name(f, i));
        let call = format!("{}(\"a@b.c\", \"org_1\")", name(f, i));
        match rng.next(4) {
            0 => {
                let route = dir.join(format!("app/api/r{e}"));
                std::fs::create_dir_all(&route).unwrap();
                std::fs::write(
                    route.join("route.ts"),
                    format!(
                        "import {{ {} }} from \"../../../lib{f}\";\nexport async function POST(request: Request) {{\n  await {call};\n  return new Response(null);\n}}\n",
                        name(f, i)
                    ),
                )
                .unwrap();
            }
            1 => {
                let routes = dir.join("routes");
                std::fs::create_dir_all(&routes).unwrap();
                std::fs::write(
                    routes.join(format!("r{e}.ts")),
                    format!(
                        "{import}import {{ Router }} from \"express\";\nexport function setupRoutes{e}(app: any) {{\n  const router = Router();\n  router.post(\"/r{e}\", async (req, res) => {{\n    await {call};\n    res.sendStatus(201);\n  }});\n  app.use(\"/api\", router);\n}}\n"
                    ),
                )
                .unwrap();
            }
            2 => {
                let actions = dir.join("actions");
                std::fs::create_dir_all(&actions).unwrap();
                std::fs::write(
                    actions.join(format!("a{e}.ts")),
                    format!("'use server';\n{import}export async function act{e}() {{\n  await {call};\n}}\n"),
                )
                .unwrap();
            }
            _ => {
                let jobs = dir.join("jobs");
                std::fs::create_dir_all(&jobs).unwrap();
                std::fs::write(
                    jobs.join(format!("j{e}.ts")),
                    format!("{import}export async function run{e}() {{\n  await {call};\n}}\n"),
                )
                .unwrap();
            }
        }
    }
}

#[test]
fn every_action_call_of_generated_projects_is_accounted_for_once() {
    let specs = spec::load_builtin().unwrap();
    let mut failures = Vec::new();
    let mut sites = 0;
    for seed in 0..40u64 {
        let dir = tempfile::tempdir().unwrap();
        generate(seed, dir.path());
        sites += oracle(dir.path()).len();
        for p in check(dir.path(), &specs) {
            failures.push(format!("seed {seed}: {p}"));
        }
    }
    assert!(sites > 40, "the generated projects call the SDK ({sites})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
