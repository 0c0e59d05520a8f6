#!/usr/bin/env python3
"""The ecosystem check: idrift on pinned public repositories, compared with triaged verdicts.

Modelled on ruff's ecosystem check. `manifest.toml` pins each repository (owner/name@commit);
`triage/<owner>+<name>.toml` holds, for that commit, every finding idrift reported with a verdict
a person gave after reading the code (true, false, unclear), and every call site of a spec action
with where it should end up (an analysed workflow, a non-request root, or unresolved).

    benches/ecosystem/checkout.sh            # clone every repository at its commit (network)
    benches/ecosystem/run.py                 # scan each checkout and compare with the triage
    benches/ecosystem/run.py --repo unkey    # only repositories whose name contains "unkey"
    benches/ecosystem/run.py --record        # add untriaged findings/call sites to the triage
                                             # files as verdict = "untriaged", to be read and judged

Prints per repository: high+medium findings, how many were judged true/false/unclear, the
untriaged ones, confirmed findings idrift no longer reports (lost), call sites idrift does not
account for, and the totals: precision of high+medium findings (true / (true + false)), recall of
confirmed findings. Exit 1 when a confirmed finding is lost or a call site is unaccounted.

No repository's code is in this project; checkouts live in $IDRIFT_ECOSYSTEM_DIR (default
/work/checkouts, or ../ecosystem-checkouts beside the project).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def checkouts_dir() -> Path:
    env = os.environ.get("IDRIFT_ECOSYSTEM_DIR")
    if env:
        return Path(env)
    for candidate in (Path("/work/checkouts"), ROOT.parent / "ecosystem-checkouts"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "ecosystem-checkouts"


def load_manifest():
    with open(HERE / "manifest.toml", "rb") as f:
        return tomllib.load(f)["repo"]


def triage_path(name: str) -> Path:
    return HERE / "triage" / (name.replace("/", "+") + ".toml")


def load_triage(name: str):
    p = triage_path(name)
    if not p.exists():
        return {"finding": [], "call": []}
    with open(p, "rb") as f:
        data = tomllib.load(f)
    data.setdefault("finding", [])
    data.setdefault("call", [])
    return data


def finding_key(f) -> tuple:
    return (f["file"], int(f["line"]), f["kind"], f["workflow"], f["step"])


def call_key(c) -> tuple:
    return (c["file"], int(c["line"]))


def preview_workflows() -> tuple:
    """The ids and action ids of the built-in preview workflows (`preview: true`): without
    --preview idrift does not run them, so their triaged verdicts and call sites are set aside."""
    ids, actions = set(), set()
    for spec in sorted((ROOT / "canonical" / "workos").glob("*.yaml")):
        text = spec.read_text()
        if not re.search(r"^preview:\s*true\s*$", text, re.M):
            continue
        ids.add(re.search(r"^id:\s*(\S+)", text, re.M).group(1))
        block = re.search(r"^actions:\n(.*?)^\S", text, re.M | re.S)
        if block:
            actions.update(re.findall(r"^  ([A-Za-z0-9_]+):\s*$", block.group(1), re.M))
    return ids, actions


def scan(idrift: Path, repo_dir: Path, sub: str, preview: bool) -> dict:
    target = repo_dir / sub if sub else repo_dir
    out = subprocess.run(
        [str(idrift), "scan", "--format", "json", "--fail-on", "high", *(["--preview"] if preview else []), str(target)],
        capture_output=True,
        text=True,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(f"idrift exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def accounted_calls(report: dict) -> dict:
    """Every call site the report accounts for, with how: instance, non-request or unresolved."""
    out = {}
    for w in report.get("workflows", []):
        how = "non-request" if w.get("root") == "non-request" else "instance"
        for c in w.get("calls", []):
            out.setdefault(call_key(c), how)
    for u in report.get("unresolved", []):
        out.setdefault(call_key(u), "unresolved")
    return out


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def record(name: str, new_findings, new_calls):
    """Appends untriaged entries to the repository's triage file, for a person to judge."""
    p = triage_path(name)
    p.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for f in new_findings:
        lines += [
            "",
            "[[finding]]",
            f"file = {toml_str(f['file'])}",
            f"line = {f['line']}",
            f"kind = {toml_str(f['kind'])}",
            f"workflow = {toml_str(f['workflow'])}",
            f"step = {toml_str(f['step'])}",
            f"severity = {toml_str(f['severity'])}",
            f"function = {toml_str(f['function'])}",
            'verdict = "untriaged"',
            'reason = ""',
        ]
    for c in new_calls:
        lines += [
            "",
            "[[call]]",
            f"file = {toml_str(c['file'])}",
            f"line = {c['line']}",
            f"action = {toml_str(c.get('action', ''))}",
            f"expect = {toml_str(c['how'])}",
            'verdict = "untriaged"',
            'reason = ""',
        ]
    if lines:
        fresh = not p.exists() or p.stat().st_size == 0
        with open(p, "a") as f:
            if fresh:
                f.write(f"# Triage of idrift's output on {name}; see ../README.md.\n")
            f.write("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", help="only repositories whose name contains this")
    ap.add_argument("--idrift", default=str(ROOT / "target" / "release" / "idrift"))
    ap.add_argument("--record", action="store_true", help="append untriaged findings and call sites to the triage files")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every finding that moved")
    ap.add_argument("--preview", action="store_true", help="also run the preview workflows (idrift --preview) and count their verdicts")
    args = ap.parse_args()

    idrift = Path(args.idrift)
    if not idrift.exists():
        print(f"no idrift binary at {idrift}: run `cargo build --release` first", file=sys.stderr)
        return 2
    base = checkouts_dir()
    preview_ids, preview_actions = preview_workflows()
    # Verdicts of high+medium findings per workflow, for the README's per-workflow figures.
    by_workflow = {}
    totals = dict(misplaced=0, hm=0, true=0, false=0, unclear=0, untriaged=0, confirmed=0, found=0, lost=0, unaccounted=0, unresolved=0, calls=0)
    header = f"{'repository':<44} {'H+M':>4} {'true':>5} {'false':>5} {'uncl':>5} {'new':>4} {'lost':>5} {'calls':>5} {'unres':>5} {'unacc':>5} {'misp':>5}"
    print(header)
    print("-" * len(header))
    failed = False
    for repo in load_manifest():
        name = repo["name"]
        if args.repo and args.repo not in name:
            continue
        repo_dir = base / name.replace("/", "+")
        if not repo_dir.is_dir():
            print(f"{name:<44} (no checkout at {repo_dir}; run checkout.sh)")
            failed = True
            continue
        try:
            report = scan(idrift, repo_dir, repo.get("path", ""), args.preview)
        except Exception as e:  # a crash is a result too
            print(f"{name:<44} idrift failed: {e}")
            failed = True
            continue
        triage = load_triage(name)
        if not args.preview:
            triage["finding"] = [f for f in triage["finding"] if f.get("workflow") not in preview_ids]
            triage["call"] = [c for c in triage["call"] if c.get("action") not in preview_actions]
        verdicts = {finding_key(f): f for f in triage["finding"]}
        findings = [f for f in report["findings"] if f["severity"] in ("high", "medium")]
        low = [f for f in report["findings"] if f["severity"] == "low"]
        seen = set()
        counts = dict(true=0, false=0, unclear=0, untriaged=0)
        new = []
        for f in findings + low:
            k = finding_key(f)
            seen.add(k)
            v = verdicts.get(k)
            if v is None or v.get("verdict") == "untriaged":
                if v is None:
                    new.append(f)
                if f in findings:
                    counts["untriaged"] += 1
                continue
            if f in findings:
                counts[v["verdict"]] = counts.get(v["verdict"], 0) + 1
                by_workflow.setdefault(f["workflow"], {}).setdefault(v["verdict"], 0)
                by_workflow[f["workflow"]][v["verdict"]] += 1
        confirmed = [v for k, v in verdicts.items() if v.get("verdict") == "true"]
        lost = [v for v in confirmed if finding_key(v) not in seen]
        accounted = accounted_calls(report)
        triaged_calls = {call_key(c): c for c in triage["call"]}
        # `expect = "excluded"`: a call in a path a default scan leaves out (scripts, tests);
        # `expect = "not-action"`: code the spec itself says is not the action (a branch on event
        # names in a file that pulls them from the Events API).
        unaccounted = [
            c
            for k, c in triaged_calls.items()
            if k not in accounted and c.get("expect") not in ("excluded", "not-action")
        ]
        # Accounted for, but not as the triage says (an entry the tool missed: unresolved).
        misplaced = [
            c
            for k, c in triaged_calls.items()
            if k in accounted and c.get("expect") in ("instance", "non-request", "unresolved") and accounted[k] != c["expect"]
        ]
        new_calls = []
        for w in report.get("workflows", []):
            for c in w.get("calls", []):
                if call_key(c) not in triaged_calls:
                    new_calls.append(dict(c, how=accounted[call_key(c)]))
        for u in report.get("unresolved", []):
            if call_key(u) not in triaged_calls:
                new_calls.append(dict(u, how="unresolved"))
        # One entry per site.
        uniq = {}
        for c in new_calls:
            uniq.setdefault(call_key(c), c)
        new_calls = list(uniq.values())
        unresolved = len(report.get("unresolved", []))
        print(
            f"{name:<44} {len(findings):>4} {counts['true']:>5} {counts['false']:>5} {counts['unclear']:>5} "
            f"{len(new):>4} {len(lost):>5} {len(accounted):>5} {unresolved:>5} {len(unaccounted):>5} {len(misplaced):>5}"
        )
        if args.verbose:
            for f in new:
                print(f"    new   {f['severity']:<6} {f['kind']}/{f['workflow']}/{f['step']} {f['file']}:{f['line']} ({f['function']})")
            for v in lost:
                print(f"    LOST  {v['kind']}/{v['workflow']}/{v['step']} {v['file']}:{v['line']} ({v.get('function', '')}): {v.get('reason', '')}")
            for c in unaccounted:
                print(f"    UNACCOUNTED call {c['file']}:{c['line']} {c.get('action', '')}")
            for c in misplaced:
                print(f"    misplaced call {c['file']}:{c['line']} {c.get('action', '')}: {accounted[call_key(c)]}, expected {c['expect']} ({c.get('entry', '')})")
            for f in findings:
                v = verdicts.get(finding_key(f))
                if v and v.get("verdict") == "false":
                    print(f"    false {f['kind']}/{f['workflow']}/{f['step']} {f['file']}:{f['line']}: {v.get('reason', '')}")
        if args.record:
            record(name, new, new_calls)
        totals["hm"] += len(findings)
        for k in ("true", "false", "unclear", "untriaged"):
            totals[k] += counts[k]
        totals["confirmed"] += len(confirmed)
        totals["lost"] += len(lost)
        totals["found"] += len(confirmed) - len(lost)
        totals["unaccounted"] += len(unaccounted)
        totals["misplaced"] += len(misplaced)
        totals["unresolved"] += unresolved
        totals["calls"] += len(accounted)
        failed |= bool(lost) or bool(unaccounted)
    print("-" * len(header))
    judged = totals["true"] + totals["false"]
    precision = f"{100 * totals['true'] / judged:.0f} %" if judged else "n/a"
    recall = f"{100 * totals['found'] / totals['confirmed']:.0f} %" if totals["confirmed"] else "n/a"
    print(
        f"high+medium findings {totals['hm']}: {totals['true']} true, {totals['false']} false, "
        f"{totals['unclear']} unclear, {totals['untriaged']} untriaged"
    )
    print(f"precision (true / judged) {precision}; recall of confirmed findings {recall} ({totals['found']} of {totals['confirmed']})")
    print(
        f"call sites accounted {totals['calls']} ({totals['unresolved']} unresolved), unaccounted {totals['unaccounted']}, "
        f"accounted otherwise than triaged {totals['misplaced']}"
    )
    if args.verbose:
        for workflow, v in sorted(by_workflow.items()):
            print(f"  {workflow:<18} {v.get('true', 0):>4} true {v.get('false', 0):>4} false {v.get('unclear', 0):>4} unclear")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
