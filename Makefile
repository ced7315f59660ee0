# Build and test tooling for the opsflow.pipelines collection.
# Quick start: `make demo` (the collection at work against the API emulator), `make test` (everything).
# Every target sets up what it needs (venvs, collection link, ansible-test's pip bootstrap) by itself;
# a fresh machine needs only python3 (3.11+), git and make (and a Python 3.12+ for ansible-core 2.20,
# found on PATH or in pyenv's versions by tools/find_python.sh).

# The playbook `make demo` runs (twice: once to configure, once to show nothing changes).
DEMO_PLAYBOOK ?= playbooks/demo.yml

PYTHON ?= python3
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
WORK := $(ROOT)/.work
VENV := $(WORK)/venv
VBIN := $(VENV)/bin
VPY := $(VBIN)/python
COLLECTIONS := $(WORK)/collections
SANITY_ROOT := $(WORK)/sanity/ansible_collections/opsflow/pipelines
DIST := $(WORK)/dist
PYTEST_ARGS ?=
# pytest-xdist workers per integration suite (each worker starts its own emulator); 0 = serial.
INTEGRATION_WORKERS ?= 2
INTEGRATION_ARGS = $(if $(filter-out 0,$(INTEGRATION_WORKERS)),-n $(INTEGRATION_WORKERS)) $(PYTEST_ARGS)
# The ansible-core a requirements file pins (tests/integration/test_ansible_core.py checks the one in use).
core_pin = $(shell sed -n 's/^ansible-core==\([0-9.]*\).*/\1/p' $(1))

# The ansible-core matrix. The default version lives in .work/venv (requirements-dev.txt, with every
# tool); each other version V in .work/venv-V (tools/requirements-V.txt). OLDEST and NEWEST get
# everything (unit, integration, sanity); MIDDLE gets unit and half the integration suite each (below:
# a busy machine runs `make test` about 3 times slower, and CI has 90 minutes). Two versions run at once
# (test-oldest-newest, test-middle): an integration suite waits on ansible-playbook and the emulator
# about half its time (serially: 46 s wall for 23.5 s CPU), so two suites share 2 cores well.
OLDEST := 2.16
NEWEST := 2.20
MIDDLE := 2.17 2.18
MATRIX := $(OLDEST) $(MIDDLE) $(NEWEST)
# The MIDDLE versions share the integration suite out between them (--shard K/N, tests/integration/conftest.py):
# each test runs on OLDEST, the default version, NEWEST and one MIDDLE version; the version check runs on all.
# $(call middle_shard,V): --shard=K/N, K being V's place in MIDDLE and N how many MIDDLE holds.
middle_shard = --shard=$(strip $(foreach i,$(shell seq $(words $(MIDDLE))),$(if $(filter $(1),$(word $(i),$(MIDDLE))),$(i))))/$(words $(MIDDLE))
# Version-independent integration checks the MIDDLE versions leave to the others: ansible-lint on the
# roles (ansible-lint refuses ansible-core 2.17) and the execution-environment build context.
MIDDLE_DESELECT := --deselect tests/integration/test_role_sandbox.py::test_roles_and_playbooks_pass_ansible_lint_production_profile \
	--ignore tests/integration/test_execution_environment.py

