"""Silent passes closed: duplicate JSON keys, and header names that repeat (NATS and Kafka)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_asyncapi import Verdict, check_message, load_spec
from pytest_asyncapi.check.json_duplicates import duplicate_key_violations
from pytest_asyncapi.spec.model import Message

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "userId": "3f1c1a52-8a57-4d0b-9d53-4f8f3f8f6f11",
    "email": "ada@example.com",
    "displayName": "Ada",
    "signedUpAt": "2026-11-28T10:00:00Z",
}
HEADERS = (
    ("x-correlation-id", b"0b7f4c1e-2a4f-4c55-9f0e-6a2b4f9f1c3d"),
    ("x-schema-version", b"2"),
)


@pytest.fixture(scope="module")
def message() -> Message:
    spec = load_spec(ROOT / "sample_specs" / "user-signup-3.0.yaml")
    return spec.channel("userSignedUp").message("UserSignedUp")


def test_a_duplicate_key_is_invalid_even_when_the_last_value_is_valid(message: Message) -> None:
    body = json.dumps(GOOD)[:-1] + ', "displayName": 5, "displayName": "Ada"}'
    result = check_message(message, body.encode(), HEADERS)
    assert result.verdict is Verdict.INVALID
    [(part, violation)] = result.violations()
    assert (part, violation.pointer, violation.keyword) == ("payload", "", "duplicate-key")
    assert "'displayName' occurs 3 times" in violation.message


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"id":5,"id":"a"}', ""),
        ('{"a": [1, {"b": 1, "b": 2}]}', "/a/1"),
        ('{"t": "10:00:00", "x": {"k\\u003a": 1, "k:": 2}}', "/x"),  # escapes: the slow path
    ],
)
def test_duplicates_are_found_where_they_are(text: str, pointer: str) -> None:
    import orjson

    [violation] = duplicate_key_violations(text.encode(), orjson.loads(text))
    assert violation.pointer == pointer


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet=':"\\ab{}', max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(':"ab\\', max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(value=json_values, indent=st.sampled_from([None, 1, "orjson"]))
def test_unique_keys_are_never_reported(value: object, indent: int | str | None) -> None:
    """Written by ``json.dumps`` (spaced, pretty) or by orjson itself (compact: the text is
    its own re-serialisation, the screen's first test); each writes every key once."""
    import orjson

    text = orjson.dumps(value) if indent == "orjson" else json.dumps(value, indent=indent).encode()
    assert duplicate_key_violations(text, orjson.loads(text)) == ()


@given(
    value=st.dictionaries(st.text(":ab ", max_size=3), json_values, max_size=3),
    key=st.text(":ab ", max_size=3),
    style=st.sampled_from(["compact", "spaced", "space before colon", "pretty"]),
)
def test_a_written_twice_key_is_found_in_every_text_style(
    value: dict[str, object], key: str, style: str
) -> None:
    """Values with ``:`` in them (times, URLs) and every separator style: the duplicate of
    ``key`` (one more pair in the outer object) is always reported."""
    import orjson

    separators = {"compact": (",", ":"), "spaced": (", ", ": "), "space before colon": (",", " : ")}
    inner = {k: v for k, v in value.items() if k != key}
    if style == "pretty":
        body = json.dumps({key: 1, **inner}, indent=2)[:-2] + f",\n  {json.dumps(key)}: 2\n}}"
    else:
        item, colon = separators[style]
        pairs = [
            f"{json.dumps(k)}{colon}{json.dumps(v, separators=(item, colon))}"
            for k, v in [(key, 1), *inner.items(), (key, 2)]
        ]
        body = "{" + item.join(pairs) + "}"
    text = body.encode()
    found = duplicate_key_violations(text, orjson.loads(text))
    assert [(v.pointer, v.keyword) for v in found if v.pointer == ""] == [("", "duplicate-key")]


def test_a_repeated_header_is_a_violation_and_the_first_value_is_checked(message: Message) -> None:
    repeated = (*HEADERS, ("x-schema-version", b"3"))
    result = check_message(message, json.dumps(GOOD).encode(), repeated)
    assert result.verdict is Verdict.INVALID
    [(part, violation)] = result.violations()
    assert (part, violation.pointer, violation.keyword) == (
        "headers",
        "/x-schema-version",
        "repeated-header",
    )
    assert "'2', '3'" in violation.message
    bad_first = (HEADERS[0], ("x-schema-version", b"nine"), ("x-schema-version", b"2"))
    keywords = {
        v.keyword
        for _, v in check_message(message, json.dumps(GOOD).encode(), bad_first).violations()
    }
    assert "repeated-header" in keywords
    assert len(keywords) == 2  # and the first value's own violation


def test_unique_headers_as_pairs_or_a_mapping_give_the_same_verdict(message: Message) -> None:
    payload = json.dumps(GOOD).encode()
    assert check_message(message, payload, HEADERS).verdict is Verdict.VALID
    as_text = {k: v.decode() for k, v in HEADERS}
    assert check_message(message, payload, as_text).verdict is Verdict.VALID
