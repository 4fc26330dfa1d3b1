"""A broker URL's scheme decides the protocol: no --asyncapi-protocol for a spec without servers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import yaml

from pytest_asyncapi.brokers.provision import provision
from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

NO_SERVERS = "no-servers.yaml"  # nothing but the URL says the protocol
TEST = """
def test_reading(asyncapi_broker):
    assert asyncapi_broker.protocol == {protocol!r}
"""


def write_spec_without_servers(pytester: pytest.Pytester, protocol: str) -> None:
    """A sample spec of ``protocol`` with its ``servers`` section removed."""
    sample = {"nats": "user-signup-3.0.yaml", "kafka": "telemetry-avro.yaml"}[protocol]
    document = yaml.safe_load((SAMPLES / sample).read_text())
    del document["servers"]
    (pytester.path / NO_SERVERS).write_text(json.dumps(document))


@pytest.fixture(scope="module", params=["nats", "kafka"])
def broker(request: pytest.FixtureRequest) -> Iterator[ProvisionedBroker]:
    with provision(request.param, "local") as broker:
        yield broker


def test_url_scheme_decides_the_protocol(
    contract_pytester: pytest.Pytester, broker: ProvisionedBroker
) -> None:
    protocol = broker.endpoint.protocol
    write_spec_without_servers(contract_pytester, protocol)
    contract_pytester.makepyfile(test_url=TEST.format(protocol=protocol))
    result = contract_pytester.runpytest(
        "--asyncapi", NO_SERVERS, "--asyncapi-broker", broker.endpoint.url, "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"asyncapi: 1 spec(s), {protocol} broker: {protocol}://*"])


def test_a_protocol_that_contradicts_the_url_is_a_usage_error(
    contract_pytester: pytest.Pytester,
) -> None:
    write_spec_without_servers(contract_pytester, "nats")
    result = contract_pytester.runpytest(
        "--asyncapi",
        NO_SERVERS,
        "--asyncapi-broker",
        "kafka://127.0.0.1:9",
        "--asyncapi-protocol",
        "nats",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--asyncapi-protocol nats contradicts the broker URL's scheme*"])


def test_a_mode_without_servers_still_asks_for_the_protocol(
    contract_pytester: pytest.Pytester,
) -> None:
    write_spec_without_servers(contract_pytester, "nats")
    result = contract_pytester.runpytest("--asyncapi", NO_SERVERS, "--asyncapi-broker", "local")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pass --asyncapi-protocol nats or --asyncapi-protocol kafka*"])
