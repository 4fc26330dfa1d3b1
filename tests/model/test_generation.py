"""Valid payloads for consumer tests: examples, and a hypothesis strategy per message."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from pytest_asyncapi.generation import (
    GenerationError,
    example_payloads,
    find_message,
    payload_strategy,
    payloads,
)
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import SchemaSpec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_specs"
SIGNUP = SAMPLES / "user-signup-3.0.yaml"
SPLIT = SAMPLES / "split" / "asyncapi.yaml"


@pytest.mark.parametrize(
    ("spec", "channel"),
    [
        (SIGNUP, "userSignedUp"),
        (SIGNUP, "userDelete"),
        (SPLIT, "stockChanged"),
        (SAMPLES / "orders-kafka.yaml", "paymentEvents"),
    ],
)
def test_generated_payloads_are_valid_and_varied(spec: Path, channel: str) -> None:
    message = find_message(load_spec(spec), channel)
    assert message.payload is not None
    compiled = compile_schema(message.payload)
    distinct: set[str] = set()

    @settings(max_examples=60, deadline=None)
    @given(payload_strategy(message))
    def check(payload: Any) -> None:
        assert compiled.check(payload).verdict is Verdict.VALID
        distinct.add(repr(payload))

    check()
    assert len(distinct) >= 20


@settings(max_examples=25, deadline=None)
@given(payloads(SIGNUP, "userDelete"))
def test_strategy_usable_at_module_level_with_given(payload: Any) -> None:
    assert set(payload) >= {"userId", "reason"}


def test_examples_and_clear_errors() -> None:
    spec = load_spec(SIGNUP)
    assert example_payloads(find_message(spec, "userDelete"))
    orders = load_spec(SAMPLES / "orders-kafka.yaml")
    with pytest.raises(GenerationError, match="name the message"):
        find_message(orders, "orderEvents")
    raml = SchemaSpec({}, "application/raml+yaml;version=1.0", "/p")
    message = find_message(orders, "orderEvents", "OrderCreated")
    with pytest.raises(GenerationError, match="not supported"):
        payload_strategy(dataclasses.replace(message, payload=raml))
