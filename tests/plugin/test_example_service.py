"""The example service's contract tests: green as shipped, and the right test fails when broken."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.support.corpus import CORPUS
from tests.support.plugin_runs import ROOT


def run_example(
    broken: str | None,
    folder: str = "examples/signup_service",
    spec: str = "sample_specs/user-signup-3.0.yaml",
    variable: str = "SIGNUP_BROKEN",
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NATS_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASYNCAPI_BROKER")
    }
    if broken:
        env[variable] = broken
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            folder,
            "-p",
            "no:cacheprovider",
            "--asyncapi",
            spec,
            "--asyncapi-broker",
            "local",
            "-o",
            "addopts=",
            "-q",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def failed_tests(out: str) -> list[str]:
    """The node ids in pytest's short summary: a wide terminal appends " - reason" to each line."""
    return [line.split()[1] for line in out.splitlines() if line.startswith("FAILED ")]


def run_orders(broken: str | None) -> subprocess.CompletedProcess[str]:
    return run_example(
        broken, "examples/orders_service", "sample_specs/orders-kafka.yaml", "ORDERS_BROKEN"
    )


LOOKUP_TESTS = "examples/signup_service/tests/test_lookup_reply.py::"


def test_example_passes_and_prints_the_summary() -> None:
    done = run_example(None)
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "AsyncAPI contract" in out
    assert "userSignedUp" in out
    assert "deselected" not in out  # the request/reply tests run with the 3.0 document
    # replies count in coverage: UserSignedUp, and both reply messages of answerUserLookup
    assert "coverage: 100% of sent messages seen (3/3)" in out
    assert "answerUserLookup: LookupUser -> UserFound  3 valid" in out
    assert "answerUserLookup: LookupUser -> UserNotFound  2 valid" in out


def test_example_runs_with_the_2_6_document_without_its_reply_tests() -> None:
    done = run_example(None, spec="sample_specs/user-signup-2.6.yaml")
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "AsyncAPI 2.6.0" in out
    assert (
        "signup example: 5 request/reply test(s) deselected: no loaded document declares an "
        "operation with a reply" in out
    )
    assert "10 passed, 5 deselected" in out
    # the lookup another service sends is still checked, as an ordinary 2.x channel
    assert any(line.split()[:4] == ["user/lookup", "1", "1", "0"] for line in out.splitlines())
    assert "request/reply (request -> reply):" not in out  # 2.x pairs no replies


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("missing-header", 'headers / [required]: "x-correlation-id" is a required property'),
        ("extra-field", "[additionalProperties]"),
    ],
)
def test_broken_variant_fails_the_right_test_with_the_right_message(
    broken: str, expected: str
) -> None:
    done = run_example(broken)
    assert done.returncode == 1
    out = done.stdout
    assert (
        "FAILED examples/signup_service/tests/test_signup_contract.py::"
        "test_sign_up_publishes_user_signed_up" in out
    )
    assert "channel userSignedUp · message UserSignedUp" in out
    assert expected in out
    # the lifecycle test that publishes nothing still passes
    assert "test_sign_up_refused_after_stop FAILED" not in out


def test_invalid_lookup_reply_fails_the_lookup_tests_naming_the_operation_and_reply() -> None:
    done = run_example("reply-field")
    assert done.returncode == 1
    out = done.stdout
    failed = sorted(failed_tests(out))
    assert failed == [
        f"{LOOKUP_TESTS}{name}"
        for name in (
            "test_lookup_answers_with_the_users_account",
            "test_lookup_by_another_service",
            "test_lookup_from_a_synchronous_test",
        )
    ]  # the UserNotFound replies and every other test still pass
    assert "asyncapi.request('answerUserLookup'): the reply breaks the contract:" in out
    assert "channel userLookupReply · operation answerUserLookup reply · message UserFound" in out
    assert 'reply payload / [required]: "displayName" is a required property' in out
    assert "answerUserLookup: LookupUser -> UserFound  3 invalid" in out


def test_reply_with_another_correlation_id_fails_every_lookup_test() -> None:
    done = run_example("reply-correlation")
    assert done.returncode == 1
    out = done.stdout
    failed = failed_tests(out)
    assert len(failed) == 5
    assert all(test.startswith(LOOKUP_TESTS) for test in failed)
    assert "reply correlationId / [correlationId]: the reply's correlation ID '" in out
    assert "(at $message.header#/x-correlation-id) is not the request's '" in out


def test_orders_example_passes_on_kafka_with_full_coverage() -> None:
    done = run_orders(None)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "coverage: 100% of sent messages seen (2/2)" in done.stdout


def test_orders_example_bad_key_fails_naming_the_key_schema() -> None:
    done = run_orders("bad-key")
    assert done.returncode == 1
    out = done.stdout
    assert "FAILED examples/orders_service/tests/test_orders_contract.py::" in out
    assert 'key / [pattern]: "order-42" does not match "^ord-[0-9]{6}$"' in out
    assert "schema #/components/schemas/OrderId" in out
    assert "test_bad_requests_are_refused_without_an_event FAILED" not in out


TELEMETRY_TESTS = "examples/telemetry_service/tests/test_telemetry_contract.py::"


