"""Plugin settings: every option with its ini twin, read and checked once.

Stdlib only, so that reading options costs nothing when ``--asyncapi`` is absent.
Precedence: command line, then the ``ASYNCAPI_BROKER`` environment variable (broker only),
then the ini file, then the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.brokers.nats import CAPTURE_MODES as NATS_CAPTURE_MODES
from pytest_asyncapi.brokers.nats.connect import NatsConnectSettings

BROKER_MODES = ("auto", "container", "local")


@dataclass(frozen=True)
class Option:
    """One command-line option and its ini twin."""

    flag: str
    ini: str
    help: str
    kind: str = "string"  # string | bool | linelist
    default: Any = None
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.ini


OPTIONS = (
    Option(
        "--asyncapi",
        "asyncapi_specs",
        "AsyncAPI document to check traffic against (repeatable); turns the plugin on",
        "linelist",
        (),
        "PATH",
    ),
    Option(
        "--asyncapi-broker",
        "asyncapi_broker",
        "where the broker comes from: auto (default), "
        "container, local, or a broker URL (nats://host:port, kafka://host:port); "
        "env ASYNCAPI_BROKER overrides the ini value",
        default="auto",
        metavar="MODE|URL",
    ),
    Option(
        "--asyncapi-protocol",
        "asyncapi_protocol",
        f"broker protocol when the specs declare no server: {' or '.join(registry.names())}",
        metavar="PROTOCOL",
    ),
    Option(
        "--asyncapi-strict",
        "asyncapi_strict",
        "fail tests on unchecked messages and on destinations no channel declares",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-client-view",
        "asyncapi_client_view",
        "2.x documents are written from the client's side (publish = the application sends)",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-image",
        "asyncapi_image",
        "container image for the broker (overrides the pinned default)",
        metavar="IMAGE",
    ),
    Option(
        "--asyncapi-broker-env",
        "asyncapi_broker_env",
        "environment variable that receives the "
        "broker URL (default NATS_URL / KAFKA_BOOTSTRAP_SERVERS)",
        metavar="NAME",
    ),
    Option(
        "--asyncapi-slash-to-dot",
        "asyncapi_slash_to_dot",
        "map '/' in channel addresses to '.' for NATS subjects",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-destination",
        "asyncapi_destinations",
        "per-channel destination override CHANNEL=SUBJECT_OR_TOPIC (repeatable)",
        "linelist",
        (),
        "CHANNEL=DEST",
    ),
    Option(
        "--asyncapi-settle-ms",
        "asyncapi_settle_ms",
        "quiet time (ms) that ends the drain at the end of each test, after a broker round trip",
        default="1",
        metavar="MS",
    ),
    Option(
        "--asyncapi-kafka-partitions",
        "asyncapi_kafka_partitions",
        "partitions of the Kafka topics created for declared channels, unless the channel's "
        "Kafka binding says (default 3)",
        default="3",
        metavar="N",
    ),
    Option(
        "--asyncapi-startup-timeout",
        "asyncapi_startup_timeout",
        "seconds to wait for the broker to be ready",
        default="30",
        metavar="SECONDS",
    ),
    Option(
        "--asyncapi-consumer",
        "asyncapi_consumers",
        "a consumer's AsyncAPI document NAME=PATH (repeatable): every captured message is also "
        "checked against what that consumer expects to receive on its destination",
        "linelist",
        (),
        "NAME=PATH",
    ),
    Option(
        "--asyncapi-pact-map",
        "asyncapi_pact_map",
        "pair a pact interaction with a provider message, DESCRIPTION=CHANNEL[/MESSAGE] "
        "(repeatable), when the pact's metadata and names do not say which it is",
        "linelist",
        (),
        "DESCRIPTION=CHANNEL[/MESSAGE]",
    ),
    Option(
        "--asyncapi-coverage-min",
        "asyncapi_coverage_min",
        "fail the run when fewer than PERCENT of the messages the application sends were seen",
        metavar="PERCENT",
    ),
    Option(
        "--asyncapi-report-json",
        "asyncapi_report_json",
        "write the run's contract report as JSON to PATH",
        metavar="PATH",
    ),
    Option(
        "--asyncapi-report-html",
        "asyncapi_report_html",
        "write a self-contained HTML contract report to PATH",
        metavar="PATH",
    ),
    Option(
        "--asyncapi-report-md",
        "asyncapi_report_md",
        "write the contract summary as Markdown to PATH (a PR comment, a CI summary); on "
        "GitHub Actions it is also appended to $GITHUB_STEP_SUMMARY",
        metavar="PATH",
    ),
    *(
        Option(f"--asyncapi-{flag}", f"asyncapi_{flag.replace('-', '_')}", meaning, metavar="N")
        for flag, meaning in (
            ("max-bytes", "largest document file read, in bytes (default 20 MiB)"),
            ("max-depth", "deepest nesting of a document (default 200)"),
            ("max-aliases", "YAML alias expansions allowed per file (default 1000)"),
        )
    ),
    *(
        Option(
            f"--asyncapi-nats-{flag}",
            f"asyncapi_nats_{flag.replace('-', '_')}",
            meaning,
            metavar=metavar,
        )
        for flag, metavar, meaning in (
            ("token", "TOKEN", "NATS auth: token"),
            ("user", "USER", "NATS auth: user name (with --asyncapi-nats-password)"),
            ("password", "PASSWORD", "NATS auth: password"),
            ("nkey-seed", "FILE", "NATS auth: file holding the user's nkey seed (SU...)"),
            ("creds", "FILE", "NATS auth: credentials file (user JWT + nkey seed, from nsc)"),
            ("ca", "FILE", "NATS TLS: CA certificate(s) that signed the server's certificate"),
            ("cert", "FILE", "NATS TLS: client certificate (servers with verify: true)"),
            ("key", "FILE", "NATS TLS: private key of --asyncapi-nats-cert"),
            (
                "config",
                "FILE",
                "nats-server config file for the local broker (auth, TLS, "
                "accounts; its port is chosen by the plugin)",
            ),
        )
    ),
    Option(
        "--asyncapi-nats-tls-handshake-first",
        "asyncapi_nats_tls_handshake_first",
        "NATS TLS: start with the TLS handshake (servers with tls { handshake_first: true })",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-jetstream",
        "asyncapi_jetstream",
        "start the local or container NATS broker with JetStream (store in a temp dir)",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-nats-stream",
        "asyncapi_nats_streams",
        "JetStream stream to create before the first test, NAME=SUBJECT[,SUBJECT] "
        "(repeatable; turns JetStream on for a local or container broker)",
        "linelist",
        (),
        "NAME=SUBJECTS",
    ),
    Option(
        "--asyncapi-allow-url-refs",
        "asyncapi_allow_url_refs",
        "fetch http(s) $ref targets",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-ref-map",
        "asyncapi_ref_map",
        "read $refs under URL_PREFIX from local DIR (repeatable)",
        "linelist",
        (),
        "URL_PREFIX=DIR",
    ),
    Option(
        "--asyncapi-schema-registry",
        "asyncapi_schema_registry",
        "schema registry (Confluent REST API) for the writer schemas of framed Avro/Protobuf; "
        "default: the Kafka server binding's schemaRegistryUrl",
        metavar="URL",
    ),
    Option(
        "--asyncapi-allow-outside-root",
        "asyncapi_allow_outside_root",
        "follow file $refs that leave the project root (rootdir, VCS checkout)",
        "bool",
        False,
    ),
    Option(
        "--asyncapi-nats-capture",
        "asyncapi_nats_capture",
        "what the NATS capture subscribes to: auto (every subject, '>', or the declared subjects "
        "where the server refuses '>'), all (only '>'), declared (only the declared subjects)",
        default="auto",
        metavar="MODE",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The checked settings of one pytest run."""

    specs: tuple[Path, ...]
    broker: str
    broker_url: str | None
    protocol: str | None
    strict: bool
    client_view: bool
    image: str | None
    broker_env: str | None
    slash_to_dot: bool
    destinations: dict[str, str] = field(default_factory=dict)
    settle: float = 0.001
    kafka_partitions: int = 3
    coverage_min: float | None = None
    consumers: dict[str, Path] = field(default_factory=dict)
    pact_map: dict[str, str] = field(default_factory=dict)
    report_json: Path | None = None
    report_html: Path | None = None
    report_md: Path | None = None
    startup_timeout: float = 30.0
    allow_url_refs: bool = False
    ref_map: dict[str, Path] = field(default_factory=dict)
    allow_outside_root: bool = False
    rootdir: Path | None = None
    """pytest's rootdir: file ``$ref``s may go anywhere under it (or the VCS checkout)."""
    schema_registry: str | None = None
    """``--asyncapi-schema-registry``: overrides the documents' ``schemaRegistryUrl``."""
    limits: dict[str, int] = field(default_factory=dict)
    """Document read limits given by the user (``max_bytes``, ``max_depth``, ``max_aliases``)."""
    nats: NatsConnectSettings = field(default_factory=NatsConnectSettings)
    """NATS auth and TLS for every connection the plugin makes."""
    nats_config: Path | None = None
    jetstream: bool = False
    streams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """JetStream streams to create for the session: name -> subjects."""
    nats_capture: str = "auto"


