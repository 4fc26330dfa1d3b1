"""The real-world Avro documents and the telemetry sample: messages are checked, not unchecked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.schemas.binary import BinarySchema
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from tests.support.binary import ROOT
from tests.support.corpus import CORPUS

DOCUMENTS = [
    "asyncapi-avro-schema-parser/test/documents/valid-asyncapi.yaml",
    "asyncapi-avro-schema-parser/test/documents/asyncapi-with-reused-enums.yaml",
    "microcks/commons/util/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-avro-ref-asyncapi.yaml",
    "microcks/webapp/src/test/resources/io/github/microcks/util/asyncapi/"
    "user-signedup-asyncapi-3.0-avro-ref.yaml",
]
VALUES = {
    "Person": {
        "name": "Ada",
        "age": {"int": 36},
        "favoriteProgrammingLanguage": "Go",
        "address": {"zipcode": 53003},
        "someid": "x",
    },
    "ParentRecord": {"r1": "A", "r2": "B", "r3": "C", "r4": None, "r5": "x"},
    "User": {"fullName": "Laurent Broudoux", "email": "laurent@microcks.io", "age": 41},
}


def _avro_messages(path: Path) -> list[tuple[object, BinarySchema]]:
    spec = load_spec(path)
    found = []
    for channel in spec.channels:
        for message in channel.messages:
            assert message.payload is not None
            compiled = compile_schema(message.payload)
            if "avro" in message.payload.schema_format:
                assert isinstance(compiled, BinarySchema), f"{path}: {message.display_name}"
                found.append((message, compiled))
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", DOCUMENTS)
def test_corpus_avro_messages_are_checked(name: str) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus at {CORPUS}")
    messages = _avro_messages(path)
    assert messages
    for message, compiled in messages:
        assert compiled.avro is not None
        value = VALUES[str(compiled.avro.parsed["name"]).rpartition(".")[2]]
        body, _ = compiled.encode(value)
        assert check_message(message, body, ()).verdict is Verdict.VALID  # type: ignore[arg-type]
        broken = check_message(message, body[:-1], ())  # type: ignore[arg-type]
        assert broken.verdict is Verdict.INVALID
        assert broken.violations()[0][1].keyword == "avro"


def test_telemetry_sample_reading_is_checked() -> None:
    ((message, compiled),) = _avro_messages(ROOT / "sample_specs" / "telemetry-avro.yaml")[:1]
    example = message.examples[0].payload  # type: ignore[attr-defined]
    assert compiled.check(example).verdict is Verdict.VALID
    body, _ = compiled.encode(example)
    framed = b"\x00" + (1).to_bytes(4, "big") + body  # the binding declares a Confluent frame
    assert check_message(message, framed, ()).verdict is Verdict.VALID  # type: ignore[arg-type]
    plain = check_message(message, body, ())  # type: ignore[arg-type]
    assert plain.verdict is Verdict.INVALID
    assert plain.violations()[0][1].keyword == "framing"
