# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make sanity`: ansible-test sanity, then compile/import on every Python the modules may meet.

Usage: python tools/run_sanity.py SANITY_ROOT VENV [VENV...]      (newest ansible-core first)

* Mirrors the tree into SANITY_ROOT (a path ending in ansible_collections/opsflow/pipelines, which
  ansible-test needs; tools/mirror_tree.py).
* Runs every sanity test with each VENV's ansible-test on that VENV's own Python (`make sanity`:
  ansible-core 2.20 on Python 3.12, then 2.16 on 3.11: the newest and the oldest, in full).
* Works out the module Python versions: those that tests/config.yml's ``modules:
  python_requires`` admits, among the ones some VENV's ansible-test runs modules with. Each version
  is checked by the newest ansible-test that supports it, with ``ansible-test sanity --test compile
  --test import --requirements --python X.Y`` (a version a full pass ran on is already covered).
* A version whose interpreter is not on this machine (looked for on PATH, then in pyenv's
  versions) is not skipped silently: a NOTE says so and a stand-in check runs instead
  (``ast.parse(feature_version=X.Y)`` and vermin's minimum-version analysis for versions up to the
  running Python's, ``compile()`` on the newest interpreter here for newer ones).
* Any failure fails (after every step has run); so does a tests/sanity/ignore-*.txt file.
"""

from __future__ import annotations

import ast
import glob
import os
import subprocess
import sys
import time

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, 'tools')
# Code that runs on the managed node, with the module Python (the rest runs on the controller).
MODULE_DIRS = ('plugins/modules', 'plugins/module_utils')


def log(message: str) -> None:
    print(message, flush=True)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split('.'))


def supported_versions(venv: str) -> list[str]:
    """Python versions the venv's ansible-test runs modules with (remote-only and controller ones)."""
    code = ('from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS as C, '
            'REMOTE_ONLY_PYTHON_VERSIONS as R; print(" ".join(R + C))')
    output = subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', code], check=True,
                            stdout=subprocess.PIPE, universal_newlines=True).stdout
    return output.split()


def venv_python(venv: str) -> str:
    """X.Y of the venv's own Python."""
    code = 'import sys; print("%d.%d" % sys.version_info[:2])'
    return subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', code], check=True,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()


def ansible_core_version(venv: str) -> str:
    code = 'from ansible.release import __version__; print(__version__)'
    return subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', code], check=True,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()


def python_requires() -> SpecifierSet:
    """tests/config.yml's modules: python_requires (ansible-test's own filter), or no limit."""
    path = os.path.join(ROOT, 'tests', 'config.yml')
    spec = ''
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            spec = ((yaml.safe_load(handle) or {}).get('modules') or {}).get('python_requires') or ''
    if spec == 'default':
        spec = ''
    return SpecifierSet(spec)


