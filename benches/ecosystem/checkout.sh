#!/usr/bin/env bash
# Brings every repository of manifest.toml to its pinned commit under $IDRIFT_ECOSYSTEM_DIR
# (default /work/checkouts when it exists, else ../ecosystem-checkouts beside the project).
#
#   benches/ecosystem/checkout.sh            # clone from GitHub (needs the network; idrift never does)
#   IDRIFT_MIRRORS=/work/.mirror benches/ecosystem/checkout.sh
#                                            # or from local bare mirrors named owner+name
#
# A checkout that is already at its commit is left alone. No checkout's code belongs in this
# repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
dest="${IDRIFT_ECOSYSTEM_DIR:-}"
if [ -z "$dest" ]; then
  if [ -d /work/checkouts ]; then dest=/work/checkouts; else dest="$root/../ecosystem-checkouts"; fi
fi
mkdir -p "$dest"

python3 - "$here/manifest.toml" <<'EOF' |
import sys, tomllib
for r in tomllib.load(open(sys.argv[1], "rb"))["repo"]:
    print(r["name"], r["commit"])
EOF
while read -r name commit; do
  dir="$dest/${name/\//+}"
  if [ -d "$dir/.git" ] && [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" = "$commit" ]; then
    continue
  fi
  mirror=""
  if [ -n "${IDRIFT_MIRRORS:-}" ]; then
    for candidate in "$IDRIFT_MIRRORS/${name/\//+}/repo/.git" "$IDRIFT_MIRRORS/${name/\//+}/repo"; do
      if [ -f "$candidate/HEAD" ]; then mirror="$candidate"; break; fi
    done
  fi
  rm -rf "$dir"
  if [ -n "$mirror" ]; then
    # Borrow the mirror's objects (no copy): a snapshot may lack objects a fetch would walk.
    git clone -q --shared --no-checkout "$mirror" "$dir"
  else
    git init -q "$dir"
    git -C "$dir" fetch -q --depth 1 "https://github.com/$name" "$commit"
  fi
  git -C "$dir" -c advice.detachedHead=false checkout -q "$commit"
  echo "$name @ ${commit:0:10} -> $dir"
done
