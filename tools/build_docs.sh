#!/usr/bin/env bash
# Build the collection's documentation site (antsibull-docs + Sphinx): `tools/build_docs.sh`
# (or `make docs`). Output: .work/docs/build/html/index.html; log: .work/docs/build.log.
#
# * Sets itself up: the project venv (.work/venv, via tools/ensure_venv.py, re-used when current),
#   the collection link .work/collections/ansible_collections/opsflow/pipelines -> this tree, and
#   the Sphinx theme (docs/requirements-docs.txt) beside the venv when the venv lacks it.
# * Offline: the only network use is that one pip install from PyPI. Sphinx's intersphinx
#   would fetch docs.ansible.com's inventory; instead a small inventory of the Ansible docs
#   labels the pages link to is written locally (links still point at docs.ansible.com).
# * Strict: antsibull-docs with --fail-on-error, Sphinx with -W (nitpicky), the guides'
#   role variables checked against the roles' argument specs, and any WARNING/ERROR line in the
#   log fails the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/.work"
VBIN="$WORK/venv/bin"
VPY="$VBIN/python"
SITE="$WORK/docs"
DOCS_DEPS="$WORK/docs-deps"
COLLECTIONS="$WORK/collections"
LOG="$SITE/build.log"
PYTHON="${PYTHON:-python3}"
ANSIBLE_DOCS_URL="https://docs.ansible.com/projects/ansible/devel/"

"$PYTHON" "$ROOT/tools/ensure_venv.py" >/dev/null

# The theme: from the venv if it has it, else pinned in .work/docs-deps (rebuilt when the pins change).
if ! "$VPY" -c 'import sphinx_ansible_theme' 2>/dev/null; then
    wanted="$("$VPY" -c 'import sys; print(sys.version)' | cat - "$ROOT/docs/requirements-docs.txt" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$DOCS_DEPS/.stamp" 2>/dev/null || true)" != "$wanted" ]; then
        rm -rf "$DOCS_DEPS"
        "$VPY" -m pip install --disable-pip-version-check --no-input --progress-bar off --quiet \
            --no-deps --target "$DOCS_DEPS" -r "$ROOT/docs/requirements-docs.txt"
        echo "$wanted" > "$DOCS_DEPS/.stamp"
    fi
    export PYTHONPATH="$DOCS_DEPS${PYTHONPATH:+:$PYTHONPATH}"
fi

export PATH="$VBIN:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export ANSIBLE_NOCOLOR=1
rm -rf "$SITE"
mkdir -p "$SITE"
: > "$LOG"

# Guides may only name role variables the roles declare (catches renames in either place).
"$VPY" - "$ROOT" <<'PYEOF' 2>&1 | tee -a "$LOG"
import os, re, sys
import yaml
root = sys.argv[1]
declared = {}
for role in sorted(os.listdir(os.path.join(root, 'roles'))):
    spec = os.path.join(root, 'roles', role, 'meta', 'argument_specs.yml')
    if os.path.exists(spec):
        with open(spec, encoding='utf-8') as handle:
            for entry in (yaml.safe_load(handle) or {}).get('argument_specs', {}).values():
                declared.update((name, role) for name in (entry.get('options') or {}))
roles = tuple(sorted(os.listdir(os.path.join(root, 'roles'))))
pattern = re.compile(r'\b((?:%s)_[a-z0-9_]+)' % '|'.join(re.escape(role) for role in roles)) if roles else None
problems = []
guides = os.path.join(root, 'docs', 'docsite', 'rst')
for name in sorted(os.listdir(guides)):
    with open(os.path.join(guides, name), encoding='utf-8') as handle:
        for number, line in enumerate(handle, 1):
            for variable in (pattern.findall(line) if pattern else ()):
                if variable not in declared and not variable.endswith('_result') and not variable.startswith('_'):
                    problems.append('%s:%d: %s is not an option of any role' % (name, number, variable))
for problem in problems:
    print('ERROR: docs/docsite/rst/' + problem)
PYEOF

antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$SITE" \
    --project opsflow.pipelines --title 'opsflow.pipelines' --copyright 'opsflow.pipelines contributors' \
    --no-add-antsibull-docs-version opsflow.pipelines 2>&1 | tee -a "$LOG"

# Offline intersphinx: one local inventory for the Ansible docs, replacing the generated mapping.
"$VPY" - "$SITE/ansible_devel.inv" <<'PYEOF' 2>&1 | tee -a "$LOG"
import os, sys, zlib
import ansible
# std labels the antsibull-docs templates link to, with their pages on docs.ansible.com.
labels = {
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
    'collections_keyword': ('collections_guide/collections_using_playbooks.html', 'Using collections in playbooks'),
    'list_of_collections': ('collections/index.html', 'Collection Index'),
    'playbooks_module_defaults': ('playbook_guide/playbooks_module_defaults.html', 'Module defaults'),
    'check_mode_dry': ('playbook_guide/playbooks_checkmode.html', 'Validating tasks: check mode and diff mode'),
}
lines = ['%s std:label -1 %s %s' % (name, uri, title) for name, (uri, title) in sorted(labels.items())]
# ansible-core's own configuration variables (for example ANSIBLE_CACHE_PLUGIN_CONNECTION, which the
# inventory's cache options share): antsibull-docs leaves them out of the collection's environment
# variables page and links them to the Ansible configuration page instead.
import yaml
with open(os.path.join(os.path.dirname(ansible.__file__), 'config', 'base.yml'), encoding='utf-8') as handle:
    settings = yaml.safe_load(handle)
core_env = sorted({entry['name'] for setting in settings.values() if isinstance(setting, dict)
                   for entry in (setting.get('env') or [])})
lines += ['%s std:envvar -1 reference_appendices/config.html#envvar-%s -' % (name, name) for name in core_env]
# Every ansible.builtin plugin, as antsibull-docs names its page.
base = os.path.dirname(ansible.__file__)
plugins = set()
for filename in os.listdir(os.path.join(base, 'modules')):
    if filename.endswith('.py') and not filename.startswith('_'):
        plugins.add((filename[:-3], 'module'))
for plugin_type in sorted(os.listdir(os.path.join(base, 'plugins'))):
    directory = os.path.join(base, 'plugins', plugin_type)
    if not os.path.isdir(directory) or plugin_type.startswith('_'):
        continue
    for filename in os.listdir(directory):
        stem, extension = os.path.splitext(filename)
        if extension in ('.py', '.yml') and not stem.startswith('_'):
            plugins.add((stem, plugin_type))
for name, plugin_type in sorted(plugins):
    label = 'ansible_collections.ansible.builtin.%s_%s' % (name, plugin_type)
    lines.append('%s std:label -1 collections/ansible/builtin/%s_%s.html ansible.builtin.%s %s' % (label, name, plugin_type, name, plugin_type))
header = b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n'
with open(sys.argv[1], 'wb') as handle:
    handle.write(header + zlib.compress(('\n'.join(lines) + '\n').encode('utf-8')))
PYEOF
cat >> "$SITE/conf.py" <<PYEOF

# Set by tools/build_docs.sh: offline, the Ansible docs' labels come from a local inventory.
intersphinx_mapping = {'ansible_devel': ('$ANSIBLE_DOCS_URL', '$SITE/ansible_devel.inv')}
PYEOF

cd "$SITE"
mkdir -p rst
chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --use-current --squash-hierarchy --fail-on-error \
    --cleanup everything --dest-dir rst opsflow.pipelines 2>&1 | tee -a "$LOG"
# antsibull-docs title-cases the collection name in the index heading; the name is lower case.
sed -i '0,/^Opsflow\.Pipelines$/s//opsflow.pipelines/' rst/index.rst
sphinx-build -M html rst build -c . -W --keep-going -n 2>&1 | tee -a "$LOG"

if grep -nE '(^|[^a-z_])(WARNING|ERROR|CRITICAL)' "$LOG"; then
    echo "docs build: the log above has warnings or errors (full log: $LOG)" >&2
    exit 1
fi
echo "docs built: $SITE/build/html/index.html"
