# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mirror the collection's files into a directory ansible-test can run from.

ansible-test only works from a path ending in ``ansible_collections/<namespace>/<name>``, and a
clone can live anywhere. This copies the files git knows about (tracked, plus new files that are
not ignored, so uncommitted work is checked too) into DEST, removes files that are no longer
there, and gives DEST its own empty git repository so that ansible-test lists DEST's files
rather than asking the enclosing repository (which ignores ``.work/``).

Usage: python tools/mirror_tree.py DEST
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# Left alone in DEST: ansible-test's output and DEST's own git repository.
KEEP = ('tests/output/', '.git/')


def source_files(root: str) -> set[str]:
    """Return the repository's tracked and unignored files (relative paths) that exist on disk."""
    listing = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
        cwd=root, check=True, stdout=subprocess.PIPE,
    ).stdout.decode('utf-8')
    return {path for path in listing.split('\0') if path and os.path.lexists(os.path.join(root, path))}


def dest_files(dest: str) -> set[str]:
    """Return the files and symlinks in DEST (relative paths), minus the ones in KEEP."""
    found = set()
    for directory, dirnames, filenames in os.walk(dest):
        rel_dir = os.path.relpath(directory, dest)
        if (rel_dir + '/').startswith(KEEP):
            dirnames[:] = []
            continue
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(directory, d))]:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if not rel.startswith(KEEP):
                found.add(rel)
    return found


def same(source: str, target: str) -> bool:
    """Return True when target already is a copy of source."""
    if os.path.islink(source) or os.path.islink(target):
        return os.path.islink(source) and os.path.islink(target) and os.readlink(source) == os.readlink(target)
    if not os.path.isfile(target):
        return False
    source_stat, target_stat = os.stat(source), os.stat(target)
    return (source_stat.st_size, int(source_stat.st_mtime), source_stat.st_mode) == \
        (target_stat.st_size, int(target_stat.st_mtime), target_stat.st_mode)


def mirror(root: str, dest: str) -> tuple[int, int]:
    """Make DEST hold exactly the repository's files; return (copied, removed) counts."""
    wanted = source_files(root)
    removed = 0
    for rel in sorted(dest_files(dest) - wanted):
        os.unlink(os.path.join(dest, rel))
        removed += 1
    copied = 0
    for rel in sorted(wanted):
        source, target = os.path.join(root, rel), os.path.join(dest, rel)
        if same(source, target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.lexists(target):
            os.unlink(target)
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
        copied += 1
    # Drop directories left empty by removals (ansible-test would otherwise see them).
    for directory, _dirnames, _filenames in os.walk(dest, topdown=False):
        rel = os.path.relpath(directory, dest)
        if rel != '.' and not (rel + '/').startswith(KEEP) and not os.listdir(directory):
            os.rmdir(directory)
    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.run(['git', '-c', 'init.defaultBranch=main', 'init', '-q', dest], check=True)
    return copied, removed


def main() -> int:
    """Mirror the repository that holds this script into the directory given as the only argument."""
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dest = os.path.abspath(sys.argv[1])
    os.makedirs(dest, exist_ok=True)
    copied, removed = mirror(root, dest)
    print('mirrored %s -> %s (%d copied, %d removed)' % (root, dest, copied, removed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
