# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create or re-use the project's Python environments under .work/ (`make venv`, `make venv-2.20`, ...).

Usage: python tools/ensure_venv.py [NAME...]      make each environment NAME ready (default: dev)
       python tools/ensure_venv.py --lock NAME...  re-pin NAME's constraints file (`make lock`)

Environments (ENVIRONMENTS): ``dev`` is .work/venv (requirements-dev.txt: every tool, on the default
ansible-core); ``2.16``, ``2.17``, ``2.18``, ``2.20`` are .work/venv-<version> (tools/requirements-<version>.txt:
that ansible-core plus what the test suites need); ``nox`` is .work/venv-nox (antsibull-nox); ``demo`` is
.work/venv-demo (ansible-core and requests only). Each is pinned by its tools/constraints-<name>.txt.

Each environment is built with the first Python it admits: the running python3 when it is new enough,
else pythonX.Y found by tools/find_python.sh (PATH, then pyenv's versions). ansible-core 2.20 needs
Python 3.12+. A stamp holds a hash of the requirement files and of the Python; while it matches, the
environment is re-used as it is. When it does not, and the Python is the same, the requirements are
installed in place; if the environment then holds exactly the pins, that's it (tests running from it
meanwhile keep working). Otherwise it is rebuilt from scratch.

Several NAMEs are made ready two at a time, each logging to .work/logs/venv-NAME.log; one NAME shows
pip's progress as it goes. pip's cache is .work/pip-cache (unless PIP_CACHE_DIR is set): nothing is
written outside the clone. Every call also links .work/collections/ansible_collections/opsflow/pipelines
to the clone, and, for environments that run ansible-test, installs its offline pip bootstrap
(tools/install_get_pip.py).

Runs on the machine's python3 (3.11+), with nothing else installed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, '.work')
LOGS = os.path.join(WORK, 'logs')
COLLECTION_LINK = os.path.join(WORK, 'collections', 'ansible_collections', 'opsflow', 'pipelines')
MIN_PYTHON = (3, 11)
NEWEST_MINOR = 14
STAMP_NAME = '.requirements.sha256'

# name: (directory, requirements file, constraints file, oldest Python, runs ansible-test), relative to ROOT.
ENVIRONMENTS = {
    'dev': ('.work/venv', 'requirements-dev.txt', 'tools/constraints-dev.txt', (3, 11), True),
    '2.16': ('.work/venv-2.16', 'tools/requirements-2.16.txt', 'tools/constraints-2.16.txt', (3, 11), True),
    '2.17': ('.work/venv-2.17', 'tools/requirements-2.17.txt', 'tools/constraints-2.17.txt', (3, 11), False),
    '2.18': ('.work/venv-2.18', 'tools/requirements-2.18.txt', 'tools/constraints-2.18.txt', (3, 11), False),
    '2.20': ('.work/venv-2.20', 'tools/requirements-2.20.txt', 'tools/constraints-2.20.txt', (3, 12), True),
    'nox': ('.work/venv-nox', 'tools/requirements-nox.txt', 'tools/constraints-nox.txt', (3, 11), False),
    'demo': ('.work/venv-demo', 'tools/requirements-demo.txt', 'tools/constraints-demo.txt', (3, 11), False),
}

PIP_INSTALL = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off']


def pip_env() -> dict[str, str]:
    """The environment for pip: its cache inside the clone unless the user chose one.

    pip asks ``rustc --version`` for its User-Agent; where rustc is rustup's proxy, rustup writes
    ``~/.rustup/settings.toml`` when HOME has none. RUSTUP_HOME inside .work keeps set-up from
    writing outside the clone (pip goes on without the answer).
    """
    env = dict(os.environ)
    env.setdefault('PIP_CACHE_DIR', os.path.join(WORK, 'pip-cache'))
    env.setdefault('RUSTUP_HOME', os.path.join(WORK, 'rustup'))
    return env


