"""Auth and TLS end to end: the plugin captures on servers configured like real deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.provision import provision

if TYPE_CHECKING:
    from pathlib import Path

SERVICE = '''
import asyncio, json, os
import ssl
import nats


def publish(subject, payload):
    """The service: its own nats-py connection, configured from its environment."""
    async def go():
        kwargs = {}
        if os.environ.get("SVC_CREDS"):
            kwargs["user_credentials"] = os.environ["SVC_CREDS"]
        if os.environ.get("SVC_CA"):
            tls = ssl.create_default_context(cafile=os.environ["SVC_CA"])
            tls.load_cert_chain(os.environ["SVC_CERT"], os.environ["SVC_KEY"])
            kwargs["tls"] = tls
        nc = await nats.connect(os.environ["NATS_URL"], **kwargs)
        await nc.publish(subject, json.dumps(payload).encode())
        await nc.flush()
        await nc.close()
    asyncio.run(go())
'''

TESTS = """
from auth_service import publish
from publisher import GOOD

def test_good():
    publish("user/signedup", GOOD)

def test_bad():
    publish("user/signedup", {**GOOD, "email": "nope"})
"""

LOCAL = ("--asyncapi", "user-signup-3.0.yaml", "-p", "no:cacheprovider")


@pytest.fixture
def auth_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    contract_pytester.makepyfile(auth_service=SERVICE, test_service=TESTS)
    return contract_pytester


def test_wrong_token_is_one_clear_error_naming_the_method(
    auth_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    config = tmp_path / "token.conf"
    config.write_text("authorization { token: the-real-t0ken }")
    with provision("nats", "local", nats_config=config) as broker:
        result = auth_pytester.runpytest(
            *LOCAL,
            "--asyncapi-broker",
            broker.endpoint.url,
            "--asyncapi-nats-token",
            "a-wrong-t0ken",
        )
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    assert "the NATS server at nats://127.0.0.1:" in output
    assert "refused token (--asyncapi-nats-token)" in output
    assert output.count("hint: check the credentials") == 1  # later tests point back to it
    assert "the broker is unavailable (see the first error)" in output
    assert "t0ken" not in output