class SettingsError(ValueError):
    """An option value is not acceptable; the message lists the valid choices."""


def read_settings(get: Any, rootdir: Path) -> Settings | None:
    """Build :class:`Settings` from ``get(option) -> raw value``; ``None`` when inactive.

    ``get.base(option) -> (folder, how)`` says where the option's relative paths are read from
    (the invocation folder for the command line, the ini file's folder for the ini file) and
    how to say so in an error.
    """
    spec_option = OPTIONS[0]
    specs = tuple(_resolve(get, spec_option, p) for p in get(spec_option))
    if not specs:
        return None
    missing = [str(p) for p in specs if not p.is_file()]
    if missing:
        raise SettingsError(
            f"--asyncapi: no such file: {', '.join(missing)} ({get.base(spec_option)[1]})"
        )
    raw_broker = get(_option("asyncapi_broker"))
    broker, url = parse_broker(os.environ.get("ASYNCAPI_BROKER") or raw_broker)
    if get.explicit("asyncapi_broker"):
        broker, url = parse_broker(raw_broker)
    protocol = get(_option("asyncapi_protocol"))
    if protocol is not None and not registry.is_known(protocol):
        raise SettingsError(
            f"--asyncapi-protocol: {protocol!r} is not a protocol; choose one of "
            + ", ".join(registry.names())
        )
    protocol = _url_protocol(url, protocol)
    return Settings(
        specs=specs,
        broker=broker,
        broker_url=url,
        protocol=protocol,
        strict=bool(get(_option("asyncapi_strict"))),
        client_view=bool(get(_option("asyncapi_client_view"))),
        image=get(_option("asyncapi_image")),
        broker_env=get(_option("asyncapi_broker_env")),
        slash_to_dot=bool(get(_option("asyncapi_slash_to_dot"))),
        destinations=_pairs(
            get(_option("asyncapi_destinations")),
            "--asyncapi-destination",
            "CHANNEL=SUBJECT_OR_TOPIC",
        ),
        settle=_number(get(_option("asyncapi_settle_ms")), "--asyncapi-settle-ms", 0, 10_000)
        / 1000,
        kafka_partitions=int(
            _number(
                get(_option("asyncapi_kafka_partitions")), "--asyncapi-kafka-partitions", 1, 10_000
            )
        ),
        startup_timeout=_number(
            get(_option("asyncapi_startup_timeout")), "--asyncapi-startup-timeout", 0.1, 3600
        ),
        consumers=_consumers(get, _option("asyncapi_consumers")),
        pact_map=_pairs(
            get(_option("asyncapi_pact_map")),
            "--asyncapi-pact-map",
            "DESCRIPTION=CHANNEL[/MESSAGE]",
        ),
        coverage_min=_optional_number(
            get(_option("asyncapi_coverage_min")), "--asyncapi-coverage-min", 0, 100
        ),
        report_json=_path(get, _option("asyncapi_report_json")),
        report_html=_path(get, _option("asyncapi_report_html")),
        report_md=_path(get, _option("asyncapi_report_md")),
        allow_url_refs=bool(get(_option("asyncapi_allow_url_refs"))),
        ref_map={
            k: _resolve(get, _option("asyncapi_ref_map"), v)
            for k, v in _pairs(
                get(_option("asyncapi_ref_map")), "--asyncapi-ref-map", "URL_PREFIX=DIR"
            ).items()
        },
        allow_outside_root=bool(get(_option("asyncapi_allow_outside_root"))),
        schema_registry=_registry(get(_option("asyncapi_schema_registry"))),
        rootdir=rootdir,
        limits={
            name: int(_number(value, f"--asyncapi-{name.replace('_', '-')}", 1, 2**62))
            for name in ("max_bytes", "max_depth", "max_aliases")
            if (value := get(_option(f"asyncapi_{name}"))) not in (None, "")
        },
        nats=_nats_connect(get),
        nats_config=_file(get, _option("asyncapi_nats_config")),
        jetstream=bool(get(_option("asyncapi_jetstream"))),
        streams=_streams(get(_option("asyncapi_nats_streams"))),
        nats_capture=_choice(get(_option("asyncapi_nats_capture")), "--asyncapi-nats-capture"),
    )


