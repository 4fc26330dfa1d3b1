"""Pydantic models checked against the messages of a document.

A model's JSON Schema (pydantic's own) is compared with the message's schema by the
three-valued inclusion check of :mod:`pytest_asyncapi.compat`:

- **produces**: every value the model can dump must be valid for the message. The model's
  serialization schema is used, closed (``additionalProperties: false``) where the model does not
  keep extra fields, since it never dumps them. A counterexample found in the schema is confirmed
  through the model: validated, dumped, and rejected by the document's validator.
- **accepts** (messages the application receives): every value the document allows must be
  accepted by the model; a counterexample is a valid message the model refuses.

Works on any pydantic v2 model, FastStream's message models included.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.compare import Comparison, compare
from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from pydantic import BaseModel
    from pydantic.json_schema import JsonSchemaMode

    from pytest_asyncapi.spec.model import Spec

MODEL_FORMAT = "application/schema+json;version=2020-12"


@dataclass(frozen=True)
class Pair:
    """``module:Model=channel/message`` as given."""

    module: str
    model: str
    channel: str
    message: str | None

    @property
    def label(self) -> str:
        target = self.channel + (f"/{self.message}" if self.message else "")
        return f"{self.module}:{self.model}={target}"


def parse_pair(text: str) -> Pair:
    """Read ``module:Model=channel/message`` (``/message`` may be left out for a channel
    carrying one message; a channel id containing ``/`` is split at the last one)."""
    target, sep, rest = text.partition("=")
    module, colon, model = target.partition(":")
    if not sep or not colon or not module or not model or not rest:
        raise ValueError(f"expected MODULE:MODEL=CHANNEL/MESSAGE, got {text!r}")
    return Pair(module, model, rest, None)


@dataclass(frozen=True)
class Finding:
    """One direction of one pair: the comparison, and a confirmed counterexample if any."""

    pair: str
    direction: str
    """``produces`` or ``accepts``."""
    comparison: Comparison
    counterexample: Any = None
    has_counterexample: bool = False
    why: str = ""

    @property
    def answer(self) -> Answer:
        return self.comparison.answer

    def render(self) -> str:
        if self.answer is Answer.YES:
            return f"ok    {self.pair}: {self.direction}"
        verb = "DRIFT" if self.answer is Answer.NO else "?    "
        lines = [f"{verb} {self.pair}: {self.direction}: {self.comparison.reason}"]
        if self.has_counterexample:
            lines.append(f"      counterexample: {_json(self.counterexample)}")
        if self.why:
            lines.append(f"      {self.why}")
        elif self.comparison.note:
            lines.append(f"      {self.comparison.note}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        data = {"pair": self.pair, "direction": self.direction, **self.comparison.as_dict()}
        if self.has_counterexample:
            data["counterexample"] = self.counterexample
        if self.why:
            data["why"] = self.why
        return data


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def drifted(self) -> list[Finding]:
        return [f for f in self.findings if f.answer is Answer.NO]

    @property
    def undecided(self) -> list[Finding]:
        return [f for f in self.findings if f.answer is Answer.UNKNOWN]

    def render(self) -> str:
        body = "".join(f.render() + "\n" for f in self.findings)
        summary = (
            f"{len(self.findings)} check(s): {len(self.drifted)} drifted, "
            f"{len(self.undecided)} undecided\n"
        )
        return body + summary

    def as_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "drifted": len(self.drifted),
            "undecided": len(self.undecided),
        }


def check_pairs(
    spec: Spec, pairs: Iterable[Pair], *, part: str = "payload", paths: Sequence[Path] = ()
) -> Report:
    """Import each model and check it against its message (raise ``ValueError`` on bad input)."""
    for path in paths:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    report = Report()
    for pair in pairs:
        model = import_model(pair)
        channel, message = _target(spec, pair)
        report.findings.extend(
            check_model(spec, model, channel, message, part=part, label=pair.label)
        )
    return report


def import_model(pair: Pair) -> type[BaseModel]:
    from pydantic import BaseModel

    try:
        module = importlib.import_module(pair.module)
    except ImportError as error:
        raise ValueError(f"{pair.label}: cannot import {pair.module!r}: {error}") from None
    found: Any = module
    for attribute in pair.model.split("."):
        found = getattr(found, attribute, None)
        if found is None:
            raise ValueError(f"{pair.label}: {pair.module!r} has no {pair.model!r}")
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise ValueError(f"{pair.label}: {pair.model!r} is not a pydantic model class")
    return found


def _target(spec: Spec, pair: Pair) -> tuple[str, str | None]:
    ids = {c.id for c in spec.channels} | {c.address for c in spec.channels if c.address}
    if pair.channel in ids:
        return pair.channel, None
    channel, _, message = pair.channel.rpartition("/")
    if channel in ids:
        return channel, message
    known = ", ".join(sorted(c.id for c in spec.channels)) or "none"
    raise ValueError(
        f"{pair.label}: no channel {pair.channel!r} in the document (channels: {known})"
    )


def check_model(
    spec: Spec,
    model: type[BaseModel],
    channel: str,
    message: str | None = None,
    *,
    part: str = "payload",
    label: str | None = None,
) -> list[Finding]:
    """Both directions for ``model`` against ``channel``'s message (``accepts`` only when the
    application receives it)."""
    from pytest_asyncapi.generation import GenerationError, find_message

    try:
        found = find_message(spec, channel, message)
    except (KeyError, GenerationError) as error:
        raise ValueError(str(error).strip('"')) from None
    schema = found.payload if part == "payload" else found.headers
    label = label or f"{model.__module__}:{model.__qualname__}={channel}/{found.display_name}"
    if schema is None:
        raise ValueError(f"{label}: message {found.display_name!r} declares no {part} schema")
    findings = [_produces(model, schema, label)]
    chan = spec.channel(channel)
    if any(m is found for m in spec.received_messages(chan)):
        findings.append(_accepts(model, schema, label))
    return findings


def assert_model_matches(
    spec: Spec | str | Path,
    model: type[BaseModel],
    channel: str,
    message: str | None = None,
    *,
    part: str = "payload",
) -> None:
    """For tests: raise ``AssertionError`` (with the counterexample) when ``model`` drifted
    from the message, or when the check cannot decide (that is never a pass)."""
    from pytest_asyncapi.spec.loader import load_spec
    from pytest_asyncapi.spec.model import Spec

    loaded = spec if isinstance(spec, Spec) else load_spec(spec)
    findings = check_model(loaded, model, channel, message, part=part)
    bad = [f for f in findings if f.answer is not Answer.YES]
    if bad:
        raise AssertionError("\n".join(f.render() for f in bad))


def _produces(model: type[BaseModel], schema: SchemaSpec, label: str) -> Finding:
    produced = SchemaSpec(model_schema(model, "serialization"), MODEL_FORMAT, "")
    result = compare(produced, schema, names=("the model", "the document"))
    if result.answer is Answer.YES or not result.has_counterexample:
        return Finding(label, "produces", result)
    from pydantic import ValidationError

    try:
        dumped = model.model_validate(result.counterexample).model_dump(mode="json")
    except ValidationError:
        why = "the model's schema admits a rejected value that the model itself refuses"
        return Finding(label, "produces", _unknown(result), why=why)
    if compile_schema(schema).check(dumped).verdict is Verdict.INVALID:
        return Finding(label, "produces", result, dumped, True)
    why = "the model's schema admits a rejected value, but the model dumps it differently"
    return Finding(label, "produces", _unknown(result), why=why)


def _accepts(model: type[BaseModel], schema: SchemaSpec, label: str) -> Finding:
    accepted = SchemaSpec(model_schema(model, "validation"), MODEL_FORMAT, "")
    result = compare(schema, accepted, names=("the document", "the model"))
    if result.answer is Answer.YES or not result.has_counterexample:
        return Finding(label, "accepts", result)
    from pydantic import ValidationError

    try:
        model.model_validate(result.counterexample)
    except ValidationError as error:
        first = error.errors()[0]
        why = f"the model refuses it: {first.get('msg')} at {first.get('loc')}"
        return Finding(label, "accepts", result, result.counterexample, True, why)
    why = "the model's schema rejects a valid value, but the model accepts it"
    return Finding(label, "accepts", _unknown(result), why=why)


def _unknown(result: Comparison) -> Comparison:
    from dataclasses import replace

    return replace(result, answer=Answer.UNKNOWN, has_counterexample=False)


def model_schema(model: type[BaseModel], mode: JsonSchemaMode) -> Any:
    """``model``'s JSON Schema in ``mode`` with local ``$ref``s resolved in place (cycles for
    recursive models), objects closed where the model drops extra fields when dumping."""
    from pydantic.json_schema import GenerateJsonSchema

    class _Closed(GenerateJsonSchema):
        def model_schema(self, schema: Any) -> Any:
            found = super().model_schema(schema)
            extra = schema["cls"].model_config.get("extra")
            if (
                self.mode == "serialization"
                and extra != "allow"
                and found.get("type") == "object"
                and "additionalProperties" not in found
            ):
                found["additionalProperties"] = False
            return found

    document = model.model_json_schema(by_alias=True, mode=mode, schema_generator=_Closed)
    return _resolve(document, document.get("$defs", {}))


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    done: dict[str, Any] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
            name = ref[8:]
            if name not in done:
                done[name] = {}
                done[name].update(walk(defs[name]))
            if len(value) == 1:
                return done[name]
            siblings = {k: walk(v) for k, v in value.items() if k != "$ref"}
            return {**siblings, "allOf": [*siblings.get("allOf", []), done[name]]}
        return {k: walk(v) for k, v in value.items() if k != "$defs"}

    return walk(node)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)
