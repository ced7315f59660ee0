# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nox sessions from antsibull-nox.toml (`make nox`: .work/venv-nox/bin/nox, sessions in .work/nox/)."""

import antsibull_nox
import nox

nox.options.envdir = '.work/nox'

antsibull_nox.load_antsibull_nox_toml()
