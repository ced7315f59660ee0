#!/usr/bin/env bash
# Run make targets one after another, time each, keep going after a failure, print a summary,
# and fail if any target failed: tools/run_stages.sh TARGET...
set -uo pipefail
make_cmd=${MAKE:-make}
names=()
results=()
failed=0
for target in "$@"; do
    echo
    echo "=== [$(date +%H:%M:%S)] make $target"
    start=$SECONDS
    if "$make_cmd" --no-print-directory "$target"; then
        status=ok
    else
        status=FAILED
        failed=1
    fi
    elapsed=$((SECONDS - start))
    echo "=== make $target: $status in ${elapsed}s"
    names+=("$target")
    results+=("$(printf '%-8s %5ss' "$status" "$elapsed")")
done
echo
echo "=== summary"
for i in "${!names[@]}"; do
    printf '  %-22s %s\n' "${names[$i]}" "${results[$i]}"
done
exit "$failed"
