"""``verify --consumer C --provider P`` on realistic consumer/provider documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.compat.verify import Status, verify
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.options import LoadOptions
from tests.support.compat import FIXTURES, run_cli, run_json
from tests.support.corpus import CORPUS

V1, V2 = FIXTURES / "orders-v1.yaml", FIXTURES / "orders-v2.yaml"
BILLING = FIXTURES / "billing-consumer.yaml"


def test_compatible_consumer_is_ok_and_unexpected_messages_are_notes() -> None:
    report = verify(load_spec(BILLING), load_spec(V1))
    assert [(e.message, e.status) for e in report.expectations] == [("OrderCreated", Status.OK)]
    assert report.expectations[0].provider_channel == "orderEvents"
    assert {p.part: p.comparison.answer for p in report.expectations[0].parts} == {
        "payload": Answer.YES,
        "headers": Answer.YES,
        "key": Answer.YES,
    }
    assert report.notes == (
        "the provider also sends OrderCancelled on orders.events, which the consumer does not "
        "declare",
    )


def test_counterexample_is_accepted_by_provider_and_rejected_by_consumer() -> None:
    consumer, provider = load_spec(BILLING), load_spec(V2)
    report = verify(consumer, provider)
    (expectation,) = report.expectations
    assert expectation.status is Status.BROKEN
    parts = {p.part: p.comparison for p in expectation.parts}
    payload = parts["payload"]
    assert payload.answer is Answer.NO
    assert payload.pointer == "/currency"
    assert payload.has_counterexample
    sent = provider.channel("orderEvents").message("OrderCreated")
    expected = consumer.channel("orders").message("OrderCreated")
    assert sent.payload is not None
    assert expected.payload is not None
    assert compile_schema(sent.payload).check(payload.counterexample).verdict is Verdict.VALID
    rejected = compile_schema(expected.payload).check(payload.counterexample)
    assert rejected.verdict is Verdict.INVALID
    assert rejected.violations[0].pointer == "/currency"
    key = parts["key"]
    assert (key.answer, key.counterexample, key.has_counterexample) == (Answer.NO, None, True)


def test_missing_channel_and_message_are_broken_across_versions() -> None:
    report = verify(load_spec(FIXTURES / "shipping-consumer-2.6.yaml"), load_spec(V1))
    by_message = {e.message: e for e in report.expectations}
    assert by_message["OrderShipped"].status is Status.BROKEN
    assert "none named OrderShipped" in by_message["OrderShipped"].reason
    assert by_message["RefundIssued"].reason == (
        "the provider declares no channel at payments.refunds"
    )
    created = by_message["OrderCreated"]
    assert created.status is Status.BROKEN
    assert created.parts[0].comparison.pointer == "/shipping"
    assert created.parts[0].comparison.has_counterexample


def test_provider_that_only_receives_on_the_destination_is_broken(tmp_path: Path) -> None:
    sends = "    action: send\n    channel:\n      $ref: '#/channels/orderEvents'"
    provider = V1.read_text().replace(sends, sends.replace("send", "receive"))
    (tmp_path / "p.yaml").write_text(provider)
    (expectation,) = verify(load_spec(BILLING), load_spec(tmp_path / "p.yaml")).expectations
    assert expectation.status is Status.BROKEN
    assert expectation.reason == (
        "the provider has channel 'orderEvents' at orders.events but does not send on it"
    )


STATUS_CONSUMER = """
asyncapi: 3.0.0
info: {title: Status board, version: 1.0.0}
channels:
  status:
    address: orders.{market}.status
    messages:
      OrderStatusChanged:
        payload:
          type: object
          required: [orderId]
          properties:
            status: {type: string}
operations:
  showStatus:
    action: receive
    channel: {$ref: '#/channels/status'}
"""


def test_parameterised_destinations_match_by_shape(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(STATUS_CONSUMER)
    report = verify(load_spec(tmp_path / "c.yaml"), load_spec(V1), search=False)
    (expectation,) = report.expectations
    assert expectation.provider_channel == "orderStatus"
    assert expectation.status is Status.OK, expectation


def test_cli_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("verify", "--consumer", str(BILLING), "--provider")
    assert run_cli(capsys, *args, str(V1))[0] == 0
    code, out, _ = run_cli(capsys, *args, str(V2))
    assert code == 1
    assert "**BROKEN** OrderCreated on orders.events" in out
    assert "counterexample payload:" in out
    code, data = run_json(capsys, *args, str(V2))
    assert code == 1
    assert data["status"] == "broken"
    payload = data["expectations"][0]["parts"]["payload"]
    assert payload["counterexample"]["currency"] == "CHF"
    review = ("verify", "--consumer", str(FIXTURES / "review-consumer.yaml"), "--provider")
    code, data = run_json(capsys, *review, str(V1))
    assert code == 3
    assert data["expectations"][0]["status"] == "needs review"
    assert "no counterexample" in data["expectations"][0]["parts"]["payload"]["note"]


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sender_only = STATUS_CONSUMER.replace("action: receive", "action: send")
    (tmp_path / "sender.yaml").write_text(sender_only)
    code, _, err = run_cli(
        capsys, "verify", "--consumer", str(tmp_path / "sender.yaml"), "--provider", str(V1)
    )
    assert code == 2
    assert "declares no message it receives" in err
    missing = tmp_path / "nope.yaml"
    code, _, err = run_cli(capsys, "verify", "--consumer", str(missing), "--provider", str(V1))
    assert code == 2
    assert "nope.yaml" in err


SOCIAL = CORPUS / "asyncapi-spec-v3.0.0" / "examples" / "social-media"


@pytest.mark.parametrize(
    ("consumer", "provider", "message"),
    [
        ("frontend", "backend", "updateCommentLikes"),
        ("notification-service", "backend", "commentLiked"),
        ("backend", "comments-service", "commentChanged"),
    ],
)
def test_corpus_services_that_talk_to_each_other_are_compatible(
    consumer: str, provider: str, message: str
) -> None:
    if not SOCIAL.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    options = LoadOptions(allow_outside_root=True)
    report = verify(
        load_spec(SOCIAL / consumer / "asyncapi.yaml", options),
        load_spec(SOCIAL / provider / "asyncapi.yaml", options),
    )
    statuses = {e.message: e.status for e in report.expectations}
    assert statuses[message] is Status.OK
