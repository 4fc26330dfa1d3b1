"""check-models on hand-written pydantic models (the kind FastStream handlers take): both
directions, what a model can produce and what it accepts, and clear errors for bad input."""

from __future__ import annotations

import sys
import types

import pytest
from pydantic import BaseModel, ConfigDict, Field

from pytest_asyncapi.cli import main as cli
from pytest_asyncapi.codegen.model_check import check_model, model_schema, parse_pair
from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.spec.loader import load_spec
from tests.support.codegen import FIXTURES, SAMPLES

SPEC = load_spec(SAMPLES / "user-signup-3.0.yaml")


class DeleteUser(BaseModel):
    """As a FastStream handler would declare it: ``async def on_delete(cmd: DeleteUser)``."""

    model_config = ConfigDict(extra="forbid")
    userId: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    reason: str = Field(min_length=1, max_length=200)


class StrictDeleteUser(DeleteUser):
    reason: str = Field(min_length=10, max_length=200)


def test_a_received_message_is_checked_both_ways() -> None:
    findings = check_model(SPEC, StrictDeleteUser, "userDelete")
    by_direction = {f.direction: f for f in findings}
    assert set(by_direction) == {"produces", "accepts"}
    accepts = by_direction["accepts"]
    assert accepts.answer is Answer.NO
    assert accepts.has_counterexample
    assert len(accepts.counterexample["reason"]) < 10
    assert "the model refuses it" in accepts.render()


def test_a_sent_message_is_checked_for_what_the_model_produces_only() -> None:
    class Loose(BaseModel):
        userId: str

    findings = check_model(SPEC, Loose, "userSignedUp")
    assert [f.direction for f in findings] == ["produces"]
    assert findings[0].answer is Answer.NO


def test_closed_model_schema_when_extra_fields_are_dropped() -> None:
    class Open(BaseModel):
        a: int

    assert model_schema(Open, "serialization")["additionalProperties"] is False
    assert "additionalProperties" not in model_schema(Open, "validation")


def test_recursive_models_are_compared() -> None:
    spec = load_spec(FIXTURES / "tree-3.1.yaml")

    class Node(BaseModel):
        name: str
        children: list[Node] = []

    assert check_model(spec, Node, "tree", "Tree")[0].answer is Answer.YES


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("nocolon=userDelete", "expected MODULE:MODEL=CHANNEL/MESSAGE"),
        ("no_such_module:X=userDelete", "cannot import 'no_such_module'"),
        ("codegen_fake:Missing=userDelete", "'codegen_fake' has no 'Missing'"),
        ("codegen_fake:NotAModel=userDelete", "is not a pydantic model class"),
        ("codegen_fake:DeleteUser=nowhere", "no channel 'nowhere'"),
        ("codegen_fake:DeleteUser=userDelete/Nope", "has no message 'Nope'"),
    ],
)
def test_bad_pairs_are_usage_errors(
    argument: str, problem: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("codegen_fake")
    fake.DeleteUser = DeleteUser  # type: ignore[attr-defined]
    fake.NotAModel = dict  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "codegen_fake", fake)
    assert cli.main(["check-models", str(SAMPLES / "user-signup-3.0.yaml"), argument]) == 2
    assert problem in capsys.readouterr().err


def test_pair_with_a_slash_in_the_channel_id() -> None:
    pair = parse_pair("pkg.mod:Model=user/signedup/UserSignedUp")
    assert (pair.module, pair.model, pair.channel) == (
        "pkg.mod",
        "Model",
        "user/signedup/UserSignedUp",
    )
