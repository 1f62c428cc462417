# Source on a machine without package-index access, from the repository root, after copying the
# tree with its .carry/ folder (built by scripts/build_carry.sh):  source scripts/carry_env.sh
# Installs the carried wheels into .carry/site (no index, no network) and puts them and the tree
# on PYTHONPATH; GIT_COMMIT names the commit the tree was copied from (for result provenance).
CARRY_SITE=${CARRY_SITE:-$PWD/.carry/site}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$CARRY_SITE" .carry/*.whl || return 1
export PYTHONPATH=$CARRY_SITE:$PWD
export GIT_COMMIT=$(cat .carry/GIT_COMMIT 2>/dev/null || echo unknown)
export PYTHONUNBUFFERED=1
