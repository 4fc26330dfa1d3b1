"""The ``asyncapi-contract`` CLI: exit codes, messages and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_asyncapi.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_specs"
ALL_SAMPLES = [*sorted(SAMPLES.glob("*.yaml")), SAMPLES / "split" / "asyncapi.yaml"]
VALID_SIGNUP = {
    "userId": "3f1c1a52-8a57-4d0b-9d53-4f8f3f8f6f11",
    "email": "ada@example.com",
    "displayName": "Ada",
    "signedUpAt": "2026-11-28T10:00:00Z",
}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_asyncapi", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_validate_all_sample_specs_exits_0() -> None:
    done = run("validate", *map(str, ALL_SAMPLES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("OK ") == len(ALL_SAMPLES)


def test_undeclared_parameter_exits_1_naming_channel_and_parameter(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n"
        "  user/{userId}/signedup:\n    subscribe:\n      message: {payload: {type: object}}\n"
    )
    done = run("validate", str(spec))
    assert done.returncode == 1
    assert "user/{userId}/signedup" in done.stdout
    assert "userId" in done.stdout
    assert "undeclared-parameter" in done.stdout
    assert ":4:" in done.stdout or ":5:" in done.stdout  # the line of the channel


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    spec = tmp_path / "untidy.yaml"
    spec.write_text(
        "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n  a.b:\n"
        "    parameters:\n      unused: {schema: {type: string}}\n"
        "    subscribe:\n      message: {payload: {type: object}}\n"
    )
    assert main(["validate", str(spec)]) == 0
    assert main(["validate", "--strict", str(spec)]) == 1


def test_unreadable_document_exits_2_with_file_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("asyncapi: 3.0.0\ninfo: {title: t\n  version: [\n")
    done = run("validate", str(spec))
    assert done.returncode == 2
    assert "broken.yaml:" in done.stderr


def test_validate_json_output(tmp_path: Path) -> None:
    done = run("validate", "--json", str(SAMPLES / "user-signup-3.0.yaml"))
    data = json.loads(done.stdout)
    assert data["exit_code"] == 0
    assert data["documents"][0]["valid"] is True
    assert data["documents"][0]["asyncapi"] == "3.0.0"


def test_check_valid_payload_from_stdin_exits_0() -> None:
    done = run(
        "check",
        "sample_specs/user-signup-3.0.yaml",
        "--channel",
        "userSignedUp",
        "-",
        stdin=json.dumps(VALID_SIGNUP),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("VALID")


def test_check_invalid_payload_names_pointer_keyword_and_ref(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({**VALID_SIGNUP, "email": "nope"}))
    done = run(
        "check", "sample_specs/user-signup-2.6.yaml", "--channel", "user/signedup", str(payload)
    )
    assert done.returncode == 1
    assert "payload /email" in done.stdout
    assert "[format]" in done.stdout
    assert "#/components/schemas/UserSignedUpPayload/properties/email" in done.stdout


def test_check_headers_are_checked_with_the_headers_option(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(VALID_SIGNUP))
    headers = tmp_path / "h.json"
    headers.write_text(json.dumps({"x-schema-version": 0}))
    done = run(
        "check",
        "sample_specs/user-signup-3.0.yaml",
        "--channel",
        "userSignedUp",
        "--headers",
        str(headers),
        "--json",
        str(payload),
    )
    assert done.returncode == 1
    data = json.loads(done.stdout)
    problems = {(v["pointer"], v["keyword"]) for v in data["parts"]["headers"]["violations"]}
    assert ("", "required") in problems
    assert ("/x-schema-version", "minimum") in problems


def test_check_without_message_picks_like_the_plugin() -> None:
    cancelled = {
        "orderId": "ord-000001",
        "reason": "customer",
        "cancelledAt": "2026-11-28T10:00:00Z",
    }
    done = run(
        "check",
        "sample_specs/orders-kafka.yaml",
        "--channel",
        "orderEvents",
        "--json",
        "-",
        stdin=json.dumps(cancelled),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert (data["message"], data["verdict"]) == ("OrderCancelled", "valid")
    assert data["candidates"] == ["OrderCreated", "OrderCancelled"]
    bad = run(
        "check", "sample_specs/orders-kafka.yaml", "--channel", "orderEvents", "-", stdin="{}"
    )
    assert bad.returncode == 1
    assert "closest; none matched among OrderCreated, OrderCancelled" in bad.stdout
    assert "required" in bad.stdout


def test_check_picks_message_by_name() -> None:
    payload = {"orderId": "ord-000001", "reason": "customer", "cancelledAt": "2026-11-28T10:00:00Z"}
    done = run(
        "check",
        "sample_specs/orders-kafka.yaml",
        "--channel",
        "orderEvents",
        "--message",
        "OrderCancelled",
        "-",
        stdin=json.dumps(payload),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_unknown_channel_lists_the_known_ones() -> None:
    done = run("check", "sample_specs/user-signup-3.0.yaml", "--channel", "nope", "-", stdin="{}")
    assert done.returncode == 2
    assert "userSignedUp" in done.stderr


def test_check_not_json_payload_is_invalid() -> None:
    done = run(
        "check",
        "sample_specs/user-signup-3.0.yaml",
        "--channel",
        "userSignedUp",
        "-",
        stdin="{not json",
    )
    assert done.returncode == 1
    assert "not valid JSON" in done.stdout


def test_avro_payload_is_decoded_and_checked() -> None:
    args = ("check", "sample_specs/telemetry-avro.yaml", "--channel", "telemetry.readings", "-")
    # Confluent frame (magic byte 0, schema id 1), then bytes that are no SensorReading
    done = run(*args, stdin="\x00\x00\x00\x00\x01{}")
    assert done.returncode == 1
    assert "Avro type" in done.stdout
    unframed = run(*args, stdin="{}")
    assert unframed.returncode == 1
    assert "cannot hold the confluent frame" in unframed.stdout


@pytest.mark.parametrize("args", [["validate"], ["check", "x.yaml", "-"], ["nope"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).returncode == 2


def test_bad_ref_map_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["validate", "--ref-map", "no-equals", str(SAMPLES / "user-signup-3.0.yaml")]) == 2


def test_url_ref_refused_naming_both_ways_out_and_ref_map_reads_a_local_copy(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    address: a.b\n"
        "    messages:\n      m:\n        payload:\n"
        "          $ref: 'https://schemas.example.com/events/user.json'\n"
    )
    local = tmp_path / "mirror"
    local.mkdir()
    (local / "user.json").write_text('{"type": "object", "required": ["id"]}')
    refused = run("validate", str(spec))
    assert refused.returncode == 2
    assert "spec.yaml:9" in refused.stderr
    assert "https://schemas.example.com/events/user.json" in refused.stderr
    assert "--allow-url-refs" in refused.stderr
    assert "--ref-map URL_PREFIX=DIR" in refused.stderr
    mapped = run("validate", "--ref-map", f"https://schemas.example.com/events/={local}", str(spec))
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    checked = run(
        "check",
        str(spec),
        "--channel",
        "c",
        "--ref-map",
        f"https://schemas.example.com/events/={local}",
        str(payload),
    )
    assert checked.returncode == 1
    assert "[required]" in checked.stdout


def test_document_limits_are_options_named_in_the_hint(tmp_path: Path) -> None:
    spec = SAMPLES / "user-signup-3.0.yaml"
    refused = run("validate", "--max-bytes", "100", str(spec))
    assert refused.returncode == 2
    assert "max_bytes=100" in refused.stderr
    assert "--max-bytes N (CLI)" in refused.stderr
    assert run("validate", "--max-bytes", "1000000", str(spec)).returncode == 0
    shallow = run("validate", "--max-depth", "3", str(spec))
    assert shallow.returncode == 2
    assert "--max-depth N" in shallow.stderr
    assert run("validate", "--max-depth", "0", str(spec)).returncode == 2
