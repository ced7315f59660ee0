# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mutation testing of plugins/module_utils against the unit (and, if asked, integration) tests: `make mutation`.

mutmut expects a package laid out as ``src/`` or at the top of the tree; a collection is imported as
``ansible_collections.opsflow.pipelines`` through a link, and its integration tests run ansible-playbook
on that tree. So this does the same job in the collection's own layout:

1. copy the checkout (tracked and new files, not .work) to a temporary directory and link it as
   ``.work/collections/ansible_collections/opsflow/pipelines`` there, as ``make venv`` does here;
   the working tree is never touched, so other work can go on beside a run;
2. run the chosen tests once on the copy (they must pass);
3. for each mutant (one small change: ``==``/``!=``, ``<``/``<=``, ``in``/``not in``, ``is``/``is not``,
   ``and``/``or``, ``not x``/``x``, ``True``/``False``, an integer ``n``/``n + 1``, ``return x``/``return None``)
   write the mutated file into the copy, run the tests (``-x``), and count it killed when they fail;
4. print killed / total per file and every survivor (file, line, change).

``--sample N`` takes N mutants per file (a fixed ``--seed``), which keeps a run within minutes.
Not part of CI: the run takes long and its figure is for the maintainers (see CONTRIBUTING).

    python3 tools/mutation.py [--sample 40] [--seed 1] [--tests tests/unit/plugins/module_utils]
                              [--integration tests/integration/test_client_trust.py ...] [FILE ...]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Iterator, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FILES = ("plugins/module_utils/_compare.py", "plugins/module_utils/_http.py",
                 "plugins/module_utils/_buddy_action.py", "plugins/module_utils/_blink.py",
                 "plugins/module_utils/_blink_executions.py")
# Beyond each file's own unit test file (tests/unit/plugins/module_utils/test_<name>.py), the tests that exercise it.
MORE_TESTS = {
    "_compare.py": ("tests/unit/plugins/module_utils/test__buddy_action.py",),
    "_http.py": ("tests/unit/plugins/module_utils/test__buddy_actions.py",),
    "_buddy_action.py": ("tests/unit/plugins/module_utils/test__buddy_actions.py",),
    "_blink.py": ("tests/unit/plugins/module_utils/test__blink_executions.py",
                  "tests/unit/plugins/modules/test_blink_workflow_execute.py",
                  "tests/unit/plugins/modules/test_blink_execution_info.py"),
    "_blink_executions.py": ("tests/unit/plugins/module_utils/test__blink.py",
                             "tests/unit/plugins/modules/test_blink_workflow_execute.py",
                             "tests/unit/plugins/modules/test_blink_execution_info.py"),
}
SWAPS = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.And: ast.Or, ast.Or: ast.And,
}

Mutant = Tuple[int, str, str]  # line, description, mutated source


def _docstring_ids(tree: ast.AST) -> set:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def mutants(source: str) -> Iterator[Mutant]:
    """Every single-change mutant of ``source`` (the file is re-rendered with ast.unparse)."""
    count = len(_sites_of(ast.parse(source)))
    for number in range(count):
        mutated = ast.parse(source)
        node, what, index = _sites_of(mutated)[number]
        line = getattr(node, "lineno", 0)
        if what == "ops":
            old = node.ops[index]
            node.ops[index] = SWAPS[type(old)]()
            change = "%s -> %s" % (type(old).__name__, type(node.ops[index]).__name__)
        elif what == "op":
            old = node.op
            node.op = SWAPS[type(old)]()
            change = "%s -> %s" % (type(old).__name__, type(node.op).__name__)
        elif what == "not":
            change = "not x -> x"
            _replace(mutated, node, node.operand)
        elif what == "value":
            old_value = node.value
            node.value = (not old_value) if isinstance(old_value, bool) else old_value + 1
            change = "%r -> %r" % (old_value, node.value)
        else:
            change = "return x -> return None"
            node.value = ast.Constant(value=None)
        yield line, change, ast.unparse(ast.fix_missing_locations(mutated))