def run_telemetry(broken: str | None, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_example(
        broken,
        "examples/telemetry_service",
        "sample_specs/telemetry-avro.yaml",
        "TELEMETRY_BROKEN",
        extra,
    )


def local_registry_class() -> Any:
    """The example's registry (``examples/telemetry_service/local_registry.py``)."""
    path = ROOT / "examples" / "telemetry_service" / "local_registry.py"
    spec = importlib.util.spec_from_file_location("telemetry_local_registry", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalRegistry


def test_telemetry_example_passes_with_writer_schemas_checked_by_the_registry() -> None:
    done = run_telemetry(None)
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "6 passed" in out
    assert re.search(r"telemetry\.readings +9 +9 +0 +0 +telemetry\.readings", out), out[-2000:]
    assert re.search(r"telemetry\.alerts +2 +2 +0 +0 +telemetry\.alerts", out), out[-2000:]
    assert "coverage: 100% of sent messages seen (2/2)" in out
    # the example's conftest gave the plugin a registry: writer schemas were fetched and checked
    assert "writer schemas were not checked" not in out


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            "unframed",
            "payload / [framing]: the first byte is 0x14, not the magic byte 0x00 of the "
            "confluent frame that the binding declares",
        ),
        (
            "drifted-schema",
            "payload /temperature [writer-schema]: the writer schema (registry schema 1) is not "
            "compatible with the document's: the reader's field 'temperature' is not written "
            "and has no default (Avro type double)",
        ),
        ("unknown-id", "payload / [schemaId]: schema id 1001 is not in the schema registry"),
    ],
)
def test_telemetry_example_broken_variant_fails_the_reading_tests_naming_the_cause(
    broken: str, expected: str
) -> None:
    done = run_telemetry(broken)
    assert done.returncode == 1, done.stdout[-3000:]
    out = done.stdout
    assert f"FAILED {TELEMETRY_TESTS}test_a_reading_is_sent_as_confluent_framed_avro" in out
    assert "channel telemetry.readings · message SensorReading" in out
    assert expected in out
    assert re.search(r"telemetry\.readings +9 +0 +9 +0 ", out), out[-2000:]
    # the alerts are JSON and still right; the test that sends nothing still passes
    assert re.search(r"telemetry\.alerts +2 +2 +0 +0 ", out), out[-2000:]
    assert f"FAILED {TELEMETRY_TESTS}test_bad_readings_are_refused_without_a_record" not in out
    assert "5 failed, 1 passed" in out


def test_telemetry_example_uses_the_registry_named_by_the_option() -> None:
    registry = local_registry_class()()
    url = registry.start()
    try:
        done = run_telemetry(None, "--asyncapi-schema-registry", url)
    finally:
        registry.stop()
    assert done.returncode == 0, done.stdout[-3000:]
    # the service registered its schema there (the conftest started no registry of its own) ...
    assert registry.subjects == {"telemetry.readings-value": [1]}
    # ... and the plugin read it back: the readings were valid, their writer schema checked
    assert re.search(r"telemetry\.readings +9 +9 +0 +0 ", done.stdout), done.stdout[-2000:]
    assert "writer schemas were not checked" not in done.stdout


STREETLIGHTS_TESTS = "examples/streetlights_service/tests/test_streetlights_contract.py::"
STREETLIGHTS_DOC = CORPUS / "asyncapi-spec-v3.0.0" / "examples" / "streetlights-mqtt-asyncapi.yml"


def run_streetlights(broken: str | None) -> subprocess.CompletedProcess[str]:
    if not STREETLIGHTS_DOC.is_file():
        pytest.skip(
            f"the real-world corpus (the official Streetlights MQTT doc) is not at {CORPUS}"
        )
    return run_example(
        broken, "examples/streetlights_service", str(STREETLIGHTS_DOC), "STREETLIGHTS_BROKEN"
    )


def test_streetlights_example_passes_on_mqtt_against_the_official_document() -> None:
    done = run_streetlights(None)
    assert done.returncode == 0, done.stdout[-3000:]
    out = done.stdout
    assert "4 passed" in out
    assert "coverage: 100% of sent messages seen (3/3)" in out
    topic = r"smartylighting/streetlights/1/0/action/\+/turn/on"
    assert re.search(rf"lightTurnOn +4 +4 +0 +0 +{topic}", out)
    assert "broker: local mosquitto" in out


def test_streetlights_example_header_bug_fails_only_the_turn_off_test() -> None:
    done = run_streetlights("header-off")
    assert done.returncode == 1
    out = done.stdout
    assert failed_tests(out) == [f"{STREETLIGHTS_TESTS}test_a_bright_street_turns_its_light_off"]
    assert "headers /my-app-header [maximum]: 101 is greater than the maximum of 100" in out


def test_streetlights_example_bad_timestamps_fail_every_test_naming_the_format() -> None:
    done = run_streetlights("sent-at")
    assert done.returncode == 1
    out = done.stdout
    assert sorted(failed_tests(out)) == [
        f"{STREETLIGHTS_TESTS}{name}"
        for name in (
            "test_a_bright_street_turns_its_light_off",
            "test_a_dark_street_turns_its_light_on",
            "test_dusk_dims_in_proportion",
            "test_each_streetlight_gets_its_own_command",
        )
    ]
    assert re.search(r'payload /sentAt \[format\]: "[0-9/: ]+" is not a "date-time"', out)
    assert re.search(r'payload /sentAt \[format\]: "[0-9/: ]+" is not a "date-time"  \(x3\)', out)
