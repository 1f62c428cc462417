# Source at the start of every device command:  source scripts/device_env.sh
# Installs .carry/ wheels into /tmp/site (no index, no network) and puts them on PYTHONPATH.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .carry/*.whl || return 1
export PYTHONPATH=/tmp/site:$PWD
export GRAM_CACHE_DIR=${GRAM_CACHE_DIR:-/tmp/gram_cache}
export GIT_COMMIT=$(cat .carry/GIT_COMMIT 2>/dev/null || echo unknown)
export PYTHONUNBUFFERED=1