def _sites_of(tree: ast.AST) -> List[Tuple[ast.AST, str, Optional[int]]]:
    """The places a mutant can change, in a fixed order."""
    skip = _docstring_ids(tree)
    sites: List[Tuple[ast.AST, str, Optional[int]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sites.extend((node, "ops", index) for index, operator in enumerate(node.ops) if type(operator) in SWAPS)
        elif isinstance(node, ast.BoolOp) and type(node.op) in SWAPS:
            sites.append((node, "op", None))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not", None))
        elif isinstance(node, ast.Constant) and id(node) not in skip:
            if isinstance(node.value, bool) or (isinstance(node.value, int) and not isinstance(node.value, bool)):
                sites.append((node, "value", None))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            sites.append((node, "return", None))
    return sites


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if item is old:
                        value[index] = new
                        return


def make_copy() -> str:
    """The checkout copied to a temporary directory, linked as the collection there; returns its root."""
    base = tempfile.mkdtemp(prefix="opsflow-mutation-")
    copy_root = os.path.join(base, "pipelines")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.splitlines()
    for path in listed:
        source = os.path.join(ROOT, path)
        if not os.path.isfile(source):
            continue
        target = os.path.join(copy_root, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
    link_dir = os.path.join(copy_root, ".work", "collections", "ansible_collections", "opsflow")
    os.makedirs(link_dir)
    os.symlink(os.path.join("..", "..", "..", ".."), os.path.join(link_dir, "pipelines"))
    return copy_root


def run_tests(copy_root: str, tests: Sequence[str], timeout: float) -> bool:
    """True when the tests pass on the copy as it is now."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header"] + list(tests)
    try:
        completed = subprocess.run(command, cwd=copy_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    return completed.returncode == 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("files", nargs="*", default=list(DEFAULT_FILES), help="module_utils files to mutate")
    parser.add_argument("--tests", action="append", default=None,
                        help="tests to run for every file (repeatable; default: the file's own unit tests and MORE_TESTS)")
    parser.add_argument("--integration", action="append", default=[], help="integration test files to add")
    parser.add_argument("--sample", type=int, default=0, help="mutants per file (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per test run")
    args = parser.parse_args(argv)
    copy_root = make_copy()
    try:
        grand_killed = grand_total = 0
        for path in args.files:
            name = os.path.basename(path)
            tests = list(args.tests or ["tests/unit/plugins/module_utils/test_%s" % name] + list(MORE_TESTS.get(name, ())))
            tests += args.integration
            if not run_tests(copy_root, tests, args.timeout):
                print("%s: the tests fail on the unmutated copy (%s); nothing measured" % (path, " ".join(tests)))
                return 2
            with open(os.path.join(ROOT, path)) as handle:
                original = handle.read()
            found = list(mutants(original))
            if args.sample and len(found) > args.sample:
                found = random.Random(args.seed).sample(found, args.sample)
            target = os.path.join(copy_root, path)
            killed, survivors, started = 0, [], time.monotonic()
            for line, change, mutated in found:
                with open(target, "w") as handle:
                    handle.write(mutated)
                if run_tests(copy_root, tests, args.timeout):
                    survivors.append((line, change))
                else:
                    killed += 1
            with open(target, "w") as handle:
                handle.write(original)
            grand_killed += killed
            grand_total += len(found)
            print("%s: %d of %d mutants killed (%.0f%%) in %.0f s" % (
                path, killed, len(found), 100.0 * killed / max(1, len(found)), time.monotonic() - started))
            for line, change in sorted(survivors):
                print("  survived: line %d: %s" % (line, change))
        print("total: %d of %d killed (%.1f%%)" % (grand_killed, grand_total, 100.0 * grand_killed / max(1, grand_total)))
        return 0
    finally:
        shutil.rmtree(os.path.dirname(copy_root), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
