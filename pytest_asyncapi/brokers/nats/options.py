"""NATS's own plugin options: auth, TLS, the local server's config, JetStream, capture mode.

Registered through the registry (``DESCRIPTION.options``); read into :class:`NatsOptions`,
which the plugin's ``Settings`` keeps under ``protocol_options["nats"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi import options
from pytest_asyncapi.brokers.nats.connect import NatsConnectSettings
from pytest_asyncapi.options import Option, SettingsError

if TYPE_CHECKING:
    from pathlib import Path

CAPTURE_MODES = ("auto", "all", "declared")
"""``--asyncapi-nats-capture``: ``auto`` subscribes to ``>`` and falls back to the declared
subjects where the server refuses it; ``all`` insists on ``>``; ``declared`` never tries it."""

_CONNECT = tuple(
    Option(f"--asyncapi-nats-{flag}", f"asyncapi_nats_{flag.replace('-', '_')}", meaning, metavar=m)
    for flag, m, meaning in (
        ("token", "TOKEN", "NATS auth: token"),
        ("user", "USER", "NATS auth: user name (with --asyncapi-nats-password)"),
        ("password", "PASSWORD", "NATS auth: password"),
        ("nkey-seed", "FILE", "NATS auth: file holding the user's nkey seed (SU...)"),
        ("creds", "FILE", "NATS auth: credentials file (user JWT + nkey seed, from nsc)"),
        ("ca", "FILE", "NATS TLS: CA certificate(s) that signed the server's certificate"),
        ("cert", "FILE", "NATS TLS: client certificate (servers with verify: true)"),
        ("key", "FILE", "NATS TLS: private key of --asyncapi-nats-cert"),
    )
)
_CONFIG = Option(
    "--asyncapi-nats-config",
    "asyncapi_nats_config",
    "nats-server config file for the local broker (auth, TLS, accounts; its port is chosen by "
    "the plugin)",
    metavar="FILE",
)
_HANDSHAKE_FIRST = Option(
    "--asyncapi-nats-tls-handshake-first",
    "asyncapi_nats_tls_handshake_first",
    "NATS TLS: start with the TLS handshake (servers with tls { handshake_first: true })",
    "bool",
    False,
)
_JETSTREAM = Option(
    "--asyncapi-jetstream",
    "asyncapi_jetstream",
    "start the local or container NATS broker with JetStream (store in a temp dir)",
    "bool",
    False,
)
_STREAMS = Option(
    "--asyncapi-nats-stream",
    "asyncapi_nats_streams",
    "JetStream stream to create before the first test, NAME=SUBJECT[,SUBJECT] "
    "(repeatable; turns JetStream on for a local or container broker)",
    "linelist",
    (),
    "NAME=SUBJECTS",
)
_CAPTURE = Option(
    "--asyncapi-nats-capture",
    "asyncapi_nats_capture",
    "what the NATS capture subscribes to: auto (every subject, '>', or the declared subjects "
    "where the server refuses '>'), all (only '>'), declared (only the declared subjects)",
    default="auto",
    metavar="MODE",
)
OPTIONS = (*_CONNECT, _CONFIG, _HANDSHAKE_FIRST, _JETSTREAM, _STREAMS, _CAPTURE)


@dataclass(frozen=True)
class NatsOptions:
    """The checked NATS options of one pytest run."""

    connect: NatsConnectSettings = field(default_factory=NatsConnectSettings)
    """Auth and TLS for every connection the plugin makes."""
    config: Path | None = None
    jetstream: bool = False
    streams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """JetStream streams to create for the session: name -> subjects."""
    capture: str = "auto"


def read(get: Any) -> NatsOptions:
    """The NATS options from ``get`` (see :mod:`pytest_asyncapi.options`)."""
    return NatsOptions(
        connect=_connect(get),
        config=options.existing_file(get, _CONFIG),
        jetstream=bool(get(_JETSTREAM)),
        streams=_streams(get(_STREAMS)),
        capture=options.choice(get(_CAPTURE), _CAPTURE.flag, CAPTURE_MODES),
    )


def _connect(get: Any) -> NatsConnectSettings:
    by_name = {option.ini.removeprefix("asyncapi_nats_"): option for option in _CONNECT}

    def value(name: str) -> str | None:
        raw = get(by_name[name])
        return None if raw in (None, "") else str(raw)

    files = {
        name: options.existing_file(get, by_name[name])
        for name in ("nkey_seed", "creds", "ca", "cert", "key")
    }
    try:
        return NatsConnectSettings(
            token=value("token"),
            user=value("user"),
            password=value("password"),
            handshake_first=bool(get(_HANDSHAKE_FIRST)),
            **files,
        )
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _streams(values: Any) -> dict[str, tuple[str, ...]]:
    streams = {}
    for name, subjects in options.pairs(values, _STREAMS.flag, "NAME=SUBJECT[,SUBJECT]").items():
        listed = tuple(s.strip() for s in subjects.split(",") if s.strip())
        if not listed or any(c in name for c in " .*>"):
            raise SettingsError(
                f"{_STREAMS.flag}: expected NAME=SUBJECT[,SUBJECT] with a stream name "
                f"free of spaces, '.', '*' and '>', got {name}={subjects}"
            )
        streams[name] = listed
    return streams