def _nats_connect(get: Any) -> NatsConnectSettings:
    def value(name: str) -> str | None:
        raw = get(_option(f"asyncapi_nats_{name}"))
        return None if raw in (None, "") else str(raw)

    files = {
        name: _file(get, _option(f"asyncapi_nats_{name}"))
        for name in ("nkey_seed", "creds", "ca", "cert", "key")
    }
    try:
        return NatsConnectSettings(
            token=value("token"),
            user=value("user"),
            password=value("password"),
            handshake_first=bool(get(_option("asyncapi_nats_tls_handshake_first"))),
            **files,
        )
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _file(get: Any, option: Option) -> Path | None:
    path = _path(get, option)
    if path is not None and not path.is_file():
        raise SettingsError(f"{option.flag}: no such file: {path} ({get.base(option)[1]})")
    return path


def _streams(values: Any) -> dict[str, tuple[str, ...]]:
    streams = {}
    for name, subjects in _pairs(
        values, "--asyncapi-nats-stream", "NAME=SUBJECT[,SUBJECT]"
    ).items():
        listed = tuple(s.strip() for s in subjects.split(",") if s.strip())
        if not listed or any(c in name for c in " .*>"):
            raise SettingsError(
                f"--asyncapi-nats-stream: expected NAME=SUBJECT[,SUBJECT] with a stream name "
                f"free of spaces, '.', '*' and '>', got {name}={subjects}"
            )
        streams[name] = listed
    return streams


