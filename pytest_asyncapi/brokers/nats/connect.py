"""How the plugin connects to NATS as teams run it: auth and TLS settings → ``nats.connect``.

:class:`NatsConnectSettings` holds what the user configured (token, user/password, nkey seed
file, credentials file, CA, client certificate, TLS-first); :func:`connect_kwargs` turns it
into keyword arguments for ``nats.connect`` (what the capture adapter passes on), and
:func:`readiness_tls` into what the readiness probe needs to read a TLS-first server's
``INFO``. :func:`check_connection` makes one real connection and, when it fails, raises one
:class:`~pytest_asyncapi.errors.BrokerError` naming the auth method and the file, flag or
hostname to fix — never a secret.

Credentials in a URL are used as nats-py uses them: as written, ``%XX`` escapes included
(nats-py does not decode them), so the URL handed to the service works in nats-py as given.
Importing this module imports only the standard library.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    import ssl

__all__ = [
    "NatsConnectSettings",
    "check_connection",
    "connect_kwargs",
    "readiness_tls",
]

_FLAGS = {
    "token": "--asyncapi-nats-token",
    "user": "--asyncapi-nats-user",
    "password": "--asyncapi-nats-password",
    "nkey_seed": "--asyncapi-nats-nkey-seed",
    "creds": "--asyncapi-nats-creds",
    "ca": "--asyncapi-nats-ca",
    "cert": "--asyncapi-nats-cert",
    "key": "--asyncapi-nats-key",
    "handshake_first": "--asyncapi-nats-tls-handshake-first",
}


@dataclass(frozen=True)
class NatsConnectSettings:
    """Auth and TLS for every NATS connection the plugin makes (all optional)."""

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    nkey_seed: Path | None = None
    creds: Path | None = None
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    handshake_first: bool = False

    def __post_init__(self) -> None:
        methods = [
            name
            for name, given in (
                ("token", self.token),
                ("user/password", self.user or self.password),
                ("nkey seed", self.nkey_seed),
                ("credentials file", self.creds),
            )
            if given
        ]
        if len(methods) > 1:
            raise ValueError(
                f"NATS auth: choose one method, got {' and '.join(methods)} "
                "(a server checks one of them per connection)"
            )
        if bool(self.user) != bool(self.password):
            given, missing = ("user", "password") if self.user else ("password", "user")
            raise ValueError(f"NATS auth: {_FLAGS[given]} needs {_FLAGS[missing]} too")
        if bool(self.cert) != bool(self.key):
            given, missing = ("cert", "key") if self.cert else ("key", "cert")
            raise ValueError(
                f"NATS TLS: {_FLAGS[given]} needs {_FLAGS[missing]} too "
                "(a client certificate and its private key)"
            )
        for name in ("nkey_seed", "creds", "ca", "cert", "key"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise ValueError(f"{_FLAGS[name]}: no such file: {path}")

    @property
    def wants_tls(self) -> bool:
        return bool(self.ca or self.cert or self.handshake_first)

    def method(self, url: str = "") -> str:
        """The auth method in words, for errors and the header (files named, secrets not)."""
        if self.token:
            return f"token ({_FLAGS['token']})"
        if self.user:
            return f"user/password for user {self.user!r} ({_FLAGS['user']})"
        if self.nkey_seed:
            return f"nkey seed file {self.nkey_seed} ({_FLAGS['nkey_seed']})"
        if self.creds:
            return f"credentials file {self.creds} ({_FLAGS['creds']})"
        user, password = _url_credentials(url)
        if user is not None and password is not None:
            return f"user/password for user {user!r} from the broker URL"
        if user is not None:
            return "token from the broker URL"
        return "no credentials"


def connect_kwargs(settings: NatsConnectSettings, url: str = "") -> dict[str, Any]:
    """Keyword arguments for ``nats.connect`` (beyond ``servers``) that apply ``settings``.

    Raises ``BrokerError`` when a TLS file cannot be used (naming the file and the flag).
    """
    kwargs: dict[str, Any] = {}
    if settings.token:
        kwargs["token"] = settings.token
    if settings.user:
        kwargs["user"] = settings.user
        kwargs["password"] = settings.password
    if settings.nkey_seed:
        kwargs["nkeys_seed"] = str(settings.nkey_seed)
    if settings.creds:
        kwargs["user_credentials"] = str(settings.creds)
    if settings.nkey_seed or settings.creds:
        _require_nkeys()
    if settings.wants_tls or _tls_scheme(url):
        kwargs["tls"] = tls_context(settings)
    if settings.handshake_first:
        kwargs["tls_handshake_first"] = True
    return kwargs


def readiness_tls(settings: NatsConnectSettings) -> ssl.SSLContext | None:
    """The TLS context the readiness probe must wrap its socket in before the server's
    ``INFO`` line arrives: only for TLS-first servers (others send ``INFO`` in the clear)."""
    return tls_context(settings) if settings.handshake_first else None


def tls_context(settings: NatsConnectSettings) -> ssl.SSLContext:
    """A client TLS context: the CA file (else the system trust store) and the client cert."""
    import ssl

    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca) if settings.ca is not None else None
        )
    except (ssl.SSLError, OSError) as exc:
        raise BrokerError(
            f"{_FLAGS['ca']} {settings.ca}: not a usable CA certificate file ({_reason(exc)})",
            hint="pass the PEM file of the CA that signed the NATS server's certificate",
        ) from None
    if settings.cert is not None and settings.key is not None:
        try:
            context.load_cert_chain(str(settings.cert), str(settings.key))
        except (ssl.SSLError, OSError) as exc:
            raise BrokerError(
                f"{_FLAGS['cert']} {settings.cert} / {_FLAGS['key']} {settings.key}: "
                f"not a usable client certificate and key ({_reason(exc)})",
                hint="pass a PEM certificate and the PEM private key that belongs to it",
            ) from None
    return context


def check_connection(url: str, settings: NatsConnectSettings, timeout: float) -> None:
    """Connect once with ``settings`` and close; on failure one ``BrokerError`` that names
    the method and what to fix, raised within ``timeout`` seconds."""
    __tracebackhide__ = True  # pytest shows a raising frame's arguments: the URL may hold secrets
    import asyncio
    import threading

    kwargs = connect_kwargs(settings, url)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_connect_once(url, kwargs, timeout))
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)

    # A thread of its own: the caller may be inside a running event loop (async tests).
    thread = threading.Thread(target=run, name="pytest-asyncapi-nats-check", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise explain(failure[0], url, settings, timeout) from None


async def _connect_once(url: str, kwargs: dict[str, Any], timeout: float) -> None:
    import asyncio

    import nats.aio.client

    async def ignore(_: Exception) -> None:
        return None

    client = nats.aio.client.Client()
    try:
        await asyncio.wait_for(
            client.connect(
                [s.strip() for s in url.split(",")],
                allow_reconnect=False,
                max_reconnect_attempts=0,
                connect_timeout=max(1, round(timeout)),
                error_cb=ignore,
                name="pytest-asyncapi-check",
                **kwargs,
            ),
            timeout,
        )
    finally:
        try:  # also releases the socket of a failed attempt
            await asyncio.wait_for(client.close(), 1.0)
        except (asyncio.TimeoutError, OSError):
            _abort(client)  # a TLS session the server broke off may never finish closing


def _abort(client: Any) -> None:
    writer = getattr(getattr(client, "_transport", None), "_io_writer", None)
    if writer is not None:
        writer.transport.abort()


def explain(
    exc: BaseException, url: str, settings: NatsConnectSettings, timeout: float
) -> BrokerError:
    """A failed connect as a ``BrokerError`` naming the method and the file/host to fix."""
    import asyncio
    import ssl

    where = _where(url)
    method = settings.method(url)
    text = str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate_problem(exc, where, settings)
    info = _server_info(url, settings)
    if info.get("tls_verify") and not isinstance(exc, TimeoutError | asyncio.TimeoutError):
        # With TLS 1.3 the server's verdict on the client certificate can arrive as an
        # alert or as a closed connection, depending on timing: INFO says which it is.
        return _client_certificate_problem(where, settings)
    if isinstance(exc, ssl.SSLError):
        return _tls_problem(text, where, settings)
    if "authorization violation" in text.lower() or "authentication" in text.lower():
        hint = (
            "check the credentials against the server's authorization / accounts config"
            + _escape_note(url)
        )
        from pytest_asyncapi.masking import mask

        server = mask(url.split(",")[0].strip())
        return BrokerError(f"the NATS server at {server} refused {method} ({text})", hint=hint)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        hint = "check that it is a NATS server and that it is up"
        if not settings.handshake_first:
            hint += (
                "; a server with tls { handshake_first: true } waits for TLS first: pass "
                + _FLAGS["handshake_first"]
            )
        return BrokerError(
            f"no NATS connection to {where} within {timeout:g} s ({method})", hint=hint
        )
    if "tls" in text.lower():
        return BrokerError(
            f"TLS mismatch with the NATS server at {where}: {text}",
            hint=f"use a tls:// URL or {_FLAGS['ca']} for a TLS server; drop the TLS options "
            "for a server without TLS",
        )
    return BrokerError(
        f"cannot connect to the NATS server at {where} ({method}): {text or type(exc).__name__}",
        hint="check the broker URL and that the server is up",
    )


def _certificate_problem(
    exc: ssl.SSLCertVerificationError, where: str, settings: NatsConnectSettings
) -> BrokerError:
    message = str(exc.verify_message or exc)
    if "hostname" in message.lower() or "ip address mismatch" in message.lower():
        host = where.rsplit(":", 1)[0]
        return BrokerError(
            f"the NATS server's certificate at {where} is not valid for host {host!r} ({message})",
            hint=f"connect with a host name the certificate lists, or reissue the server "
            f"certificate with {host} in its subjectAltName",
        )
    trust = f"{_FLAGS['ca']} {settings.ca}" if settings.ca else "the system trust store"
    if "expired" in message.lower():
        problem = f"the NATS server's certificate at {where} has expired ({message})"
        hint = "renew the server certificate"
    else:
        problem = (
            f"the NATS server's certificate at {where} is not signed by a CA in {trust} ({message})"
        )
        hint = f"pass the CA that signed the server certificate with {_FLAGS['ca']} FILE"
    return BrokerError(problem, hint=hint)


def _client_certificate_problem(where: str, settings: NatsConnectSettings) -> BrokerError:
    if settings.cert is None:
        return BrokerError(
            f"the NATS server at {where} requires a client certificate (tls verify: true) "
            "and none was given",
            hint=f"pass {_FLAGS['cert']} FILE and {_FLAGS['key']} FILE",
        )
    return BrokerError(
        f"the NATS server at {where} checks client certificates (tls verify: true) and "
        f"did not accept {_FLAGS['cert']} {settings.cert}",
        hint=f"use a client certificate signed by a CA in the server's tls ca_file "
        f"(and its key as {_FLAGS['key']})",
    )


def _server_info(url: str, settings: NatsConnectSettings) -> dict[str, object]:
    """The server's ``INFO`` (read by the readiness probe), ``{}`` when it cannot be read."""
    from pytest_asyncapi.brokers import probes
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.nats.provisioning import nats_info

    host, _, port = _where(url).rpartition(":")
    try:
        return nats_info(Address(host, int(port)), 2.0, readiness_tls(settings))
    except (OSError, ValueError, probes.ProbeError, BrokerError):
        return {}


