"""``email``, ``uri`` and old-draft ``uuid`` run as native patterns: same verdicts, same errors.

The patterns (``FormatRule.patterns``) must accept exactly what the Python rules accept, under
jsonschema-rs's regex engine; and a failure must read exactly like the format callback's.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.schemas import formats
from pytest_asyncapi.schemas.bundle import bundle
from pytest_asyncapi.schemas.compile import CompiledSchema, Verdict, compile_schema
from pytest_asyncapi.schemas.formats import FORMATS, callbacks_for
from pytest_asyncapi.spec.model import SchemaSpec
from tests.support.formats import CASES, DRAFT_FORMATS, mutated

PATTERNED = sorted(name for name, rule in FORMATS.items() if rule.patterns)
SETTINGS = settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _compiled(name: str, draft: str) -> CompiledSchema:
    schema = {"type": "string", "format": name}
    return compile_schema(SchemaSpec(schema, DRAFT_FORMATS[draft], "/p"))


def _patterned_drafts(name: str) -> list[str]:
    return [d for d in sorted(DRAFT_FORMATS) if formats.native_patterns(name, d)]


def test_formats_with_patterns() -> None:
    assert PATTERNED == ["email", "uri", "uuid"]
    assert _patterned_drafts("uuid") == ["draft-04", "draft-06", "draft-07"]
    assert _patterned_drafts("email") == sorted(DRAFT_FORMATS)


def test_no_callback_is_registered_for_a_rewritten_format() -> None:
    schema = {
        "properties": {
            "a": {"format": "email"},
            "b": {"format": "uri", "pattern": "^h"},
            "c": {"format": "uuid"},
            "d": {"format": "date-time"},
        }
    }
    assert bundle(schema, draft="draft-07", definitions="definitions").formats == {"date-time"}
    assert bundle(schema, draft="2020-12", definitions="$defs").formats == {"uuid", "date-time"}
    broken = {"format": "email", "pattern": "^a", "allOf": {}}  # left as is: needs its callback
    assert bundle(broken, draft="draft-07", definitions="definitions").formats == {"email"}
    assert "email" in callbacks_for("draft-07")


def _agree(name: str, strings: st.SearchStrategy[str]) -> None:
    check = FORMATS[name].check
    # the raw patterns, as jsonschema-rs runs them, and the compiled schema of each draft
    patterns = FORMATS[name].patterns
    raw = jsonschema_rs.Draft7Validator({"allOf": [{"pattern": p} for p in patterns]})
    compiled = [_compiled(name, draft) for draft in _patterned_drafts(name)]
    for text in [*CASES[name][0], *CASES[name][1]]:
        assert raw.is_valid(text) is check(text), text

    @SETTINGS
    @given(strings)
    def agree(text: str) -> None:
        expected = check(text)
        assert raw.is_valid(text) is expected, text
        for validator in compiled:
            assert validator.is_valid(text, trusted=True) is expected, text

    agree()


_ATEXT = "aZ09!#$%&'*+-/=?^_`{|}~"
_NOISE = _ATEXT + '.@ "()[]<>,;:\\\n\tüé٣\u200b'
_HEX = "0123456789abcdefABCDEF"


@st.composite
def _dot_atom(draw: st.DrawFn) -> str:
    """A local part of 1-66 characters, near the 64 limit half of the time; dots inside."""
    size = draw(st.integers(62, 66) | st.integers(1, 66))
    chars = list(draw(st.text(_ATEXT, min_size=size, max_size=size)))
    for index in draw(st.sets(st.integers(1, max(1, size - 2)), max_size=3)):
        if 0 < index < size - 1 and "." not in chars[index - 1 : index + 2]:
            chars[index] = "."
    return "".join(chars)


@st.composite
def _label(draw: st.DrawFn, size: int) -> str:
    """A host-name label of ``size`` characters (letters, digits, inner hyphens), or digits."""
    if draw(st.integers(0, 4)) == 0:
        return "7" * size
    inner = draw(st.text("aZ09-", min_size=max(0, size - 2), max_size=max(0, size - 2)))
    ends = draw(st.text("aZ09", min_size=2, max_size=2))
    return (ends[0] + inner + ends[1])[:size]


@st.composite
def _domain(draw: st.DrawFn) -> str:
    """1-5 labels of 1-65 characters, or a domain of 251-255 characters in all."""
    if draw(st.booleans()):
        sizes = draw(st.lists(st.integers(61, 65) | st.integers(1, 65), min_size=1, max_size=5))
    else:
        total = draw(st.integers(251, 255))
        sizes = [63, 63, 63, total - 3 * 64]
    return ".".join(draw(_label(size)) for size in sizes)


@st.composite
def _emails(draw: st.DrawFn) -> str:
    text = f"{draw(_dot_atom())}@{draw(_domain())}"
    if draw(st.integers(0, 3)) == 0:
        index = draw(st.integers(0, len(text)))
        text = text[:index] + draw(st.sampled_from(_NOISE)) + text[index + 1 :]
    return text


def test_email_patterns_agree_with_the_python_rule() -> None:
    _agree("email", mutated(CASES["email"][0]) | st.text(_NOISE, max_size=20))


def test_email_patterns_agree_near_every_limit() -> None:
    _agree("email", _emails())


@st.composite
def _rarely(draw: st.DrawFn, usual: st.SearchStrategy[str], odd: list[str]) -> str:
    """Mostly a value of ``usual``; one time in ten one of ``odd``."""
    return draw(st.sampled_from(odd) if draw(st.integers(0, 9)) == 0 else usual)


@st.composite
def _ipv6_texts(draw: st.DrawFn) -> str:
    """Up to 9 hextets around an optional ``::``, maybe ending in a dotted quad; mostly valid."""
    hextet = _rarely(st.text(_HEX, min_size=1, max_size=4), ["", "12345", "g", "0000f"])
    octet = _rarely(st.integers(0, 255).map(str), ["256", "01", "00", "", "1.2"])
    before = draw(st.integers(0, 9))
    after = draw(st.integers(0, 9 - before))
    groups = draw(st.lists(hextet, min_size=before + after, max_size=before + after))
    if draw(st.booleans()):
        groups.append(".".join(draw(st.lists(octet, min_size=3, max_size=5))))
    if draw(st.booleans()):
        return ":".join(groups[:before]) + "::" + ":".join(groups[before:])
    return ":".join(groups)


def test_uri_pattern_agrees_with_the_python_rule() -> None:
    _agree(
        "uri",
        st.from_regex(formats._URI, fullmatch=True)
        | st.ip_addresses(v=6).map(lambda address: f"ftp://[{address}]")
        | mutated(CASES["uri"][0])
        | st.text("az:/?#[]@%1fF. ü", max_size=20),
    )


def test_uri_ipv6_hosts_agree_with_the_python_rule() -> None:
    _agree("uri", _ipv6_texts().map(lambda host: f"http://[{host}]:80/a"))


def test_uuid_pattern_agrees_with_the_python_rule() -> None:
    _agree("uuid", mutated(CASES["uuid"][0]) | st.uuids().map(str) | st.text("0aF-g", max_size=40))


# -- errors read exactly as the callback's did ---------------------------------------------------

ODD = [
    "joe",
    "",
    'quote"d@example.com',
    "back\\slash@x.io",
    "tab\tand\nnewline",
    "control\x01\x7f",
    "jöe@exämple.com 🙂",
    "x" * 300 + "@1.2",  # breaks several of the email patterns at once
    "u\u2028v",
]


@pytest.mark.parametrize(
    ("name", "draft"),
    [(n, d) for n in PATTERNED for d in ("draft-07", "2020-12") if formats.native_patterns(n, d)],
)
def test_failures_read_like_the_format_callback(name: str, draft: str) -> None:
    rule = FORMATS[name]
    reference = jsonschema_rs.Draft7Validator(
        {"format": name}, formats={name: rule.check}, validate_formats=True
    )
    compiled = _compiled(name, draft)
    for text in [*CASES[name][1], *ODD]:
        if rule.check(text):
            continue
        expected = next(iter(reference.iter_errors(text))).message
        result = compiled.check(text)
        assert result.verdict is Verdict.INVALID
        assert [(v.keyword, v.pointer, v.schema_location) for v in result.violations] == [
            ("format", "", "#/p")
        ], text
        violation = result.violations[0]
        assert violation.schema_excerpt == f'{{"type":"string","format":"{name}"}}'
        if len(expected) <= 240:
            assert violation.message == expected
        else:
            assert violation.message.endswith(f'is not a "{name}"')
            assert len(violation.message) <= 240


def _user(fmt: dict[str, Any]) -> tuple[SchemaSpec, dict[str, Any]]:
    field = {"type": "string", **fmt}
    user = {"type": "object", "properties": {"contact": field}}
    payload = {"type": "object", "properties": {"user": user}}
    origins = {id(user): "#/components/schemas/User"}
    return SchemaSpec(payload, "", "/components/messages/M/payload", origins), field


@pytest.mark.parametrize(
    "fmt",
    [
        {"format": "email"},
        {"format": "email", "pattern": "^[a-z]"},
        {"format": "email", "pattern": "^[a-z]", "allOf": [{"minLength": 1}]},
        {"format": "uri", "allOf": [{"minLength": 1}, {"maxLength": 99}]},
    ],
    ids=["bare", "own-pattern", "own-pattern-and-allOf", "allOf"],
)
def test_nested_failure_points_at_the_format_node(fmt: dict[str, Any]) -> None:
    spec, field = _user(fmt)
    compiled = compile_schema(spec)
    name = fmt["format"]
    good = "joe@example.com" if name == "email" else "https://example.com/"
    assert compiled.is_valid({"user": {"contact": good}})
    result = compiled.check({"user": {"contact": "not valid"}})
    [violation] = [v for v in result.violations if v.keyword == "format"]
    assert violation.pointer == "/user/contact"
    assert violation.schema_location == "#/components/schemas/User/properties/contact"
    assert violation.message == f'"not valid" is not a "{name}"'
    assert violation.schema_excerpt == json.dumps(field, separators=(",", ":"))
    assert violation.value_excerpt == '"not valid"'


def test_own_pattern_and_format_fail_separately() -> None:
    spec, _ = _user({"format": "email", "pattern": "^[a-z]", "allOf": [{"maxLength": 40}]})
    compiled = compile_schema(spec)
    keywords = lambda value: [v.keyword for v in compiled.check(value).violations]  # noqa: E731
    assert keywords({"user": {"contact": "Joe@example.com"}}) == ["pattern"]
    assert keywords({"user": {"contact": "joe"}}) == ["format"]
    assert keywords({"user": {"contact": "Joe"}}) == ["format", "pattern"]
    assert keywords({"user": {"contact": "j" * 41}}) == ["format", "maxLength"]