# Every tool comes from the venv; ansible finds this tree as opsflow.pipelines.
export PATH := $(VBIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Layers of `make test`, in order. All run even after a failure; the summary says which failed.
# The environments come first (all at once, two at a time) so that the summary shows their set-up apart.
TEST_STAGES := venvs test-unit test-integration test-oldest-newest test-middle sanity ansible-lint galaxy-import nox docs \
	changelog-lint

.PHONY: help venv venvs test test-unit test-integration test-oldest-newest test-middle sanity lint ansible-lint \
	galaxy-import build nox docs-lint docs changelog-lint changelog bench mutation demo lock clean \
	$(addprefix venv-,$(MATRIX) nox demo) $(addprefix test-unit-,$(MATRIX)) $(addprefix test-integration-,$(MATRIX)) \
	$(addprefix test-core-,$(MATRIX))

help:
	@echo 'make demo              run $(DEMO_PLAYBOOK) against the API emulator, twice (2nd run must change nothing),'
	@echo '                       from its own small venv (.work/venv-demo: ansible-core + requests); writes only inside the clone'
	@echo 'make test              everything below, with a timed summary: $(TEST_STAGES)'
	@echo 'make test-unit         pytest tests/unit on ansible-core $(call core_pin,requirements-dev.txt) (.work/venv)'
	@echo 'make test-integration  pytest tests/integration on ansible-core $(call core_pin,requirements-dev.txt) (real ansible-playbook against the emulator)'
	@echo 'make test-unit-V, make test-integration-V'
	@echo '                       the same on ansible-core V, one of: $(MATRIX) (.work/venv-V)'
	@echo 'make test-core-V       test-unit-V, then test-integration-V'
	@echo 'make test-oldest-newest  test-core-$(OLDEST) and test-core-$(NEWEST), both at once (output per version when it ends)'
	@echo 'make test-middle       test-core-V for $(MIDDLE), both at once (each: the unit tests, and its half of the integration suite)'
	@echo 'make sanity            ansible-test sanity in full on ansible-core $(NEWEST) and $(OLDEST), then compile/import on every module Python'
	@echo 'make lint              ansible-lint, galaxy-import, nox, changelog-lint'
	@echo 'make ansible-lint      ansible-lint --profile production'
	@echo 'make galaxy-import     ansible-galaxy collection build + galaxy-importer (no ERROR/WARNING allowed)'
	@echo 'make nox               antsibull-nox'"'"'s sessions (antsibull-nox.toml): docs-check and extra-checks'
	@echo 'make docs-lint         antsibull-nox'"'"'s docs-check alone: antsibull-docs lint-collection-docs --plugin-docs, code blocks, references'
	@echo 'make docs              build the docs site into .work/docs/build/html (tools/build_docs.sh)'
	@echo 'make changelog-lint    antsibull-changelog lint (fragments, changelog.yaml, CHANGELOG.md up to date)'
	@echo 'make changelog         release galaxy.yml'"'"'s version: fragments -> changelogs/changelog.yaml + CHANGELOG.md'
	@echo 'make venv              create/re-use .work/venv (requirements-dev.txt) and the collection link'
	@echo 'make venv-V            create/re-use .work/venv-V (tools/requirements-V.txt), V one of: $(MATRIX) nox demo'
	@echo 'make venvs             all of them but demo, two at a time'
	@echo 'make bench             buddy_pipeline vs looped buddy_action on the emulator (tools/bench_pipeline.py; not in CI)'
	@echo 'make mutation          mutation testing of module_utils against their unit tests (tools/mutation.py; not in CI)'
	@echo 'make lock              re-pin tools/constraints-*.txt from the requirements files'
	@echo 'make clean             remove .work build output (keeps the venvs)'

venv:
	@$(PYTHON) tools/ensure_venv.py

venvs:
	@$(PYTHON) tools/ensure_venv.py dev $(MATRIX) nox

$(addprefix venv-,$(MATRIX) nox demo): venv-%:
	@$(PYTHON) tools/ensure_venv.py $*

test:
	@MAKE='$(MAKE)' tools/run_stages.sh $(TEST_STAGES)

test-unit: venv
	tools/run_pytest.sh $(VPY) tests/unit $(PYTEST_ARGS)

$(addprefix test-unit-,$(MATRIX)): test-unit-%: venv-%
	PATH=$(WORK)/venv-$*/bin:$$PATH tools/run_pytest.sh $(WORK)/venv-$*/bin/python tests/unit $(PYTEST_ARGS)

# The tests run ansible-playbook from the bin directory of the Python that runs pytest.
test-integration: venv
	OPSFLOW_EXPECT_ANSIBLE_CORE=$(call core_pin,requirements-dev.txt) \
		tools/run_pytest.sh $(VPY) tests/integration $(INTEGRATION_ARGS)

$(addprefix test-integration-,$(MATRIX)): test-integration-%: venv-%
	PATH=$(WORK)/venv-$*/bin:$$PATH OPSFLOW_EXPECT_ANSIBLE_CORE=$(call core_pin,tools/requirements-$*.txt) \
		tools/run_pytest.sh $(WORK)/venv-$*/bin/python tests/integration $(INTEGRATION_ARGS) \
		$(if $(filter $*,$(MIDDLE)),$(MIDDLE_DESELECT) $(call middle_shard,$*))

test-oldest-newest:
	@$(MAKE) --no-print-directory -j2 --output-sync=recurse test-core-$(OLDEST) test-core-$(NEWEST)

test-middle:
	@$(MAKE) --no-print-directory -j2 --output-sync=recurse $(addprefix test-core-,$(MIDDLE))

$(addprefix test-core-,$(MATRIX)): test-core-%:
	@echo '=== ansible-core $*: unit, then integration (.work/venv-$*)'
	@rc=0; $(MAKE) --no-print-directory test-unit-$* || rc=1; \
		$(MAKE) --no-print-directory test-integration-$* || rc=1; exit $$rc

# ansible-test only runs from .../ansible_collections/<namespace>/<name>: tools/run_sanity.py runs it on a
# mirror of the tree: every test with each given venv's ansible-test on its own Python, then
# compile+import on each module Python that tests/config.yml admits, with the newest ansible-test that supports it.
sanity: venv-$(NEWEST) venv-$(OLDEST)
	$(WORK)/venv-$(NEWEST)/bin/python tools/run_sanity.py $(SANITY_ROOT) $(WORK)/venv-$(NEWEST) $(WORK)/venv-$(OLDEST)

lint:
	@MAKE='$(MAKE)' tools/run_stages.sh ansible-lint galaxy-import nox changelog-lint

ansible-lint: venv
	$(VBIN)/ansible-lint --profile production

build: venv
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(VBIN)/ansible-galaxy collection build --force --output-path $(DIST) $(ROOT)

# galaxy-importer logs problems as "ERROR: ..." / "WARNING: ..." lines; any such line fails.
galaxy-import: build
	cd $(DIST) && GALAXY_IMPORTER_CONFIG=$(ROOT)/tools/galaxy-importer.cfg \
		$(VPY) -m galaxy_importer.main $(DIST)/opsflow-pipelines-*.tar.gz 2>&1 | tee $(DIST)/galaxy-importer.log
	@if grep -E '^(ERROR|WARNING|CRITICAL)' $(DIST)/galaxy-importer.log >/dev/null; then \
		echo 'galaxy-importer reported the problems above' >&2; exit 1; fi
	@grep -q '^Importer processing completed successfully' $(DIST)/galaxy-importer.log

# antsibull-nox (antsibull-nox.toml, noxfile.py); its sessions install their pinned tools into .work/nox.
NOX = $(WORK)/venv-nox/bin/nox --no-color -f $(ROOT)/noxfile.py
nox: venv-nox
	PATH=$(WORK)/venv-nox/bin:$$PATH $(NOX) -e extra-checks docs-check

docs-lint: venv-nox
	PATH=$(WORK)/venv-nox/bin:$$PATH $(NOX) -e docs-check

docs: venv
	tools/build_docs.sh

changelog-lint: venv
	tools/changelog.sh lint

# The release step of the changelog: galaxy.yml's version, today's date (RELEASE_DATE=YYYY-MM-DD to set it).
changelog: venv
	tools/changelog.sh release

# Not in CI: buddy_pipeline against looped buddy_action on the emulator (tools/bench_pipeline.py).
bench: venv
	$(VBIN)/python tools/bench_pipeline.py

# Not in CI (long): mutation testing of module_utils files against their unit tests (tools/mutation.py --help).
mutation: venv
	$(VBIN)/python tools/mutation.py $(MUTATION_ARGS)

# Its own small venv; ansible's home, temporary files and pip's cache all inside .work (tools/demo.py).
demo:
	@echo '##### make demo: setting up .work/venv-demo (ansible-core + requests; the first time takes a minute)'
	@$(PYTHON) tools/ensure_venv.py demo
	@$(WORK)/venv-demo/bin/python tools/demo.py $(DEMO_PLAYBOOK)

lock:
	$(PYTHON) tools/ensure_venv.py --lock dev $(MATRIX) nox demo

clean:
	rm -rf $(WORK)/sanity $(WORK)/docs $(DIST) $(WORK)/demo $(WORK)/logs $(WORK)/nox tests/output .pytest_cache
