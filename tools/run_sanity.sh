#!/usr/bin/env bash
# `make sanity`: tools/run_sanity.sh VENV_BIN SANITY_ROOT PYTHON_VERSION MODULE_MIN_PYTHON
# Mirrors the tree into SANITY_ROOT (a path ending in ansible_collections/opsflow/pipelines, which
# ansible-test needs), runs every sanity test there on PYTHON_VERSION, then, when a
# python$MODULE_MIN_PYTHON is on the machine, the compile and import tests again on it (modules and
# module_utils must work on the oldest Python the collection supports). Both always run; any
# failure fails. An ignore file is a failure too: fix the code instead.
set -euo pipefail
venv_bin=$1
sanity_root=$2
python_version=$3
module_min_python=$4
repo_root=$(cd "$(dirname "$0")/.." && pwd)

"$venv_bin/python" "$repo_root/tools/mirror_tree.py" "$sanity_root"
cd "$sanity_root"
unset ANSIBLE_COLLECTIONS_PATH
failed=0

echo "+ ansible-test sanity --requirements --python $python_version"
"$venv_bin/ansible-test" sanity --requirements --python "$python_version" --color no || failed=1

oldest=$("$repo_root/tools/find_python.sh" "$module_min_python")
if [ -z "$oldest" ]; then
    echo "NOTE: no python$module_min_python on this machine: compile/import on Python $module_min_python not run"
else
    echo "+ ansible-test sanity --test compile --test import --requirements --python $module_min_python ($oldest)"
    PATH="$venv_bin:$(dirname "$oldest"):$PATH" "$venv_bin/ansible-test" sanity --test compile --test import \
        --requirements --python "$module_min_python" --color no || failed=1
fi

if compgen -G "$repo_root/tests/sanity/ignore-*.txt" >/dev/null; then
    echo "ERROR: tests/sanity/ignore-*.txt must not exist: fix the code instead" >&2
    failed=1
fi
exit "$failed"
