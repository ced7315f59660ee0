#!/usr/bin/env bash
# Print the path of a working pythonX.Y interpreter (tools/find_python.sh 3.8), or nothing.
# Looks on PATH first, then in pyenv's versions (installed but not active ones too): under
# $PYENV_ROOT, ~/.pyenv and `pyenv root`.
set -uo pipefail
version=$1
candidates=()
if found=$(command -v "python$version" 2>/dev/null); then
    candidates+=("$found")
fi
roots=("${PYENV_ROOT:-}" "$HOME/.pyenv")
if command -v pyenv >/dev/null 2>&1; then
    roots+=("$(pyenv root 2>/dev/null)")
fi
for root in "${roots[@]}"; do
    [ -n "$root" ] || continue
    for dir in "$root"/versions/"$version".*/bin; do
        candidates+=("$dir/python$version")
    done
done
for candidate in "${candidates[@]}"; do
    if [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(0)' >/dev/null 2>&1; then
        printf '%s\n' "$candidate"
        exit 0
    fi
done
exit 0