def find_interpreter(oldest: tuple[int, int]) -> str:
    """The running Python when it is new enough, else the oldest pythonX.Y >= oldest on this machine."""
    if sys.version_info[:2] >= oldest:
        # Not a venv's python (make puts .work/venv/bin first on PATH): the interpreter it was made from.
        base = os.path.join(sys.base_prefix, 'bin', 'python%d.%d' % sys.version_info[:2])
        return base if os.path.exists(base) else sys.executable
    for minor in range(oldest[1], NEWEST_MINOR + 1):
        found = subprocess.run([os.path.join(ROOT, 'tools', 'find_python.sh'), '%d.%d' % (oldest[0], minor)],
                               check=False, stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        if found:
            return found
    raise SystemExit('no Python %d.%d+ on this machine (looked on PATH and in pyenv\'s versions)' % oldest)


def python_version(python: str) -> str:
    return subprocess.run([python, '-c', 'import sys; print(sys.version)'], check=False,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()


def requirement_files(path: str) -> list[str]:
    """The file and every file it includes with ``-r`` (relative to the including file)."""
    found = [path]
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                match = re.match(r'^\s*-r\s+(\S+)', line)
                if match:
                    found += requirement_files(os.path.join(os.path.dirname(path), match.group(1)))
    return found


class Environment:
    """One environment: where it lives, what it is built from, and with which Python."""

    def __init__(self, name: str) -> None:
        directory, requirements, constraints, oldest, self.ansible_test = ENVIRONMENTS[name]
        self.name = name
        self.path = os.path.join(ROOT, directory)
        self.rel = os.path.relpath(self.path, ROOT)
        self.python = os.path.join(self.path, 'bin', 'python')
        self.stamp = os.path.join(self.path, STAMP_NAME)
        self.requirements = os.path.join(ROOT, requirements)
        self.constraints = os.path.join(ROOT, constraints)
        self.oldest = oldest
        self.base = ''
        self.base_version = ''
        self.out = sys.stdout

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def resolve(self) -> None:
        self.base = find_interpreter(self.oldest)
        self.base_version = python_version(self.base)

    def wanted_hash(self) -> str:
        """Hash what decides the environment's content: its requirement files and the Python version."""
        digest = hashlib.sha256(self.base_version.encode('utf-8'))
        # Absolute paths: a venv does not survive a move (its scripts name their interpreter by path).
        for path in requirement_files(self.requirements) + [self.constraints]:
            digest.update(path.encode('utf-8'))
            if os.path.exists(path):
                with open(path, 'rb') as handle:
                    digest.update(handle.read())
        return digest.hexdigest()

    def current_hash(self) -> str:
        try:
            with open(self.stamp, encoding='utf-8') as handle:
                return handle.read().strip()
        except FileNotFoundError:
            return ''

    def run(self, command: list[str]) -> int:
        return subprocess.run(command, check=False, stdout=self.out, stderr=subprocess.STDOUT, env=pip_env()).returncode

    def install_command(self) -> list[str]:
        command = [self.python] + PIP_INSTALL + ['-r', self.requirements]
        if os.path.exists(self.constraints):
            command += ['-c', self.constraints]
        return command

    def write_stamp(self, wanted: str) -> None:
        with open(self.stamp, 'w', encoding='utf-8') as handle:
            handle.write(wanted + '\n')

    def update_in_place(self, wanted: str) -> bool:
        """Install the requirements into the existing environment; True when it then holds exactly the pins."""
        if not os.path.exists(self.python) or not os.path.exists(self.constraints):
            return False
        if python_version(self.python) != self.base_version:
            return False
        self.say('updating %s in place' % self.rel)
        if self.run(self.install_command()) != 0:
            return False
        frozen = subprocess.run([self.python, '-m', 'pip', 'freeze', '--all', '--exclude', 'pip', '--exclude', 'setuptools'],
                                check=False, stdout=subprocess.PIPE, universal_newlines=True).stdout
        with open(self.constraints, encoding='utf-8') as handle:
            pinned = pins(handle.read())
        if pins(frozen) != pinned:
            self.say('%s does not match %s after the update: rebuilding it' % (self.rel, os.path.relpath(self.constraints, ROOT)))
            return False
        self.write_stamp(wanted)
        return True

    def build(self, wanted: str) -> None:
        """Build the environment from scratch and stamp it (the stamp is written last)."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.say('creating %s (Python %s, %s) from %s' % (
            self.rel, self.base_version.split()[0], self.base, os.path.relpath(self.requirements, ROOT)))
        if self.run([self.base, '-m', 'venv', '--clear', self.path]) != 0:
            raise SystemExit('%s: python -m venv failed' % self.rel)
        if self.run(self.install_command()) != 0:
            raise SystemExit('%s: pip install failed' % self.rel)
        self.write_stamp(wanted)

    def ensure(self) -> None:
        """Re-use the environment while its stamp matches, else update it in place, else rebuild it."""
        self.resolve()
        wanted = self.wanted_hash()
        if self.current_hash() == wanted and os.path.exists(self.python):
            self.say('re-using %s (requirements unchanged)' % self.rel)
        elif not self.update_in_place(wanted):
            self.build(wanted)
        if self.ansible_test:
            if self.run([self.python, os.path.join(ROOT, 'tools', 'install_get_pip.py')]) != 0:
                raise SystemExit('%s: tools/install_get_pip.py failed' % self.rel)

    def lock(self) -> None:
        """Install the requirements alone into a scratch environment; pin all it holds in the constraints file."""
        self.resolve()
        scratch = tempfile.mkdtemp(prefix='lock-%s-' % self.name, dir=WORK)
        try:
            subprocess.run([self.base, '-m', 'venv', '--clear', scratch], check=True)
            python = os.path.join(scratch, 'bin', 'python')
            subprocess.run([python] + PIP_INSTALL + ['--quiet', '-r', self.requirements], check=True, env=pip_env())
            frozen = subprocess.run([python, '-m', 'pip', 'freeze', '--all', '--exclude', 'pip', '--exclude', 'setuptools'],
                                    check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        header = ('# Generated by `make lock` from %s: every package %s holds, pinned (Python %s).\n'
                  '# Do not edit by hand.\n' % (os.path.relpath(self.requirements, ROOT), self.rel,
                                                '.'.join(self.base_version.split()[0].split('.')[:2])))
        with open(self.constraints, 'w', encoding='utf-8') as handle:
            handle.write(header + frozen)
        print('wrote %s' % os.path.relpath(self.constraints, ROOT), flush=True)


def pins(text: str) -> set[tuple[str, str]]:
    """(normalised name, version) of each ``name==version`` line of a freeze or constraints text."""
    found = set()
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if '==' in line:
            name, version = line.split('==', 1)
            found.add((re.sub(r'[-_.]+', '-', name).lower(), version.strip()))
    return found


def link_collection() -> None:
    """Point .work/collections/ansible_collections/opsflow/pipelines at the repository root."""
    if os.path.islink(COLLECTION_LINK) and os.path.realpath(COLLECTION_LINK) == os.path.realpath(ROOT):
        return
    os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
    if os.path.lexists(COLLECTION_LINK):
        os.unlink(COLLECTION_LINK)
    os.symlink(os.path.relpath(ROOT, os.path.dirname(COLLECTION_LINK)), COLLECTION_LINK)


def ensure_logged(environment: Environment) -> tuple[str, bool, float, str]:
    """Make one environment ready with its output in .work/logs/venv-NAME.log."""
    log = os.path.join(LOGS, 'venv-%s.log' % environment.name)
    start = time.monotonic()
    with open(log, 'w', encoding='utf-8') as handle:
        environment.out = handle
        try:
            environment.ensure()
            ok = True
        except (SystemExit, OSError, subprocess.SubprocessError) as error:
            print('ERROR: %s' % error, file=handle)
            ok = False
    return environment.name, ok, time.monotonic() - start, log


def ensure_all(names: list[str]) -> int:
    """Make several environments ready, two at a time (pip is partly network, partly CPU)."""
    os.makedirs(LOGS, exist_ok=True)
    print('making %s ready, two at a time (logs: %s/venv-NAME.log)' % (
        ', '.join(ENVIRONMENTS[name][0] for name in names), os.path.relpath(LOGS, ROOT)), flush=True)
    failed = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, ok, seconds, log in pool.map(ensure_logged, [Environment(name) for name in names]):
            with open(log, encoding='utf-8') as handle:
                lines = handle.read().splitlines()
            if ok:
                print('  %-5s ready in %4.0fs: %s' % (name, seconds, lines[0] if lines else ''), flush=True)
            else:
                failed = True
                print('  %-5s FAILED after %.0fs; the end of %s:' % (name, seconds, os.path.relpath(log, ROOT)), flush=True)
                print('\n'.join('    ' + line for line in lines[-30:]), flush=True)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    """Make .work/ ready (or re-pin with --lock); say what was done."""
    if sys.version_info[:2] < MIN_PYTHON:
        print('Python %d.%d+ is needed, this is %s' % (MIN_PYTHON + (sys.version.split()[0],)), file=sys.stderr)
        return 1
    lock = argv[:1] == ['--lock']
    names = (argv[1:] if lock else argv) or ['dev']
    if any(name not in ENVIRONMENTS for name in names):
        print('usage: python tools/ensure_venv.py [--lock] [%s]...' % '|'.join(ENVIRONMENTS), file=sys.stderr)
        return 2
    os.makedirs(WORK, exist_ok=True)
    if lock:
        for name in names:
            Environment(name).lock()
        return 0
    link_collection()
    if len(names) == 1:
        Environment(names[0]).ensure()
        return 0
    return ensure_all(names)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
