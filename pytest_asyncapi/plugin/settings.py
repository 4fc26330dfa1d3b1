"""Plugin settings: every option with its ini twin, read and checked once.

Stdlib only, so that reading options costs nothing when ``--asyncapi`` is absent.
Precedence: command line, then the ``ASYNCAPI_BROKER`` environment variable (broker only),
then the ini file, then the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi import options
from pytest_asyncapi.brokers import registry
from pytest_asyncapi.options import Option, SettingsError

if TYPE_CHECKING:
    from pathlib import Path

BROKER_MODES = ("auto", "container", "local")
_URL_FORMS = ", ".join(f"{name}://host:port" for name in registry.names())


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
        f"container, local, or a broker URL ({_URL_FORMS}); "
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
        "broker URL (default: the protocol's own, NATS_URL / KAFKA_BOOTSTRAP_SERVERS / MQTT_URL "
        "/ AMQP_URL)",
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
    protocol_options: dict[str, object] = field(default_factory=dict)
    """Each protocol's own options, read by its registry description's ``read_options``
    (``brokers/nats/options.py``: auth, TLS, JetStream; ``brokers/kafka/options.py``)."""


def all_options() -> tuple[Option, ...]:
    """The plugin's options, then each protocol's own, in registry order."""
    return OPTIONS + tuple(o for d in registry.descriptions() for o in d.options)


def read_settings(get: Any, rootdir: Path) -> Settings | None:
    """Build :class:`Settings` from ``get(option) -> raw value``; ``None`` when inactive.

    ``get.base(option) -> (folder, how)`` says where the option's relative paths are read from
    (the invocation folder for the command line, the ini file's folder for the ini file) and
    how to say so in an error.
    """
    spec_option = OPTIONS[0]
    specs = tuple(options.resolve(get, spec_option, p) for p in get(spec_option))
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
        destinations=options.pairs(
            get(_option("asyncapi_destinations")),
            "--asyncapi-destination",
            "CHANNEL=SUBJECT_OR_TOPIC",
        ),
        settle=options.number(get(_option("asyncapi_settle_ms")), "--asyncapi-settle-ms", 0, 10_000)
        / 1000,
        startup_timeout=options.number(
            get(_option("asyncapi_startup_timeout")), "--asyncapi-startup-timeout", 0.1, 3600
        ),
        consumers=_consumers(get, _option("asyncapi_consumers")),
        pact_map=options.pairs(
            get(_option("asyncapi_pact_map")),
            "--asyncapi-pact-map",
            "DESCRIPTION=CHANNEL[/MESSAGE]",
        ),
        coverage_min=_optional_number(
            get(_option("asyncapi_coverage_min")), "--asyncapi-coverage-min", 0, 100
        ),
        report_json=options.path(get, _option("asyncapi_report_json")),
        report_html=options.path(get, _option("asyncapi_report_html")),
        report_md=options.path(get, _option("asyncapi_report_md")),
        allow_url_refs=bool(get(_option("asyncapi_allow_url_refs"))),
        ref_map={
            k: options.resolve(get, _option("asyncapi_ref_map"), v)
            for k, v in options.pairs(
                get(_option("asyncapi_ref_map")), "--asyncapi-ref-map", "URL_PREFIX=DIR"
            ).items()
        },
        allow_outside_root=bool(get(_option("asyncapi_allow_outside_root"))),
        schema_registry=_registry(get(_option("asyncapi_schema_registry"))),
        rootdir=rootdir,
        limits={
            name: int(options.number(value, f"--asyncapi-{name.replace('_', '-')}", 1, 2**62))
            for name in ("max_bytes", "max_depth", "max_aliases")
            if (value := get(_option(f"asyncapi_{name}"))) not in (None, "")
        },
        protocol_options={
            d.name: d.read_options(get) for d in registry.descriptions() if d.read_options
        },
    )


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
        f"or a broker URL ({_URL_FORMS})"
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


def _consumers(get: Any, option: Option) -> dict[str, Path]:
    consumers = {}
    for name, raw in options.pairs(get(option), "--asyncapi-consumer", "NAME=PATH").items():
        path = options.resolve(get, option, raw)
        if not path.is_file():
            raise SettingsError(
                f"--asyncapi-consumer {name}: no such file: {path} ({get.base(option)[1]})"
            )
        consumers[name] = path
    return consumers


def _optional_number(value: Any, flag: str, low: float, high: float) -> float | None:
    return None if value in (None, "") else options.number(value, flag, low, high)