def _choice(value: Any, flag: str) -> str:
    text = str(value or "auto").strip()
    if text not in NATS_CAPTURE_MODES:
        raise SettingsError(
            f"{flag}: {text!r} is not valid; choose one of {', '.join(NATS_CAPTURE_MODES)}"
        )
    return text


def parse_broker(value: str) -> tuple[str, str | None]:
    """``(mode, url)``: a mode from :data:`BROKER_MODES`, or ``("url", URL)``."""
    value = value.strip()
    if value in BROKER_MODES:
        return value, None
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if registry.by_scheme(scheme) is not None and value.split("://", 1)[1]:
        return "url", value
    raise SettingsError(
        f"--asyncapi-broker: {value!r} is not valid; choose one of auto, container, local, "
        "or a broker URL such as nats://127.0.0.1:4222 or kafka://127.0.0.1:9092"
    )


def _url_protocol(url: str | None, protocol: str | None) -> str | None:
    """A broker URL's scheme decides the protocol; a contradicting ``--asyncapi-protocol``
    is an error."""
    if url is None:
        return protocol
    scheme = url.split("://", 1)[0].lower()
    described = registry.by_scheme(scheme)
    if described is None:
        raise registry.UnknownProtocol(scheme, "broker URL scheme")
    decided = described.name
    if protocol is not None and protocol != decided:
        raise SettingsError(
            f"--asyncapi-protocol {protocol} contradicts the broker URL's scheme {scheme}:// "
            f"({decided}); drop --asyncapi-protocol, the URL decides"
        )
    return decided


def _registry(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.lower().startswith(("http://", "https://")) or text[-3:] == "://":
        raise SettingsError(
            f"--asyncapi-schema-registry: {text!r} is not an http(s) URL "
            "(e.g. http://127.0.0.1:8081)"
        )
    return text


def _option(ini: str) -> Option:
    return next(o for o in OPTIONS if o.ini == ini)


def _pairs(values: Any, flag: str, shape: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for entry in values or ():
        key, sep, value = str(entry).partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SettingsError(f"{flag}: expected {shape}, got {entry!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def _resolve(get: Any, option: Option, raw: Any) -> Path:
    """``raw`` as a path: relative ones are read from the folder ``get.base`` names."""
    path = Path(str(raw)).expanduser()
    return path if path.is_absolute() else get.base(option)[0] / path


def _consumers(get: Any, option: Option) -> dict[str, Path]:
    consumers = {}
    for name, raw in _pairs(get(option), "--asyncapi-consumer", "NAME=PATH").items():
        path = _resolve(get, option, raw)
        if not path.is_file():
            raise SettingsError(
                f"--asyncapi-consumer {name}: no such file: {path} ({get.base(option)[1]})"
            )
        consumers[name] = path
    return consumers


def _optional_number(value: Any, flag: str, low: float, high: float) -> float | None:
    return None if value in (None, "") else _number(value, flag, low, high)


def _path(get: Any, option: Option) -> Path | None:
    value = get(option)
    return None if value in (None, "") else _resolve(get, option, value)


def _number(value: Any, flag: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{flag}: expected a number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{flag}: {number:g} is out of range ({low:g} to {high:g})")
    return number
