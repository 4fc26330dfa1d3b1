"""Auth and TLS end to end: the plugin captures on servers configured like real deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.provision import provision
from tests.support import nats_security as sec

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SERVICE = '''
import asyncio, json, os
import ssl
import nats


def publish(subject, payload, headers):
    """The service: its own nats-py connection, configured from its environment."""
    async def go():
        kwargs = {}
        if os.environ.get("SVC_CREDS"):
            kwargs["user_credentials"] = os.environ["SVC_CREDS"]
        if os.environ.get("SVC_CA"):
            tls = ssl.create_default_context(cafile=os.environ["SVC_CA"])
            tls.load_cert_chain(os.environ["SVC_CERT"], os.environ["SVC_KEY"])
            kwargs["tls"] = tls
        if os.environ.get("SVC_TLS_FIRST"):
            kwargs["tls"] = ssl.create_default_context(cafile=os.environ["SVC_TLS_FIRST"])
            kwargs["tls_handshake_first"] = True
        nc = await nats.connect(os.environ["NATS_URL"], **kwargs)
        await nc.publish(subject, json.dumps(payload).encode(), headers=headers)
        await nc.flush()
        await nc.close()
    asyncio.run(go())
'''

TESTS = """
from auth_service import publish
from publisher import GOOD, HEADERS

def test_good():
    publish("user/signedup", GOOD, HEADERS)

def test_bad():
    publish("user/signedup", {**GOOD, "email": "nope"}, HEADERS)
"""

LOCAL = ("--asyncapi", "user-signup-3.0.yaml", "-p", "no:cacheprovider")


@pytest.fixture
def auth_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    contract_pytester.makepyfile(auth_service=SERVICE, test_service=TESTS)
    return contract_pytester


def test_local_broker_with_an_operator_config_and_a_creds_file(
    auth_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    operator = sec.make_operator()
    config = tmp_path / "operator.conf"
    config.write_text(operator.server_config())
    capture = operator.user_creds(tmp_path / "capture.creds")
    monkeypatch.setenv("SVC_CREDS", str(operator.user_creds(tmp_path / "svc.creds", "svc")))
    result = auth_pytester.runpytest(
        *LOCAL,
        "--asyncapi-broker",
        "local",
        "--asyncapi-nats-config",
        str(config),
        "--asyncapi-nats-creds",
        str(capture),
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*payload /email [[]format[]]*", "*FAILED test_service.py::test_bad*"]
    )


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, sec.Pki]]:
    pki = sec.make_pki(tmp_path / "pki")
    config = tmp_path / "tls.conf"
    config.write_text(
        f'tls {{ cert_file: "{pki.server_cert}", key_file: "{pki.server_key}", '
        f'ca_file: "{pki.ca}", verify: true }}'
    )
    with provision("nats", "local", config=config) as broker:
        yield broker.endpoint.url.replace("nats://", "tls://"), pki


def test_url_broker_with_tls_client_certificates(
    auth_pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tls_server: tuple[str, sec.Pki],
) -> None:
    url, pki = tls_server
    for name, path in (("CA", pki.ca), ("CERT", pki.client_cert), ("KEY", pki.client_key)):
        monkeypatch.setenv(f"SVC_{name}", str(path))
    auth_pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        f"asyncapi_nats_ca = {pki.ca}\nasyncapi_nats_cert = {pki.client_cert}\n"
        f"asyncapi_nats_key = {pki.client_key}\n"
    )
    result = auth_pytester.runpytest(*LOCAL, "--asyncapi-broker", url)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*payload /email [[]format[]]*", "*FAILED test_service.py::test_bad*"]
    )


def test_wrong_token_is_one_clear_error_naming_the_method(
    auth_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    config = tmp_path / "token.conf"
    config.write_text("authorization { token: the-real-t0ken }")
    with provision("nats", "local", config=config) as broker:
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
    errors = output.split("warnings summary")[0]  # not warnings left by earlier in-process runs
    assert errors.count("hint: check the credentials") == 1  # later tests point back to it
    assert "the broker is unavailable (see the first error)" in output
    assert "t0ken" not in output


def test_local_tls_first_broker(
    auth_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pki = sec.make_pki(tmp_path / "pki")
    config = tmp_path / "tls-first.conf"
    config.write_text(
        f'tls {{ cert_file: "{pki.server_cert}", key_file: "{pki.server_key}", '
        "handshake_first: true }"
    )
    monkeypatch.setenv("SVC_TLS_FIRST", str(pki.ca))
    result = auth_pytester.runpytest(
        *LOCAL,
        "--asyncapi-broker",
        "local",
        "--asyncapi-nats-config",
        str(config),
        "--asyncapi-nats-ca",
        str(pki.ca),
        "--asyncapi-nats-tls-handshake-first",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*payload /email [[]format[]]*", "*FAILED test_service.py::test_bad*"]
    )


def test_url_credentials_reach_the_service_as_given(
    auth_pytester: pytest.Pytester, tmp_path: Path
) -> None:
    password = "p@ss:w%40rd"  # raw '@' and ':', and a literal '%40', as the server holds it
    config = tmp_path / "users.conf"
    config.write_text(f'authorization {{ user: alice, password: "{password}" }}')
    with provision("nats", "local", config=config) as broker:
        url = broker.endpoint.url.replace("nats://", f"nats://alice:{password}@")
        auth_pytester.makepyfile(
            test_url="def test_env(asyncapi_broker):\n"
            "    import os\n"
            f"    assert os.environ['NATS_URL'] == {url!r}\n"
        )
        result = auth_pytester.runpytest(*LOCAL, "--asyncapi-broker", url)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_service.py::test_bad*"])
    assert password not in result.stdout.str()
