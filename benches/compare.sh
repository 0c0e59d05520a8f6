#!/usr/bin/env bash
# Speed and memory of `idrift scan` side by side with Semgrep and ast-grep on the same checkouts,
# in one run, as ratios. Usage:
#
#   benches/compare.sh CHECKOUT [CHECKOUT...]
#
# Needs: a release build of idrift (built here), `semgrep` and `ast-grep` from PyPI
# (`pip install semgrep ast-grep-cli`), Python 3 (which Semgrep needs anyway). Nothing is written into the checkouts.
# Each tool runs once to warm the page cache (not counted), then RUNS rounds (default 5) on each
# checkout, every tool once per round in turn; each tool's median run is reported.
# With SCALE=1 it also builds synthetic repositories of 10x and 100x the first checkout (hard
# links under a temporary folder) and times idrift on each, to show how time grows with size.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
idrift="$root/target/release/idrift"
jobs="$(nproc)"

runs="${RUNS:-5}"
measure() { # [-- command...]...  -> "seconds peak_kb" per command: the median of $RUNS rounds,
  # each running every command once, after one warm-up run of each (see measure.py: the tools
  # are interleaved so that a slow minute of a shared machine weighs on all of them alike).
  python3 "$here/measure.py" "$runs" "$@"
}

lines_of() {
  find "$1" -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.jsx' -o -name '*.py' -o -name '*.go' -o -name '*.rb' -o -name '*.rs' \) \
    -not -path '*/node_modules/*' -not -path '*/.git/*' -print0 | xargs -0 cat 2>/dev/null | wc -l
}

printf '%-40s %9s | %9s %7s | %9s %7s | %9s %7s | %8s %8s\n' repository lines idrift_s MB semgrep_s MB astgrep_s MB semgrep/x astgrep/x
for repo in "$@"; do
  name="$(basename "$repo")"
  lines="$(lines_of "$repo")"
  read -r it im st sm at am <<<"$(measure \
    -- "$idrift" scan --format json "$repo" \
    -- semgrep --config "$here/rules/semgrep-identity.yml" --metrics=off --disable-version-check --quiet --jobs "$jobs" --json "$repo" \
    -- ast-grep scan --rule "$here/rules/ast-grep-identity.yml" --json=compact "$repo")"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
  printf '%-40s %9s | %9s %7d | %9s %7d | %9s %7d | %8s %8s\n' "$name" "$lines" "$it" "$((im / 1024))" "$st" "$((sm / 1024))" "$at" "$((am / 1024))" "$(ratio "$st" "$it")" "$(ratio "$at" "$it")"
done

if [ "${SCALE:-0}" = 1 ] && [ "$#" -gt 0 ]; then
  base="$1"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo
  echo "scaling (idrift only): copies of $(basename "$base")"
  for n in 1 10 100; do
    dir="$tmp/x$n"
    mkdir -p "$dir"
    for i in $(seq 1 "$n"); do cp -al "$base" "$dir/copy$i" 2>/dev/null || cp -a "$base" "$dir/copy$i"; done
    read -r t m <<<"$(measure -- "$idrift" scan --format json "$dir")"
    printf '  x%-4s %10s lines  %8ss  %6d MB\n' "$n" "$(( $(lines_of "$base") * n ))" "$t" "$((m / 1024))"
    rm -rf "$dir"
  done
fi
