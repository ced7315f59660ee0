# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RUN_DOCKER_CONTAINER: the option that names the image depends on image_location; the password is secret."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_run_docker_container import (
    RunDockerContainer,
)

TYPE = RunDockerContainer()


def test_registered():
    assert isinstance(registry.get_type("RUN_DOCKER_CONTAINER"), RunDockerContainer)
    assert TYPE.required == ()


@pytest.mark.parametrize("fields, needs", [
    ({"docker_image_name": "library/python"}, None),
    ({"image_location": "PRIVATE_REGISTRY", "docker_image_name": "team/x"}, None),
    ({"image_location": "ACTION", "docker_build_action_id": 3}, None),
    ({"image_location": "ACTION", "docker_build_action_name": "Build image"}, None),
    ({"image_location": "PACKAGE_REGISTRY", "package": "web"}, None),
    ({}, ["docker_image_name"]),
    ({"image_location": "PUBLIC_REGISTRY"}, ["docker_image_name"]),
    ({"image_location": "ACTION", "docker_image_name": "x"}, ["docker_build_action_id", "docker_build_action_name"]),
    ({"image_location": "PACKAGE_REGISTRY"}, ["package"]),
])
def test_the_image_is_named(fields, needs):
    problems = TYPE.check(fields, full=True)
    if needs is None:
        assert problems == []
    else:
        assert [problem[1] for problem in problems] == [needs]
    assert TYPE.check(fields, full=False) == []


def test_messages_name_the_rule():
    assert TYPE.validate({}) == [("type RUN_DOCKER_CONTAINER requires docker_image_name (unless image_location is "
                                  "ACTION or PACKAGE_REGISTRY)", ["docker_image_name"])]
    assert TYPE.validate({"image_location": "ACTION"})[0][0] == (
        "type RUN_DOCKER_CONTAINER with image_location: ACTION requires docker_build_action_id or "
        "docker_build_action_name")


def test_password_is_no_log_and_shells_are_all_three():
    assert TYPE.options["password"]["no_log"] is True
    assert TYPE.choices("shell") == ["SH", "BASH", "POWERSHELL"]
