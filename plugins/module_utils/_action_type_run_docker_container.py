# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The RUN_DOCKER_CONTAINER action type: commands run in a container of any image."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, List, Mapping

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import (
    ActionType,
    Problem,
    option,
    shared,
)

IMAGE_LOCATIONS = ("PUBLIC_REGISTRY", "PRIVATE_REGISTRY", "ACTION", "PACKAGE_REGISTRY")
DOCKER_REGISTRIES = ("NONE", "DOCKER_HUB", "AMAZON_ECR", "GOOGLE_GCR", "GOOGLE_ARTIFACT_REGISTRY", "OTHER",
                     "GIT_HUB_CONTAINER_REGISTRY", "PACKAGE_REGISTRY", "DIGITAL_OCEAN_CONTAINER_REGISTRY")
# Where the image comes from (image_location; the server's default is PUBLIC_REGISTRY) decides which
# option names the image; one of the options listed is needed.
IMAGE_LOCATION_NEEDS = {"ACTION": ("docker_build_action_id", "docker_build_action_name"),
                        "PACKAGE_REGISTRY": ("package",)}
IMAGE_NAME_OPTIONS = ("docker_image_name",)


class RunDockerContainer(ActionType):
    name = "RUN_DOCKER_CONTAINER"
    summary = "runs commands in a container of any image (every field of the API's reference a user can set)."
    options = {
        "docker_image_name": option("str", "The image's name, such as V(library/ubuntu).",
                                    "Required unless O(image_location) is V(ACTION) or V(PACKAGE_REGISTRY)."),
        "docker_image_tag": option("str", "The image's tag, such as V(24.04)."),
        "execute_commands": shared("execute_commands"),
        "setup_commands": shared("setup_commands"),
        "inline_commands": option("str", "Commands to run inside the container, as one string."),
        "shell": shared("shell"),
        "working_directory": option("str", "Where the pipeline filesystem is mounted in the container."),
        "volume_mappings": option("list", "Mounts as C(<filesystem path>:<container path>).", elements="str"),
        "cached_dirs": option("list", "Directories cached between runs of the pipeline.", elements="str"),
        "services": option("list", "Services (databases, caches ...) attached to the container, as the API's service "
                           "objects (keys such as C(type), C(version), C(connection), C(login), C(password)). "
                           "Compared item by item in order on the keys given; C(password) keys are write-only like "
                           "O(password).", elements="dict"),
        "run_as_user": option("str", "The user the commands run as (must exist in the image)."),
        "main_service_name": option("str", "The container's host name in the services' Docker network."),
        "mount_filesystem_disable": option("bool", "With V(true) the pipeline filesystem is not mounted."),
        "entrypoint": option("str", "The container's entrypoint."),
        "reset_entrypoint": option("bool", "With V(true) the image's default entrypoint is reset."),
        "image_location": option("str", "Where the image comes from. The server's default is V(PUBLIC_REGISTRY).",
                                 "A registry needs O(docker_image_name); V(ACTION) needs O(docker_build_action_id) "
                                 "or O(docker_build_action_name); V(PACKAGE_REGISTRY) needs O(package).",
                                 choices=IMAGE_LOCATIONS),
        "docker_registry": option("str", "The kind of registry the image is pulled from.", choices=DOCKER_REGISTRIES),
        "registry": option("str", "The registry's URL."),
        "insecure_registry": option("bool", "With V(true) the registry is reached over HTTP."),
        "login": option("str", "The registry user name."),
        "password": option("str", "The registry password. Write-only, never compared, returned or shown; see "
                           "O(update_password).", no_log=True),
        "region": option("str", "The registry's region (Amazon ECR)."),
        "target_stage": option("str", "The Dockerfile target stage."),
        "docker_build_action_id": option("int", "With O(image_location=ACTION), the ID of the action that builds the "
                                         "image; this or O(docker_build_action_name) is required then."),
        "docker_build_action_name": option("str", "With O(image_location=ACTION), the name of the action that builds "
                                           "the image; this or O(docker_build_action_id) is required then."),
        "export_container_path": option("str", "A path in the container to export."),
        "execute_every_command": option("bool", "With V(true) every command runs whatever the previous one returned."),
        "ignore_image_pull_failures": option("bool", "With V(true) a cached image is used when pulling times out "
                                             "(official images)."),
        "cache_base_image": option("bool", "With V(true) the cached image is used instead of pulling it each time."),
        "version": option("str", "The version of the package from the package registry."),
        "package": option("str", "The package from the package registry (required with "
                          "O(image_location=PACKAGE_REGISTRY))."),
        "integration": shared("integration", "The registry's integration."),
        "unit_tests_suite": option("str", "The unit tests suite identifier."),
        "unit_tests_path": option("str", "The path to the unit tests results."),
        "vt_suite": option("str", "The visual tests suite identifier."),
    }

    def validate(self, fields: Mapping[str, Any]) -> List[Problem]:
        location = fields.get("image_location")
        needs = IMAGE_LOCATION_NEEDS.get(location, IMAGE_NAME_OPTIONS)
        if any(name in fields for name in needs):
            return []
        if location in IMAGE_LOCATION_NEEDS:
            return [("type RUN_DOCKER_CONTAINER with image_location: %s requires %s" % (location, " or ".join(needs)),
                     list(needs))]
        return [("type RUN_DOCKER_CONTAINER requires docker_image_name (unless image_location is %s)"
                 % " or ".join(IMAGE_LOCATION_NEEDS), list(needs))]
