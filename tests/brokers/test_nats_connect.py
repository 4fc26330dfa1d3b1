"""Auth and TLS against real nats-server processes started with a config file.

Each server is the plugin's own local broker (``provision(..., config=...)``), configured
for one method: token, user/password, nkey users, operator/account/user JWTs with a resolver,
TLS with a CA minted here (``verify: true``), TLS-first. The good settings connect (and carry a
message through nats-py with :func:`connect_kwargs`); wrong ones give one error that names the
method and what to fix, and never the secret.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import nats
import nkeys
import pytest

from pytest_asyncapi.brokers.nats.connect import (
    NatsConnectSettings,
    check_connection,
    connect_kwargs,
    readiness_tls,
)
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.errors import BrokerError
from tests.support import nats_security as sec

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

DEADLINE = 10.0


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[Any]:
    """``start(config_text, tls_first_settings=None) -> url`` of a local nats-server."""
    brokers: list[ProvisionedBroker] = []

    def start(config: str, probe: NatsConnectSettings | None = None) -> str:
        path = tmp_path / f"server-{len(brokers)}.conf"
        path.write_text(config)
        tls = readiness_tls(probe) if probe is not None else None
        broker = provision("nats", "local", startup_timeout=10, config=path, tls=tls)
        brokers.append(broker)
        return broker.endpoint.url

    yield start
    for broker in brokers:
        broker.stop()


def _round_trip(url: str, settings: NatsConnectSettings) -> bytes:
    """What a nats-py client configured by ``connect_kwargs`` receives of its own publish."""

    async def go() -> bytes:
        client = await nats.connect(url, **connect_kwargs(settings, url))
        sub = await client.subscribe("orders.created")
        await client.publish("orders.created", b"hello")
        message = await sub.next_msg(timeout=5)
        await client.close()
        return bytes(message.data)

    return asyncio.run(go())


def _refused(url: str, settings: NatsConnectSettings) -> BrokerError:
    started = time.monotonic()
    with pytest.raises(BrokerError) as caught:
        check_connection(url, settings, DEADLINE)
    assert time.monotonic() - started < DEADLINE
    return caught.value


def test_token(nats_server: Any) -> None:
    url = nats_server("authorization { token: s3cr3t-t0ken }")
    good = NatsConnectSettings(token="s3cr3t-t0ken")
    check_connection(url, good, DEADLINE)
    assert _round_trip(url, good) == b"hello"
    error = _refused(url, NatsConnectSettings(token="wrong-t0ken"))
    assert "refused token (--asyncapi-nats-token)" in str(error)
    assert "t0ken" not in str(error)
    assert "refused no credentials" in str(_refused(url, NatsConnectSettings()))


def test_user_password_options_and_url_as_given(nats_server: Any) -> None:
    password = "p@ss:w%40rd"  # '@', ':' and a literal '%40', as the server config holds it
    url = nats_server(f'authorization {{ user: alice, password: "{password}" }}')
    options = NatsConnectSettings(user="alice", password=password)
    check_connection(url, options, DEADLINE)
    assert _round_trip(url, options) == b"hello"
    # The URL a service is handed works in nats-py exactly as written, and so does the check.
    with_credentials = url.replace("nats://", f"nats://alice:{password}@")
    check_connection(with_credentials, NatsConnectSettings(), DEADLINE)
    assert _round_trip(with_credentials, NatsConnectSettings()) == b"hello"
    error = _refused(url, NatsConnectSettings(user="alice", password="not-it"))
    assert "refused user/password for user 'alice' (--asyncapi-nats-user)" in str(error)
    assert "not-it" not in str(error)


def test_percent_escaped_url_password_is_sent_as_written_and_the_error_says_so(
    nats_server: Any,
) -> None:
    url = nats_server('authorization { user: bob, password: "s@fe" }')
    escaped = url.replace("nats://", "nats://bob:s%40fe@")
    error = _refused(escaped, NatsConnectSettings())
    text = str(error)
    assert "refused user/password for user 'bob' from the broker URL" in text
    assert "nats-py sends URL credentials as written" in text
    assert "s%40fe" not in text
    assert "s@fe" not in text


def test_nkey_seed_file(nats_server: Any, tmp_path: Path) -> None:
    user = sec.new_keypair(nkeys.PREFIX_BYTE_USER)
    url = nats_server(f"authorization {{ users: [ {{ nkey: {sec.public(user)} }} ] }}")
    seed_file = tmp_path / "user.nk"
    seed_file.write_text(sec.seed(user) + "\n")
    good = NatsConnectSettings(nkey_seed=seed_file)
    check_connection(url, good, DEADLINE)
    assert _round_trip(url, good) == b"hello"
    other = tmp_path / "other.nk"
    other_seed = sec.seed(sec.new_keypair(nkeys.PREFIX_BYTE_USER))
    other.write_text(other_seed)
    error = _refused(url, NatsConnectSettings(nkey_seed=other))
    assert f"refused nkey seed file {other} (--asyncapi-nats-nkey-seed)" in str(error)
    assert other_seed not in str(error)


def test_operator_account_user_jwt_with_a_resolver(nats_server: Any, tmp_path: Path) -> None:
    operator = sec.make_operator()
    url = nats_server(operator.server_config())
    creds = operator.user_creds(tmp_path / "capture.creds")
    good = NatsConnectSettings(creds=creds)
    check_connection(url, good, DEADLINE)
    assert _round_trip(url, good) == b"hello"
    stranger = sec.make_operator().user_creds(tmp_path / "stranger.creds")
    error = _refused(url, NatsConnectSettings(creds=stranger))
    assert f"refused credentials file {stranger} (--asyncapi-nats-creds)" in str(error)
    assert "SU" not in str(error).replace("SUBJ", "")  # no seed in the text


@pytest.fixture
def pki(tmp_path: Path) -> sec.Pki:
    return sec.make_pki(tmp_path / "pki")


def _tls_server(pki: sec.Pki, extra: str = "") -> str:
    return (
        f'tls {{ cert_file: "{pki.server_cert}", key_file: "{pki.server_key}", '
        f'ca_file: "{pki.ca}", {extra} }}'
    )


def test_tls_with_client_certificates(nats_server: Any, pki: sec.Pki, tmp_path: Path) -> None:
    url = nats_server(_tls_server(pki, "verify: true"))
    good = NatsConnectSettings(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    check_connection(url, good, DEADLINE)
    check_connection(url.replace("nats://", "tls://"), good, DEADLINE)
    assert _round_trip(url, good) == b"hello"

    no_cert = _refused(url, NatsConnectSettings(ca=pki.ca))
    assert "requires a client certificate" in str(no_cert)
    assert "--asyncapi-nats-cert FILE and --asyncapi-nats-key FILE" in str(no_cert)

    system = _refused(url, NatsConnectSettings(cert=pki.client_cert, key=pki.client_key))
    assert "is not signed by a CA in the system trust store" in str(system)
    assert "--asyncapi-nats-ca FILE" in str(system)

    other = sec.make_pki(tmp_path / "other")
    wrong_ca = _refused(
        url, NatsConnectSettings(ca=other.ca, cert=pki.client_cert, key=pki.client_key)
    )
    assert f"not signed by a CA in --asyncapi-nats-ca {other.ca}" in str(wrong_ca)

    stranger = NatsConnectSettings(ca=pki.ca, cert=other.client_cert, key=other.client_key)
    assert f"did not accept --asyncapi-nats-cert {other.client_cert}" in str(
        _refused(url, stranger)
    )


def test_tls_hostname_mismatch_names_the_host(nats_server: Any, tmp_path: Path) -> None:
    pki = sec.make_pki(tmp_path / "pki", server_hosts=("nats.example.internal",))
    url = nats_server(_tls_server(pki))
    error = _refused(url, NatsConnectSettings(ca=pki.ca))
    assert "certificate at 127.0.0.1:" in str(error)
    assert "is not valid for host '127.0.0.1'" in str(error)
    assert "127.0.0.1 in its subjectAltName" in str(error)


def test_tls_handshake_first(nats_server: Any, pki: sec.Pki) -> None:
    first = NatsConnectSettings(ca=pki.ca, handshake_first=True)
    url = nats_server(_tls_server(pki, "handshake_first: true"), probe=first)
    check_connection(url, first, DEADLINE)
    assert _round_trip(url, first) == b"hello"
    started = time.monotonic()
    with pytest.raises(BrokerError) as caught:
        check_connection(url, NatsConnectSettings(ca=pki.ca), 1.0)
    assert time.monotonic() - started < DEADLINE
    assert "no NATS connection to 127.0.0.1:" in str(caught.value)
    assert "pass --asyncapi-nats-tls-handshake-first" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"token": "t", "user": "u", "password": "p"}, "choose one method, got token and user"),
        ({"user": "u"}, "--asyncapi-nats-user needs --asyncapi-nats-password"),
        ({"cert": "CERT"}, "--asyncapi-nats-cert needs --asyncapi-nats-key"),
        ({"creds": "missing.creds"}, "--asyncapi-nats-creds: no such file: missing.creds"),
    ],
)
def test_settings_that_cannot_work_are_refused_up_front(
    kwargs: dict[str, Any], message: str, pki: sec.Pki
) -> None:
    values = {k: (pki.client_cert if v == "CERT" else v) for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        NatsConnectSettings(**values)


def test_unusable_tls_files_name_the_file(pki: sec.Pki) -> None:
    with pytest.raises(BrokerError, match=f"--asyncapi-nats-ca {pki.client_key}: not a usable"):
        connect_kwargs(NatsConnectSettings(ca=pki.client_key))
    swapped = NatsConnectSettings(cert=pki.client_key, key=pki.client_cert)
    with pytest.raises(BrokerError, match="not a usable client certificate and key"):
        connect_kwargs(swapped)
