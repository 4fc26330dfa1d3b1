"""``asyncapi-contract record`` against a real local nats-server, Tansu and mosquitto.

``run_record`` runs in a thread; it signals readiness (every subscription confirmed) through
``ready``, and only then does an independent client (nats-py, aiokafka) publish. The recording
written by ``--output`` is checked again offline and must give the same verdicts.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest

from pytest_asyncapi.brokers.probes import free_port
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.cli.main import _parser, main
from pytest_asyncapi.cli.output import UsageProblem
from pytest_asyncapi.cli.traffic import run_record
from pytest_asyncapi.spec.options import LoadOptions
from tests.support.kafka_clients import AiokafkaClient

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = Path(__file__).resolve().parent / "fixtures" / "accounts-nats.yaml"
ORDERS = ROOT / "sample_specs" / "orders-kafka.yaml"
Message = tuple[str, bytes, dict[str, str] | None]


@pytest.fixture(scope="module")
def nats_broker() -> Iterator[ProvisionedBroker]:
    with provision("nats", "local") as broker:
        yield broker


@pytest.fixture(scope="module")
def kafka_broker() -> Iterator[ProvisionedBroker]:
    with provision("kafka", "local") as broker:
        yield broker


def record_while(args: list[str], publish: Callable[[], object]) -> int:
    """Run ``record`` in a thread; call ``publish`` once it is ready; its exit code."""
    parsed = _parser().parse_args(["record", *args])
    ready = threading.Event()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["code"] = run_record(parsed, LoadOptions(), ready=ready.set)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
            ready.set()

    thread = threading.Thread(target=target)
    thread.start()
    assert ready.wait(30), "record never signalled readiness"
    if "error" not in outcome:
        publish()
    thread.join(60)
    assert not thread.is_alive(), "record did not stop"
    if "error" in outcome:
        raise outcome["error"]
    code: int = outcome["code"]
    return code


def nats_publish(url: str, messages: list[Message]) -> None:
    async def run() -> None:
        client = await nats.connect(url, allow_reconnect=False, connect_timeout=5)
        for subject, payload, headers in messages:
            await client.publish(subject, payload, headers=headers)
        await client.flush()
        await client.close()

    asyncio.run(run())


def same_verdicts(live: dict[str, Any], offline: dict[str, Any]) -> None:
    assert live["totals"] == offline["totals"]
    assert live["specs"] == offline["specs"]
    assert live["undeclared"] == offline["undeclared"]

    def strip(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if k != "test"} for item in violations]

    assert strip(live["violations"]) == strip(offline["violations"])
    assert strip(live["unchecked"]) == strip(offline["unchecked"])


def signup(plan: str, version: str) -> Message:
    body = {"userId": "u-1", "email": "ada@example.com", "plan": plan}
    return "user.signedup", json.dumps(body).encode(), {"x-schema-version": version}


def test_record_nats_until_count_then_recheck_offline(
    nats_broker: ProvisionedBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = nats_broker.endpoint.url
    recording, live, offline = tmp_path / "rec.jsonl", tmp_path / "live.json", tmp_path / "off.json"
    messages: list[Message] = [
        signup("pro", "2"),
        signup("gold", "0"),  # two violations: enum, and minimum on the converted header
        ("user.u-7.deleted", b'{"userId": "u-7"}', None),
        ("audit.blob", b"\xff\x01", None),  # unchecked (octet-stream)
        ("billing.invoice", b"{}", None),  # undeclared
    ]
    code = record_while(
        [
            str(ACCOUNTS),
            "--broker",
            url,
            "--count",
            "5",
            "--duration",
            "60",
            "--output",
            str(recording),
            "--report-json",
            str(live),
        ],
        lambda: nats_publish(url, messages),
    )
    out, err = capsys.readouterr()
    assert code == 1, out
    assert f"recording from {url} (for 60 s or until 5 message(s)) ..." in err
    assert "payload /plan [enum]" in out
    assert "headers /x-schema-version [minimum]" in out
    assert "'billing.invoice': 1 message(s)" in out
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert [line["destination"] for line in lines] == [m[0] for m in messages]
    assert lines[0]["headers"] == {"x-schema-version": "2"}
    assert lines[2]["payload_text"] == '{"userId": "u-7"}'  # byte for byte
    assert lines[3]["payload_base64"] == "/wE="
    report = json.loads(live.read_text())
    assert report["totals"]["messages"] == 5
    assert report["totals"]["violations"] == 2

    again = main(
        ["check-traffic", str(ACCOUNTS), "--input", str(recording), "--report-json", str(offline)]
    )
    capsys.readouterr()
    assert again == code
    same_verdicts(report, json.loads(offline.read_text()))


def test_record_nats_for_a_duration(
    nats_broker: ProvisionedBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = nats_broker.endpoint.url
    started = time.monotonic()
    code = record_while(
        [str(ACCOUNTS), "--broker", url, "--duration", "1.5", "--json"],
        lambda: nats_publish(url, [signup("free", "1"), signup("pro", "3")]),
    )
    assert time.monotonic() - started >= 1.5
    data = json.loads(capsys.readouterr().out)
    assert code == data["exit_code"] == 0
    assert data["records"] == 2
    assert data["report"]["broker"][0].startswith(f"recorded 2 message(s) from {url} in ")


def test_record_kafka_key_violation_and_recheck(
    kafka_broker: ProvisionedBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = kafka_broker.endpoint.url
    recording, live, offline = tmp_path / "rec.jsonl", tmp_path / "live.json", tmp_path / "off.json"
    created = {
        "orderId": "ord-000001",
        "customerId": "cus-1",
        "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 5}],
        "total": 5,
        "currency": "EUR",
        "createdAt": "2026-05-01T10:00:00Z",
    }
    headers = {"event-type": "OrderCreated", "trace-id": "t-1"}
    client = AiokafkaClient(url.removeprefix("kafka://"))
    try:
        code = record_while(
            [
                str(ORDERS),
                "--broker",
                url,
                "--count",
                "2",
                "--duration",
                "60",
                "--output",
                str(recording),
                "--report-json",
                str(live),
            ],
            lambda: client.publish_keyed(
                [
                    ("orders.events", json.dumps(created).encode(), headers, b"ord-000001"),
                    ("orders.events", json.dumps(created).encode(), headers, b"ORDER-1"),
                ],
                partition=0,
            ),
        )
    finally:
        client.close()
    out, _ = capsys.readouterr()
    assert code == 1, out
    assert "(kafka)" in out
    assert 'key / [pattern]: "ORDER-1" does not match' in out
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert [line["key"] for line in lines] == ["ord-000001", "ORDER-1"]
    assert [line["offset"] for line in lines] == [0, 1]
    assert lines[0]["headers"] == headers

    again = main(
        ["check-traffic", str(ORDERS), "--input", str(recording), "--report-json", str(offline)]
    )
    capsys.readouterr()
    assert again == code
    same_verdicts(json.loads(live.read_text()), json.loads(offline.read_text()))


def test_a_broker_lost_while_recording_is_a_usage_problem_that_keeps_the_recording(
    tmp_path: Path,
) -> None:
    """``main`` turns the :class:`UsageProblem` into exit code 2."""
    recording = tmp_path / "rec.jsonl"
    with provision("nats", "local") as broker:
        url = broker.endpoint.url
        started = time.monotonic()
        with pytest.raises(UsageProblem) as raised:
            record_while(
                [str(ACCOUNTS), "--broker", url, "--duration", "60", "--output", str(recording)],
                broker.kill,
            )
    assert time.monotonic() - started < 10
    assert f"lost the broker {url} while recording" in str(raised.value)
    assert f"the 0 record(s) captured before are in {recording}" in str(raised.value)
    assert recording.read_bytes() == b""


@pytest.mark.parametrize("scheme", ["nats", "kafka"])
def test_a_dead_broker_is_a_usage_error_within_seconds(
    scheme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = ACCOUNTS if scheme == "nats" else ORDERS
    url = f"{scheme}://127.0.0.1:{free_port()}"
    started = time.monotonic()
    code = main(["record", str(spec), "--broker", url, "--count", "1"])
    assert time.monotonic() - started < 5
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot record from {url}: nothing answers at 127.0.0.1:" in err


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--broker", "nats://127.0.0.1:1"], "record needs --duration S or --count N"),
        (
            ["--broker", "nats://127.0.0.1:1", "--count", "1", "--protocol", "kafka"],
            "--protocol kafka contradicts --broker nats://127.0.0.1:1 (nats)",
        ),
        (["--broker", "stomp://host", "--count", "1"], "--broker: 'stomp://host' is not a broker"),
    ],
)
def test_record_usage_errors(
    args: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", str(ACCOUNTS), *args]) == 2
    assert problem in capsys.readouterr().err


def test_record_mqtt_keeps_the_retained_flag_and_rechecks_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.mqtt_clients import AiomqttClient

    spec = ROOT / "sample_specs" / "streetlights-mqtt.yaml"
    recording, live, offline = tmp_path / "rec.jsonl", tmp_path / "live.json", tmp_path / "off.json"
    dim = "smartylighting/streetlights/1/0/action/dim"
    measured = "smartylighting/streetlights/1/0/event/lamp-1/lighting/measured"
    with provision("mqtt", "local") as broker:
        client = AiomqttClient(broker.endpoint.url)

        def publish() -> None:
            client.publish([(dim, b'{"percentage":5}', None)], retain=True)
            client.publish([(measured, b'{"lumens":-1,"sentAt":"2026-05-01T10:00:00Z"}', None)])

        try:
            args = [str(spec), "--broker", broker.endpoint.url, "--count", "2", "--duration"]
            args += ["60", "--output", str(recording), "--report-json", str(live)]
            code = record_while(args, publish)
        finally:
            client.close()
    out, _ = capsys.readouterr()
    assert code == 1, out
    assert "(mqtt)" in out
    assert "payload /lumens [minimum]" in out
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert [(line["destination"], line.get("retained")) for line in lines] == [
        (dim, True),
        (measured, None),
    ]
    again = main(
        ["check-traffic", str(spec), "--input", str(recording), "--report-json", str(offline)]
    )
    capsys.readouterr()
    assert again == code
    same_verdicts(json.loads(live.read_text()), json.loads(offline.read_text()))