def _tls_problem(text: str, where: str, settings: NatsConnectSettings) -> BrokerError:
    lowered = text.lower()
    if "wrong version number" in lowered or "record layer" in lowered:
        hint = (
            f"the server does not start with TLS: drop {_FLAGS['handshake_first']}"
            if settings.handshake_first
            else "check that the server speaks TLS on this port"
        )
        return BrokerError(
            f"TLS handshake with the NATS server at {where} failed ({text})", hint=hint
        )
    return BrokerError(
        f"TLS with the NATS server at {where} failed ({text})",
        hint=f"check {_FLAGS['ca']}, {_FLAGS['cert']} and {_FLAGS['key']} against the "
        "server's tls block",
    )


def _where(url: str) -> str:
    """``host:port`` of the first server of ``url`` (no credentials)."""
    first = url.split(",")[0].strip()
    parsed = urllib.parse.urlsplit(first if "://" in first else f"nats://{first}")
    host = parsed.hostname or "?"
    return f"{host}:{parsed.port or 4222}"


def _url_credentials(url: str) -> tuple[str | None, str | None]:
    """(user, password) as nats-py reads them from the first server of ``url``: raw."""
    first = url.split(",")[0].strip()
    if "://" not in first:
        return None, None
    parsed = urllib.parse.urlsplit(first)
    return parsed.username, parsed.password


def _escape_note(url: str) -> str:
    user, password = _url_credentials(url)
    if "%" in (user or "") + (password or ""):
        return (
            "; note: the broker URL's credentials contain %XX escapes, and nats-py sends URL "
            "credentials as written (undecoded) — write them unescaped in the URL, or pass "
            f"{_FLAGS['user']} / {_FLAGS['password']}"
        )
    return ""


def _tls_scheme(url: str) -> bool:
    return any(part.strip().lower().startswith("tls://") for part in url.split(","))


def _require_nkeys() -> None:
    import importlib.util

    if importlib.util.find_spec("nkeys") is None:
        raise BrokerError(
            "nkey and credentials-file auth need the nkeys package, which is not installed",
            hint="pip install 'pytest-asyncapi[nats]' (it brings nkeys)",
        )


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
