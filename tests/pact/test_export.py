"""``pact-export`` writes a v4 pact that reads back to expectations the document meets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_asyncapi.pact.reader import read_pact
from tests.support.compat import ROOT, run_cli, run_json

SAMPLES = ROOT / "sample_specs"


@pytest.mark.parametrize(
    "name", ["orders-kafka", "user-signup-3.0", "user-signup-2.6", "streetlights-params"]
)
def test_export_then_verify_against_the_same_document_is_compatible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    spec, pact = SAMPLES / f"{name}.yaml", tmp_path / "pact.json"
    code, out, _ = run_cli(
        capsys,
        "pact-export",
        str(spec),
        "--consumer",
        "c",
        "--provider",
        "p",
        "--output",
        str(pact),
    )
    assert code == 0
    assert "interaction(s) to" in out
    assert read_pact(pact).interactions
    code, report = run_json(capsys, "verify", "--consumer", str(pact), "--provider", str(spec))
    assert code == 0, report
    assert {e["status"] for e in report["expectations"]} == {"ok"}


def test_exported_contents_are_what_a_consumer_may_rely_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = SAMPLES / "orders-kafka.yaml"
    code, out, _ = run_cli(
        capsys,
        "pact-export",
        str(spec),
        "--channel",
        "orderEvents",
        "--consumer",
        "billing",
        "--provider",
        "orders",
    )
    assert code == 0
    pact = json.loads(out)
    created = next(i for i in pact["interactions"] if i["description"] == "Order created")
    assert created["type"] == "Asynchronous/Messages"
    assert created["metadata"] == {
        "contentType": "application/json",
        "destination": "orders.events",
    }
    content = created["contents"]["content"]
    assert "couponCode" not in content  # optional in the document: nothing to rely on
    rules = created["matchingRules"]["body"]
    assert rules["$.orderId"]["matchers"] == [{"match": "regex", "regex": "^ord-[0-9]{6}$"}]
    assert rules["$.currency"]["matchers"] == [{"match": "regex", "regex": "^(?:EUR|USD|GBP)$"}]
    assert rules["$.createdAt"]["matchers"] == [{"match": "datetime"}]
    assert rules["$.items"]["matchers"] == [{"match": "type", "min": 1}]
    assert rules["$.items[*].quantity"]["matchers"] == [{"match": "integer"}]


def test_non_json_schema_messages_are_left_out_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys,
        "pact-export",
        str(SAMPLES / "telemetry-avro.yaml"),
        "--consumer",
        "c",
        "--provider",
        "p",
        "--output",
        str(tmp_path / "p.json"),
    )
    assert code == 3
    assert "not exported" in err
    assert "avro" in err
    assert "wrote 1 interaction(s)" in out


def test_unknown_channel_and_a_channel_without_sends_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = str(SAMPLES / "orders-kafka.yaml")
    code, _, err = run_cli(
        capsys, "pact-export", spec, "--channel", "nope", "--consumer", "c", "--provider", "p"
    )
    assert code == 2
    assert "no channel 'nope'" in err
    code, _, err = run_cli(
        capsys,
        "pact-export",
        spec,
        "--channel",
        "paymentEvents",
        "--consumer",
        "c",
        "--provider",
        "p",
    )
    assert code == 2
    assert "sends no message on paymentEvents" in err
