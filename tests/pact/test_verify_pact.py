"""``asyncapi-contract verify --consumer PACT --provider SPEC`` on pacts pact-python wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pact import match

from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from tests.support.compat import ROOT, run_cli, run_json
from tests.support.pacts import order_created, write_pact

ORDERS = ROOT / "sample_specs" / "orders-kafka.yaml"
TOPIC = {"topic": "orders.events"}


def verify(capsys: pytest.CaptureFixture[str], pact: Path, *more: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    return run_json(capsys, "verify", "--consumer", str(pact), "--provider", str(ORDERS), *more)


@pytest.mark.parametrize("specification", ["V3", "V4"])
def test_compatible_pact_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], specification: str
) -> None:
    pact = write_pact(
        tmp_path,
        [("an order was created", order_created(), TOPIC)],
        specification=specification,
    )
    code, report = verify(capsys, pact)
    assert code == 0, report
    (expectation,) = report["expectations"]
    assert expectation["status"] == "ok"
    assert expectation["message"] == "an order was created -> OrderCreated"
    assert expectation["provider_channel"] == "orderEvents"


def test_consumer_requiring_an_optional_field_is_broken_with_a_counterexample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = write_pact(
        tmp_path,
        [("an order with a coupon", order_created(couponCode=match.str("SPRING")), TOPIC)],
    )
    code, report = verify(capsys, pact)
    assert code == 1
    (expectation,) = report["expectations"]
    assert expectation["status"] == "broken"
    payload = expectation["parts"]["payload"]
    assert payload["answer"] == "no"
    assert "couponCode" in payload["reason"]
    counterexample = payload["counterexample"]
    # the provider may send it, the pact's consumer would reject it
    provider = load_spec(ORDERS).channel("orderEvents").message("OrderCreated")
    assert provider.payload is not None
    assert compile_schema(provider.payload).check(counterexample).verdict is Verdict.VALID
    assert "couponCode" not in counterexample
    code, out, _ = run_cli(capsys, "verify", "--consumer", str(pact), "--provider", str(ORDERS))
    assert code == 1
    assert "BROKEN" in out
    assert "counterexample payload" in out


def test_pact_example_that_breaks_the_provider_schema_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = order_created(orderId=match.str("12345"))  # the provider's ids are ord-NNNNNN
    pact = write_pact(tmp_path, [("an order created event", bad, TOPIC)])
    code, report = verify(capsys, pact)
    assert code == 1
    (expectation,) = report["expectations"]
    assert expectation["status"] == "broken"
    assert expectation["reason"].startswith("the pact's example is not valid")
    assert "/orderId [pattern]" in expectation["reason"]


def test_mapping_by_name_explicitly_and_the_unmapped_list_candidates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = write_pact(
        tmp_path,
        [
            ("an OrderCreated event", order_created(), {}),
            ("something else entirely", order_created(), {}),
        ],
    )
    code, report = verify(capsys, pact)
    assert code == 1
    named, lost = report["expectations"]
    assert (named["status"], named["provider_message"]) == ("ok", "OrderCreated")
    assert lost["status"] == "broken"
    assert "names no destination" in lost["reason"]
    assert "orderEvents/OrderCreated (orders.events)" in lost["reason"]
    assert "orderEvents/OrderCancelled (orders.events)" in lost["reason"]
    code, report = verify(
        capsys, pact, "--pact-map", "something else entirely=orderEvents/OrderCreated"
    )
    assert code == 0, report


def test_unknown_matcher_makes_the_expectation_need_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = write_pact(tmp_path, [("an order was created", order_created(), TOPIC)])
    raw = json.loads(pact.read_text())
    rules = raw["interactions"][0]["matchingRules"]["body"]
    rules["$.customerId"] = {"combine": "AND", "matchers": [{"match": "someFutureMatcher"}]}
    pact.write_text(json.dumps(raw))
    code, report = verify(capsys, pact)
    assert code == 3
    (expectation,) = report["expectations"]
    assert expectation["status"] == "needs review"
    assert "$.customerId: matcher 'someFutureMatcher' is not checked" in expectation["reason"]


def test_a_destination_no_channel_has_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = write_pact(tmp_path, [("an order was created", order_created(), {"topic": "nope"})])
    code, report = verify(capsys, pact)
    assert code == 1
    assert "no provider channel is at destination 'nope'" in report["expectations"][0]["reason"]
