#!/usr/bin/env bash
# The changelog, through antsibull-changelog (configuration: changelogs/config.yaml, output CHANGELOG.md).
#
#   tools/changelog.sh lint      `make changelog-lint`: the fragments, changelogs/changelog.yaml, and
#                                CHANGELOG.md being what changelog.yaml renders to (when anything is released).
#   tools/changelog.sh release   `make changelog`: release galaxy.yml's version. Needs a fragment with a
#                                release_summary; RELEASE_DATE=YYYY-MM-DD sets the date (default: today).
#                                Turns the fragments into a release in changelogs/changelog.yaml (and
#                                deletes them), refreshes changelogs/.plugin-cache.yaml, writes CHANGELOG.md.
#
# Run through make (or with the venv's bin first on PATH and ANSIBLE_COLLECTIONS_PATH pointing at
# .work/collections): the release step lists the collection's modules and roles with ansible-doc to
# name the new ones.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CHANGELOG=CHANGELOG.md

released() {
    python -c 'import sys, yaml; sys.exit(0 if (yaml.safe_load(open("changelogs/changelog.yaml")) or {}).get("releases") else 1)'
}

lint() {
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
    if ! released; then
        if [ -e "$CHANGELOG" ]; then
            echo "ERROR: $CHANGELOG exists but changelogs/changelog.yaml has no release" >&2
            return 1
        fi
        echo "NOTE: nothing released yet: no $CHANGELOG (\`make changelog\` writes it at release time)"
        return 0
    fi
    # CHANGELOG.md must be exactly what antsibull-changelog renders from changelog.yaml.
    local scratch rc=0
    scratch=$(mktemp -d)
    cp -R galaxy.yml changelogs "$scratch/"
    (cd "$scratch" && antsibull-changelog generate) || rc=$?
    if [ "$rc" -eq 0 ] && ! diff -u "$CHANGELOG" "$scratch/$CHANGELOG"; then
        echo "ERROR: $CHANGELOG is not what changelogs/changelog.yaml renders to (run: antsibull-changelog generate)" >&2
        rc=1
    fi
    rm -rf "$scratch"
    [ "$rc" -eq 0 ] || return "$rc"
    echo "$CHANGELOG matches changelogs/changelog.yaml"
}

release() {
    local version date
    version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
    date=${RELEASE_DATE:-$(date +%Y-%m-%d)}
    antsibull-changelog lint
    if ! grep -l '^release_summary:' changelogs/fragments/*.y*ml >/dev/null 2>&1; then
        cat >&2 <<EOF
ERROR: no fragment has a release_summary. Add one for $version, for example
    printf 'release_summary: |\n  First release of opsflow.pipelines: ...\n' > changelogs/fragments/$version.yml
and run \`make changelog\` again.
EOF
        return 1
    fi
    echo "+ antsibull-changelog release --version $version --date $date --reload-plugins"
    antsibull-changelog release --version "$version" --date "$date" --reload-plugins
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
    lint
    echo
    echo "Released $version ($date): changelogs/changelog.yaml, changelogs/.plugin-cache.yaml and $CHANGELOG"
    echo "updated, fragments removed. Review with \`git status\` and \`git diff\`, then commit them together."
}

case "${1:-}" in
    lint) lint ;;
    release) release ;;
    *) echo "usage: tools/changelog.sh lint|release" >&2; exit 2 ;;
esac
