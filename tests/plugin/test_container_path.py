"""The plugin on a broker in a container, through a real Docker engine (image built locally)."""

from __future__ import annotations

import pytest

NATS_IMAGE = "pytest-asyncapi/nats-local:test"  # built by .ci/docker.sh


@pytest.mark.docker
def test_container_broker_catches_the_bad_message(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_service="""
        from publisher import publish, GOOD, HEADERS

        def test_runs_in_a_container(asyncapi_broker):
            assert asyncapi_broker.source == "container"

        def test_bad(asyncapi_broker):
            publish("user/signedup", {**GOOD, "plan": "gold"}, HEADERS)
        """
    )
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "container",
        "--asyncapi-image",
        NATS_IMAGE,
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*payload /plan [[]enum[]]*"])


@pytest.mark.docker
def test_auto_prefers_a_container_when_docker_answers(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_auto="""
        def test_source(asyncapi_broker):
            assert asyncapi_broker.source == "container"
        """
    )
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-image",
        NATS_IMAGE,
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1)