def find_python(version: str) -> str:
    """Path of a working pythonX.Y (tools/find_python.sh: PATH, then pyenv), or ''."""
    return subprocess.run([os.path.join(TOOLS, 'find_python.sh'), version], check=False,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()


def module_files() -> list[str]:
    files = []
    for directory in MODULE_DIRS:
        files += sorted(glob.glob(os.path.join(ROOT, directory, '*.py')))
    return files


def stand_in_check(version: str, venv: str) -> bool:
    """What can be checked of Python X.Y without its interpreter; True when nothing is wrong."""
    target = tuple(int(part) for part in version.split('.'))
    files = module_files()
    ok = True
    if target <= sys.version_info[:2]:
        log('  stand-in: ast.parse(feature_version=%s) of %d module files' % (version, len(files)))
        for path in files:
            with open(path, encoding='utf-8') as handle:
                source = handle.read()
            try:
                ast.parse(source, path, feature_version=target)
            except SyntaxError as error:
                log('  ERROR: %s:%s: not Python %s syntax: %s' % (os.path.relpath(path, ROOT), error.lineno, version, error.msg))
                ok = False
        vermin = os.path.join(venv, 'bin', 'vermin')
        log('  stand-in: vermin --eval-annotations -t=%s- (standard library and syntax by minimum version)' % version)
        completed = subprocess.run([vermin, '--no-tips', '--violations', '--eval-annotations', '-t=%s-' % version] + files, check=False)
        ok = ok and completed.returncode == 0
    else:
        newest = ''
        for candidate in ('3.%d' % minor for minor in range(target[1], 5, -1)):
            newest = find_python(candidate)
            if newest:
                break
        newest = newest or sys.executable
        log('  stand-in: compile() of %d module files on the newest Python here (%s); '
            'nothing here can check what Python %s removed' % (len(files), newest, version))
        code = 'import sys\nfor path in sys.argv[1:]:\n    compile(open(path, encoding="utf-8").read(), path, "exec")\n'
        ok = subprocess.run([newest, '-c', code] + files, check=False).returncode == 0
    return ok


class Runner:
    """Runs the steps, keeps going after a failure, and remembers what happened."""

    def __init__(self, sanity_root: str) -> None:
        self.sanity_root = sanity_root
        self.results: list[tuple[str, str, float]] = []

    def step(self, title: str, command: list[str], env: dict[str, str] | None = None) -> bool:
        log('\n+ %s' % ' '.join(command))
        start = time.monotonic()
        completed = subprocess.run(command, cwd=self.sanity_root, env=env, check=False)
        self.results.append((title, 'ok' if completed.returncode == 0 else 'FAILED', time.monotonic() - start))
        return completed.returncode == 0

    def record(self, title: str, ok: bool, seconds: float) -> None:
        self.results.append((title, 'ok' if ok else 'FAILED', seconds))

    def summary(self) -> bool:
        log('\n=== sanity summary')
        for title, status, seconds in self.results:
            log('  %-58s %-7s %5.0fs' % (title, status, seconds))
        return all(status == 'ok' for dummy, status, dummy2 in self.results)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sanity_root, venvs = os.path.abspath(argv[0]), [os.path.abspath(v) for v in argv[1:]]
    subprocess.run([sys.executable, os.path.join(TOOLS, 'mirror_tree.py'), sanity_root], check=True)
    env = dict(os.environ)
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    runner = Runner(sanity_root)

    # Every test, with each venv's ansible-test on its own Python.
    covered: set[str] = set()
    for venv in venvs:
        python = venv_python(venv)
        covered.add(python)
        venv_env = dict(env, PATH=os.pathsep.join([os.path.join(venv, 'bin'), env.get('PATH', '')]))
        runner.step('all tests, Python %s, ansible-core %s' % (python, ansible_core_version(venv)),
                    [os.path.join(venv, 'bin', 'ansible-test'), 'sanity', '--requirements', '--python', python,
                     '--color', 'no'], venv_env)

    # Each admitted module Python, by the newest ansible-test that supports it.
    newest = venvs[0]
    admitted = python_requires()
    plan: dict[str, str] = {}
    for venv in venvs:
        for version in supported_versions(venv):
            if version not in plan and Version(version) in admitted:
                plan[version] = venv
    log('\nmodule Python versions (tests/config.yml python_requires %r): %s' % (
        str(admitted), ', '.join('%s (ansible-core %s)' % (version, ansible_core_version(plan[version]))
                                 for version in sorted(plan, key=version_key))))
    for version in sorted(plan, key=version_key):
        venv = plan[version]
        if version in covered:
            continue  # a full pass above ran compile and import on it
        title = 'compile+import, Python %s, ansible-core %s' % (version, ansible_core_version(venv))
        interpreter = find_python(version)
        if not interpreter:
            log('\nNOTE: no python%s on this machine (PATH, pyenv): ansible-test cannot run compile/import on it; '
                'running a stand-in check instead' % version)
            start = time.monotonic()
            runner.record(title.replace('compile+import', 'STAND-IN check'), stand_in_check(version, newest),
                          time.monotonic() - start)
            continue
        # ansible-test looks for pythonX.Y on PATH: the interpreter's directory, for this step only.
        step_env = dict(env, PATH=os.pathsep.join([os.path.join(venv, 'bin'), os.path.dirname(interpreter),
                                                   env.get('PATH', '')]))
        runner.step(title, [os.path.join(venv, 'bin', 'ansible-test'), 'sanity', '--test', 'compile', '--test', 'import',
                            '--requirements', '--python', version, '--color', 'no'], step_env)

    ok = runner.summary()
    if glob.glob(os.path.join(ROOT, 'tests', 'sanity', 'ignore-*.txt')):
        log('ERROR: tests/sanity/ignore-*.txt must not exist: fix the code instead')
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
