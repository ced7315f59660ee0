# Build and test tooling for the opsflow.pipelines collection.
# Quick start: `make demo` (the collection at work against the API emulator), `make test` (everything).
# Every target sets up what it needs (venv, collection link, ansible-test's pip bootstrap) by itself;
# a fresh machine needs only python3 (3.11+), git and make.

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
# The second environment: the oldest ansible-core meta/runtime.yml admits (tools/requirements-2.16.txt).
VENV_216 := $(WORK)/venv-2.16
VPY_216 := $(VENV_216)/bin/python
COLLECTIONS := $(WORK)/collections
SANITY_ROOT := $(WORK)/sanity/ansible_collections/opsflow/pipelines
DIST := $(WORK)/dist
# ansible-test sanity runs on the venv's Python version (3.11 on the project's machines).
SANITY_PYTHON ?= $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTEST_ARGS ?=
# pytest-xdist workers for the integration suites (each worker starts its own emulator); 0 = serial.
INTEGRATION_WORKERS ?= 2
INTEGRATION_ARGS = $(if $(filter-out 0,$(INTEGRATION_WORKERS)),-n $(INTEGRATION_WORKERS)) $(PYTEST_ARGS)
# The ansible-core each integration run must find (tests/integration/test_ansible_core.py checks it).
core_pin = $(shell sed -n 's/^ansible-core==\([0-9.]*\).*/\1/p' $(1))

# Every tool comes from the venv; ansible finds this tree as opsflow.pipelines.
export PATH := $(VBIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Layers of `make test`, in order. All run even after a failure; the summary says which failed.
# The two environments come first so that the summary shows their set-up time apart.
TEST_STAGES := venv venv-2.16 test-unit test-unit-2.16 test-integration test-integration-2.16 sanity ansible-lint galaxy-import \
	docs-lint docs changelog-lint

.PHONY: help venv venv-2.16 test test-unit test-unit-2.16 test-integration test-integration-2.16 sanity lint ansible-lint \
	galaxy-import build docs-lint docs changelog-lint changelog demo lock clean

help:
	@echo 'make demo              run $(DEMO_PLAYBOOK) against the API emulator, twice (2nd run must change nothing)'
	@echo 'make test              everything below, with a timed summary'
	@echo 'make test-unit         pytest tests/unit'
	@echo 'make test-unit-2.16    pytest tests/unit on ansible-core $(call core_pin,tools/requirements-2.16.txt) (.work/venv-2.16)'
	@echo 'make test-integration  pytest tests/integration on ansible-core $(call core_pin,requirements-dev.txt) (real ansible-playbook against the emulator)'
	@echo 'make test-integration-2.16  the same on ansible-core $(call core_pin,tools/requirements-2.16.txt) (.work/venv-2.16)'
	@echo 'make sanity            ansible-test sanity on Python $(SANITY_PYTHON), then compile/import on every module Python (tools/run_sanity.py)'
	@echo 'make lint              ansible-lint, galaxy-import, docs-lint, changelog-lint'
	@echo 'make ansible-lint      ansible-lint --profile production'
	@echo 'make galaxy-import     ansible-galaxy collection build + galaxy-importer (no ERROR/WARNING allowed)'
	@echo 'make docs-lint         antsibull-docs lint-collection-docs --plugin-docs'
	@echo 'make docs              build the docs site into .work/docs/build/html (tools/build_docs.sh)'
	@echo 'make changelog-lint    antsibull-changelog lint (fragments, changelog.yaml, CHANGELOG.md up to date)'
	@echo 'make changelog         release galaxy.yml'"'"'s version: fragments -> changelogs/changelog.yaml + CHANGELOG.md'
	@echo 'make venv              create/re-use .work/venv (requirements-dev.txt) and the collection link'
	@echo 'make venv-2.16         create/re-use .work/venv-2.16 (tools/requirements-2.16.txt)'
	@echo 'make lock              re-pin tools/constraints-dev.txt and tools/constraints-2.16.txt'
	@echo 'make clean             remove .work build output (keeps the venv)'

venv:
	@$(PYTHON) tools/ensure_venv.py

venv-2.16:
	@$(PYTHON) tools/ensure_venv.py 2.16

test:
	@MAKE='$(MAKE)' tools/run_stages.sh $(TEST_STAGES)

test-unit: venv
	tools/run_pytest.sh $(VPY) tests/unit $(PYTEST_ARGS)

test-unit-2.16: venv-2.16
	PATH=$(VENV_216)/bin:$$PATH tools/run_pytest.sh $(VPY_216) tests/unit $(PYTEST_ARGS)

# The tests run ansible-playbook from the bin directory of the Python that runs pytest.
test-integration: venv
	OPSFLOW_EXPECT_ANSIBLE_CORE=$(call core_pin,requirements-dev.txt) \
		tools/run_pytest.sh $(VPY) tests/integration $(INTEGRATION_ARGS)

test-integration-2.16: venv-2.16
	PATH=$(VENV_216)/bin:$$PATH OPSFLOW_EXPECT_ANSIBLE_CORE=$(call core_pin,tools/requirements-2.16.txt) \
		tools/run_pytest.sh $(VPY_216) tests/integration $(INTEGRATION_ARGS)

# ansible-test only runs from .../ansible_collections/<namespace>/<name>: tools/run_sanity.py runs it on a
# mirror of the tree: all tests on $(SANITY_PYTHON), then compile+import on each module Python that
# tests/config.yml admits, with the newest of the two ansible-tests that supports it.
sanity: venv venv-2.16
	$(VPY) tools/run_sanity.py $(SANITY_ROOT) $(SANITY_PYTHON) $(VENV) $(VENV_216)

lint:
	@MAKE='$(MAKE)' tools/run_stages.sh ansible-lint galaxy-import docs-lint changelog-lint

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

docs-lint: venv
	$(VBIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLLECTIONS)/ansible_collections/opsflow/pipelines

docs: venv
	tools/build_docs.sh

changelog-lint: venv
	tools/changelog.sh lint

# The release step of the changelog: galaxy.yml's version, today's date (RELEASE_DATE=YYYY-MM-DD to set it).
changelog: venv
	tools/changelog.sh release

demo: venv
	$(VPY) tools/demo.py $(DEMO_PLAYBOOK)

lock:
	$(PYTHON) tools/ensure_venv.py --lock dev
	$(PYTHON) tools/ensure_venv.py --lock 2.16

clean:
	rm -rf $(WORK)/sanity $(WORK)/docs $(DIST) tests/output .pytest_cache
