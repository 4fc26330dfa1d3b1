"""The safe reader: YAML 1.2 scalars, bounds, line numbers and typed errors."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec import reader
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.reader import line_of, parse, read_file

FIXTURES = Path(__file__).parent / "fixtures" / "reader"
OPTIONS = LoadOptions()


@pytest.fixture(params=["libyaml", "python"], autouse=True)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the libyaml-backed loader and with the pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(reader, "_Loader", reader._PyLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    return str(request.param)


def read(name: str, options: LoadOptions = OPTIONS) -> reader.ReadDocument:
    return read_file(FIXTURES / name, options)


def error_of(name: str, options: LoadOptions = OPTIONS) -> SpecError:
    with pytest.raises(SpecError) as info:
        read(name, options)
    assert info.value.file == str(FIXTURES / name)
    return info.value


def parse_text(text: str | bytes, source: str = "doc.yaml", **limits: Any) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return parse(raw, source, LoadOptions(**limits))[0]


def parse_error(text: str | bytes, source: str = "doc.yaml", **limits: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_text(text, source, **limits)
    assert info.value.file == source
    return info.value


def test_yaml_1_2_scalars_on_off_stay_strings() -> None:
    schemas = read("scalars.yaml").data["components"]["schemas"]
    assert schemas["Lighting"]["enum"] == ["on", "off"]
    assert schemas["Answer"]["enum"] == ["yes", "no", "y", "n", True, False, True]
    values = schemas["Values"]
    assert values == {
        "date": "2024-01-01",
        "underscored": "100_000",
        "sexagesimal": "1:20",
        "octal": 15,
        "hex": 31,
        "leading-zero": 12,
        "exponent": 100000.0,
        "float": -2.5,
        "infinity": -math.inf,
        "nothing": None,
        "empty": None,
        "null-word": None,
    }
    assert schemas["Codes"] == {"200": "ok", "true": "yes"}


def test_explicit_tags_are_checked_and_non_json_tags_refused() -> None:
    assert parse_text("a: !!str 12\nb: !!int '7'\n") == {"a": "12", "b": 7}
    assert "not a tag:yaml.org,2002:bool" in parse_error("a: !!bool yes\n").problem
    for text in ("a: !!binary aGVsbG8=\n", "a: !!python/object:os.system x\n", "a: !custom x\n"):
        error = parse_error("x: 1\n" + text)
        assert "is not supported: a document holds JSON values only" in error.problem
        assert error.line == 2


def test_lines_of_every_container_and_line_of() -> None:
    doc = read("scalars.yaml")
    schemas = doc.data["components"]["schemas"]
    assert doc.lines[id(doc.data)] == 1
    assert doc.lines[id(schemas["Lighting"]["enum"])] == 9
    assert doc.lines[id(schemas["Answer"]["enum"])] == 12
    assert line_of(doc, "/components/schemas/Values") == 20
    assert line_of(doc, "/components/schemas/Values/date") == 20  # a scalar: its parent
    assert line_of(doc, "/components/schemas/Nope/deeper") == 7  # deepest existing node
    assert line_of(doc, "") == 1


def test_anchors_and_merge_keys() -> None:
    data = read("anchors.yaml").data
    assert data["x-copy"] is data["info"]
    assert data["components"]["schemas"]["Derived"] == {
        "type": "object",
        "required": ["id", "name"],
    }


def test_malformed_yaml_names_the_line() -> None:
    error = error_of("malformed.yaml")
    assert error.line == 8
    assert error.problem.startswith("malformed YAML:")


def test_empty_file() -> None:
    error = error_of("empty.yaml")
    assert error.problem == (
        "the file is empty; an AsyncAPI document is a mapping with an `asyncapi` field"
    )
    assert parse_error("# only a comment\n").problem.startswith("the file is empty")


def test_list_or_scalar_document() -> None:
    error = error_of("list.yaml")
    assert error.problem == "expected a mapping at the top level, got a list"
    assert error.line == 1
    assert parse_error("just words").problem.endswith("got a string")
    assert parse_error("42").problem.endswith("got a number")


def test_non_mapping_allowed_when_asked() -> None:
    data, _ = parse(b"- a\n- b\n", "items.yaml", OPTIONS, mapping=False)
    assert data == ["a", "b"]


def test_duplicate_keys() -> None:
    error = error_of("duplicate.yaml")
    assert error.line == 5
    assert error.problem == "duplicate key 'title' in a mapping (first at line 3)"
    assert "disagree" in (error.hint or "")
    assert parse_error("a:\n  1: x\n  '1': y\n").line == 3  # keys are compared as JSON strings


def test_explicit_key_may_override_a_merged_one() -> None:
    assert parse_text("b: &b {x: 1}\nc: {<<: *b, x: 2}\n")["c"] == {"x": 2}


def test_two_documents() -> None:
    error = error_of("two-documents.yaml")
    assert error.line == 5
    assert "more than one YAML document" in error.problem


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("asyncapi: 3.0.0\ninfo:\n  title: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(SpecError) as info:
        read_file(path, OPTIONS)
    assert info.value.line == 3
    assert "not UTF-8" in info.value.problem
    assert info.value.hint == "save the file as UTF-8"


def test_byte_order_mark_is_accepted() -> None:
    assert parse_text(b"\xef\xbb\xbfa: 1\n") == {"a": 1}


def test_control_character() -> None:
    error = parse_error('a: 1\nb: "x\x01"\n')
    assert error.line == 2
    assert error.problem == "malformed YAML: the character U+0001 is not allowed in YAML"


def test_too_big_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 100 + "\n")
    with pytest.raises(SpecError) as info:
        read_file(path, LoadOptions(max_bytes=50))
    assert "too big (104 bytes; the limit is max_bytes=50)" in info.value.problem


def test_too_deep_yaml_and_json() -> None:
    nested = "[" * 30 + "]" * 30
    assert parse_text("a: " + nested, max_depth=31) == {"a": json.loads(nested)}
    error = parse_error("a:\n  b: " + nested, max_depth=20)
    assert error.problem == "the document nests deeper than max_depth=20"
    assert error.line == 2
    error = parse_error('{"a":\n' + nested + "}", "doc.json", max_depth=20)
    assert error.line == 2
    deep = parse_error("a: " + "[" * 100_000, max_depth=200)  # no RecursionError
    assert "depth" in deep.problem
    assert deep.line == 1


def test_billion_laughs_fails_fast() -> None:
    started = time.perf_counter()
    error = error_of("billion-laughs.yaml")
    assert time.perf_counter() - started < 1.0
    assert "max_aliases=1000" in error.problem
    assert error.line == 5  # lol3 expands to 1110 aliases
    lenient = LoadOptions(max_aliases=2000)
    assert error_of("billion-laughs.yaml", lenient).line == 6


def test_legitimate_aliases_within_the_limit() -> None:
    text = "base: &b {type: object}\n" + "".join(f"s{i}: *b\n" for i in range(50))
    data = parse_text(text, max_aliases=50)
    assert data["s49"] is data["base"]
    assert "max_aliases=49" in parse_error(text, max_aliases=49).problem


def test_recursive_alias_is_refused() -> None:
    error = parse_error("a: &a\n  - *a\n")
    assert error.line == 2
    assert "cycle" in error.problem


def test_json_with_tabs_and_lines() -> None:
    doc = read("tabs.json")
    data = doc.data
    assert data["channels"]["a/b"]["subscribe"]["message"]["payload"]["enum"] == ["on", "off"]
    assert data["big"] == math.inf
    assert doc.lines[id(data)] == 1
    assert doc.lines[id(data["info"])] == 3
    assert doc.lines[id(data["channels"]["a/b"]["subscribe"]["message"])] == 10
    assert doc.lines[id(data["list"])] == 15
    assert doc.lines[id(data["list"][1]["x"])] == 15


def test_malformed_json() -> None:
    error = error_of("bad.json")
    assert error.line == 5
    assert error.problem.startswith("malformed JSON:")


def test_duplicate_json_key_names_the_line() -> None:
    error = error_of("duplicate.json")
    assert error.line == 6
    assert "duplicate key 'title'" in error.problem


def test_yaml_flow_document_is_not_mistaken_for_json() -> None:
    assert parse_text("{a: 1, b: [on]}") == {"a": 1, "b": ["on"]}


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        read_file(tmp_path / "nope.yaml", OPTIONS)
    assert "cannot read the file" in info.value.problem


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5))
def test_json_round_trip(value: dict[str, Any]) -> None:
    """JSON, compact or tab-indented, named .json or not, reads back as the same value."""
    assert parse_text(json.dumps(value), "doc.json") == value
    assert parse_text(json.dumps(value, indent="\t"), "doc.yaml") == value
