"""``asyncapi-contract check-traffic``: exit codes, malformed records, conversions, reports."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_asyncapi.cli.main import main
from pytest_asyncapi.reporting.report import SCHEMA_PATH

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACCOUNTS = FIXTURES / "accounts-nats.yaml"
ORDERS = ROOT / "sample_specs" / "orders-kafka.yaml"
VALID_SIGNUP = {
    "destination": "user.signedup",
    "payload": {"userId": "u-1", "email": "ada@example.com"},
    "headers": {"x-schema-version": "1"},
}


def check(
    capsys: pytest.CaptureFixture[str], *args: str | Path, spec: Path = ACCOUNTS
) -> tuple[int, str, str]:
    code = main(["check-traffic", str(spec), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(path: Path, *records: Any) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def validated(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text())).validate(report)
    return report


def test_valid_traffic_exits_0_and_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "valid.jsonl")
    assert code == 0, out
    assert "4 record(s) checked against 1 spec(s) (nats)" in out
    # the plugin's summary table: signedUp saw 3 (JSON, text and base64 payloads), all valid
    assert any(line.split()[:5] == ["signedUp", "3", "3", "0", "0"] for line in out.splitlines())
    assert any(line.split()[:5] == ["deleted", "1", "1", "0", "0"] for line in out.splitlines())
    assert "coverage: 67% of sent messages seen (2/3)" in out
    assert "never seen: " in out
    assert "auditBlob · AuditBlob" in out
    assert out.rstrip().endswith("OK: every message keeps the contract")


def test_violations_exit_1_with_pointer_keyword_and_converted_headers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "invalid.jsonl")
    assert code == 1
    assert "payload /plan [enum]" in out
    # "0" was converted to the integer 0 (the header schema says integer): minimum fails
    assert "headers /x-schema-version [minimum]: 0 is less than the minimum of 1" in out
    # "two" does not convert: it stays a string and fails type
    assert "headers /x-schema-version [type]" in out
    assert "seen on 'user.signedup'" in out
    assert "FAILED: 3 violation(s) in 2 message(s)" in out


def test_header_strings_convert_to_integers_when_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = jsonl(tmp_path / "t.jsonl", {**VALID_SIGNUP, "headers": {"x-schema-version": "7"}})
    assert check(capsys, "--input", good)[0] == 0
    bad = jsonl(tmp_path / "u.jsonl", {**VALID_SIGNUP, "headers": {"x-schema-version": "7.5"}})
    code, out, _ = check(capsys, "--input", bad)
    assert code == 1
    assert "headers /x-schema-version [type]" in out


def test_base64_and_text_payloads_are_the_bytes_they_encode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps({"userId": "u-9", "email": "x@example.com"}).encode()
    bad = json.dumps({"userId": "", "email": "x@example.com"}).encode()
    # "payload": null is the JSON payload null: with payload_base64 that is two payloads
    path = jsonl(
        tmp_path / "b.jsonl",
        {**VALID_SIGNUP, "payload": None, "payload_base64": base64.b64encode(good).decode()},
    )
    code, _, err = check(capsys, "--input", path)
    assert code == 2
    assert "line 1: give exactly one of payload, payload_text, payload_base64" in err
    records = [
        {"destination": "user.signedup", "headers": {"x-schema-version": "1"}, **payload}
        for payload in (
            {"payload_base64": base64.b64encode(good).decode()},
            {"payload_base64": base64.b64encode(bad).decode()},
            {"payload_base64": base64.b64encode(b"\xff\x00not json").decode()},
            {"payload_text": bad.decode()},
        )
    ]
    code, out, _ = check(capsys, "--input", jsonl(tmp_path / "c.jsonl", *records))
    assert code == 1
    assert "payload /userId [minLength]" in out
    assert "(x2)" in out
    assert "payload / [contentType]: payload is not valid JSON" in out
    assert "FAILED: 3 violation(s) in 3 message(s)" in out


def test_unchecked_exits_3_and_1_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "unchecked.jsonl")
    assert code == 3
    assert "audit.blob (auditBlob): payload: content type 'application/octet-stream'" in out
    assert "NOT ALL CHECKED: 1 message(s) could not be checked" in out
    code, out, _ = check(capsys, "--input", FIXTURES / "unchecked.jsonl", "--strict")
    assert code == 1
    assert "FAILED: --strict: 1 message(s) could not be checked" in out


def test_undeclared_exits_3_and_1_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "undeclared.jsonl")
    assert code == 3
    assert "'billing.invoice': 1 message(s)" in out
    code, out, _ = check(capsys, "--input", FIXTURES / "undeclared.jsonl", "--strict")
    assert code == 1
    assert "--strict: 1 message(s) on destinations no channel declares" in out


def test_kafka_key_violation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "orders-kafka.jsonl", spec=ORDERS)
    assert code == 1
    assert "(kafka)" in out  # from the spec's servers
    assert 'key / [pattern]: "ORD-2" does not match' in out
    assert "schema #/components/schemas/OrderId" in out
    # NATS messages have no key: the same records on NATS are not key-checked
    code, out, _ = check(
        capsys, "--input", FIXTURES / "orders-kafka.jsonl", "--protocol", "nats", spec=ORDERS
    )
    assert code == 0, out


@pytest.mark.parametrize(("minimum", "expected"), [("60", 0), ("66.6", 0), ("67", 1), ("100", 1)])
def test_coverage_min(capsys: pytest.CaptureFixture[str], minimum: str, expected: int) -> None:
    # valid.jsonl covers 2 of the 3 sent messages (66.7 %)
    code, out, _ = check(capsys, "--input", FIXTURES / "valid.jsonl", "--coverage-min", minimum)
    assert code == expected, out
    if expected:
        assert f"FAILED: coverage 67% is below --coverage-min {float(minimum):g}%" in out


def test_coverage_min_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        check(capsys, "--input", FIXTURES / "valid.jsonl", "--coverage-min", "101")
    assert exited.value.code == 2
    assert "must be between 0 and 100" in capsys.readouterr().err


GOOD = json.dumps(VALID_SIGNUP)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected a JSON object, got an array"),
        ('{"payload": {}}', "'destination' is required"),
        ('{"destination": "", "payload": {}}', "'destination' is required"),
        ('{"destination": "a"}', "give exactly one of payload, payload_text, payload_base64"),
        (
            '{"destination": "a", "payload": 1, "payload_text": "1"}',
            "(found payload, payload_text)",
        ),
        ('{"destination": "a", "payload_base64": "***"}', "'payload_base64' is not valid base64"),
        ('{"destination": "a", "payload_text": 5}', "'payload_text' must be a string"),
        (
            '{"destination": "a", "payload": {}, "headers": {"v": 1}}',
            """header 'v' must be a string (values are text on the wire: write "1")""",
        ),
        ('{"destination": "a", "payload": {}, "headers": 5}', "'headers' must be an object"),
        ('{"destination": "a", "payload": {}, "key": "k", "key_base64": "aw=="}', "not both"),
        ('{"destination": "a", "payload": {}, "time": "yesterday"}', "'time' must be RFC 3339"),
        (
            '{"destination": "a", "payload": {}, "time": "2026-05-01T10:00:00"}',
            "with an offset",
        ),
        ('{"destination": "a", "payload": {}, "offset": -1}', "'offset' must be a non-negative"),
        ('{"destination": "a", "payload": {}, "header": {}}', "unknown field(s) 'header'"),
    ],
)
def test_malformed_line_is_a_usage_error_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, problem: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\n\n{line}\n{GOOD}\n", encoding="utf-8")
    code, out, err = check(capsys, "--input", path)
    assert code == 2
    assert "bad.jsonl: line 3: " in err
    assert problem in err
    assert out == ""


def test_malformed_line_with_json_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\n[]\n", encoding="utf-8")
    code, out, _ = check(capsys, "--input", path, "--json")
    assert code == 2
    assert "line 2: expected a JSON object" in json.loads(out)["error"]


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, "--input", tmp_path / "missing.jsonl")
    assert code == 2
    assert "cannot read" in err
    assert "missing.jsonl" in err
    code, _, err = check(capsys, "--input", tmp_path)
    assert code == 2


def test_protocol_must_be_given_when_the_specs_declare_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bare.yaml"
    spec.write_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        "channels:\n  a:\n    address: a.b\n    messages:\n      M: {payload: {type: object}}\n"
        "operations:\n  s: {action: send, channel: {$ref: '#/channels/a'}}\n"
    )
    records = jsonl(tmp_path / "r.jsonl", {"destination": "a.b", "payload": {}})
    code, _, err = check(capsys, "--input", records, spec=spec)
    assert code == 2
    assert "declare none; pass --protocol nats or --protocol kafka" in err
    code, out, _ = check(capsys, "--input", records, "--protocol", "nats", spec=spec)
    assert code == 0, out


def test_slash_to_dot_and_destination_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = jsonl(tmp_path / "r.jsonl", {**VALID_SIGNUP, "destination": "accounts.signups"})
    assert check(capsys, "--input", records)[0] == 3  # undeclared
    code, out, _ = check(capsys, "--input", records, "--destination", "signedUp=accounts.signups")
    assert code == 0, out
    code, _, err = check(capsys, "--input", records, "--destination", "nope=x")
    assert code == 2
    assert "unknown channel(s) nope" in err


def test_reports_validate_against_the_published_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, html_path = tmp_path / "out" / "report.json", tmp_path / "report.html"
    code, _, _ = check(
        capsys,
        "--input",
        FIXTURES / "invalid.jsonl",
        "--report-json",
        json_path,
        "--report-html",
        html_path,
    )
    assert code == 1
    report = validated(json_path)
    assert report["totals"]["messages"] == 3
    assert report["totals"]["violations"] == 3
    assert report["broker"] == [f"recorded traffic: {FIXTURES / 'invalid.jsonl'}"]
    assert {v["keyword"] for v in report["violations"]} == {"enum", "minimum", "type"}
    channels = {c["id"]: c for c in report["specs"][0]["channels"]}
    assert (channels["signedUp"]["invalid"], channels["deleted"]["valid"]) == (2, 1)
    page = html_path.read_text(encoding="utf-8")
    assert "Accounts (traffic fixture)" in page
    assert "x-schema-version" in page


def test_json_output_carries_exit_code_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--input", FIXTURES / "unchecked.jsonl", "--json")
    data = json.loads(out)
    assert code == data["exit_code"] == 3
    assert data["records"] == 2
    assert data["protocol"] == "nats"
    assert data["reasons"] == ["1 message(s) could not be checked"]
    assert data["report"]["unchecked"][0]["destination"] == "audit.blob"


def test_standard_input_through_the_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_asyncapi", "check-traffic", str(ACCOUNTS), "--input", "-"],
        input=(FIXTURES / "invalid.jsonl").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("<stdin>: 3 record(s) checked")


def test_empty_input_checks_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    code, out, _ = check(capsys, "--input", empty)
    assert code == 0
    assert "0 record(s) checked" in out
    assert check(capsys, "--input", empty, "--coverage-min", "1")[0] == 1
