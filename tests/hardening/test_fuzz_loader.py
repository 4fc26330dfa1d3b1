"""Fuzzing the loader: whatever the file holds, only the project's typed errors come out.

Every case goes through the public entry point ``load_spec`` (reader, ``$ref`` resolver,
version adapters, official schema and semantic checks) and must give a ``Spec`` or a
``SpecError`` in bounded time: never RecursionError, KeyError, TypeError, ValueError...
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.errors import RefError
from pytest_asyncapi.spec.model import Spec
from pytest_asyncapi.spec.official_schema import fast_valid, official_findings
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.refs import acyclic
from tests.support.hostile_documents import load_or_error, nest, skeleton

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FUZZ = settings(
    max_examples=150,
    deadline=None,  # each call is bounded by load_or_error instead (stable on a busy CI)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_names = itertools.count()

TOKENS = [
    *("asyncapi: 3.0.0\n", "asyncapi: '2.6.0'\n", "channels:", "operations:", "$ref: "),
    *("{", "}", "[", "]", ":", ",", "- ", " ", "\n", "\t", "&a ", "*a", "*b", "<<: ", "? "),
    *("!!str ", "!!binary ", "!!python/object:os.system ", "!foo ", "|", ">", "'", '"', "#"),
    *("---\n", "...\n", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "'#/a'", "o.yaml#/a/1", ".."),
    *("\x00", "\ufeff", "\x85", "\u2028", "é", "1e999", ".nan", "-.inf", "0x1F", "0o17", "~"),
    *("9" * 50, '{"a": 1}', '"\\ud800"', "@", "`", "\r", "\r\n", "\\u0000"),
]
REFS = [
    *("#", "#/", "#/components", "#/components/schemas/A", "#/channels/x~1y", "#/a~2b", "#//"),
    *("#x", "o.yaml", "o.yaml#/a", "o.yaml#/a/1", "../above.yaml", "/etc/passwd", "%00", "#%zz"),
    *("http://127.0.0.1:9/x.yaml", "file:///etc/passwd", "ftp://x/y", "c:x", "#/info", ""),
    *("#/channels", "#/asyncapi", "missing.yaml", ".", "sub/", "\x00", "o.yaml#/a/" + "x" * 300),
]
KEYS = [
    *("asyncapi", "info", "channels", "operations", "components", "messages", "payload"),
    *("headers", "schemas", "servers", "channel", "action", "message", "subscribe", "publish"),
    *("oneOf", "traits", "parameters", "address", "$ref", "bindings", "kafka", "key", "examples"),
    *("schemaFormat", "schema", "contentType", "type", "properties", "items", "enum", "name"),
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.integers(10_000, 100_000).map(lambda size: "ab" * size)  # huge strings
)
refs = st.sampled_from(REFS) | st.text(max_size=12)
keys = st.sampled_from(KEYS) | st.text(max_size=6)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(children, max_size=4)
        | st.dictionaries(keys, children, max_size=5)
        | st.builds(lambda ref: {"$ref": ref}, refs)
    )


values = st.recursive(scalars, _containers, max_leaves=25)
versions = st.sampled_from(["2.0.0", "2.6.0", "3.0.0", "3.1.0", "9.9.9", 3, None, ["3.0.0"]])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spec folder with a sibling file to reference and a file above it."""
    root = tmp_path_factory.mktemp("fuzz")
    spec_dir = root / "specs"
    spec_dir.mkdir()
    (spec_dir / "sub").mkdir()
    (spec_dir / "o.yaml").write_text("a: &x [1, {b: *x}]\n")
    (root / "above.yaml").write_text("a: 1\n")
    return spec_dir


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"doc{next(_names)}.{suffix}"
    path.write_bytes(data)
    return path


def _dump(document: Any, as_json: bool) -> bytes:
    return (json.dumps(document) if as_json else yaml.safe_dump(document)).encode()


@FUZZ
@given(
    data=st.binary(max_size=300)
    | st.lists(st.sampled_from(TOKENS), max_size=60)
    .map("".join)
    .map(lambda text: text.encode("utf-8", "surrogatepass")),
    suffix=st.sampled_from(["yaml", "yml", "json", "avsc", "txt"]),
)
def test_random_bytes_and_token_soup(folder: Path, data: bytes, suffix: str) -> None:
    load_or_error(_write(folder, suffix, data))


@FUZZ
@given(version=versions, body=values, as_json=st.booleans(), strict=st.booleans())
def test_random_structures_with_random_refs(
    folder: Path, version: Any, body: Any, as_json: bool, strict: bool
) -> None:
    document = {**body, "asyncapi": version} if isinstance(body, dict) else body
    load_or_error(_write(folder, "json" if as_json else "yaml", _dump(document, as_json)), None)
    if isinstance(document, dict):
        load_or_error(_write(folder, "yaml", _dump(document, False)), strict=strict)


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(
        [
            [],
            {},
            [1, 2],
            ["a", {"b": 1}],
            {"$ref": "#"},
            {"$ref": "#/components"},
            {"$ref": "#/channels"},
            {"type": "nope"},
            {"$ref": "#/components/messages/M"},
            {"$ref": "#/components/schemas/S"},
        ]
    ),
).map(copy.deepcopy)


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def wrong_typed(draw: st.DrawFn) -> dict[str, Any]:
    """A valid 2.x or 3.x document with 1-4 fields replaced by values of a wrong type."""
    document = skeleton(draw(st.sampled_from([2, 3])))
    paths = list(_paths(document))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        parent: Any = document
        try:
            for token in path[:-1]:
                parent = parent[token]
            parent[path[-1]] = draw(WRONG)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    return document


@FUZZ
@given(document=wrong_typed(), as_json=st.booleans(), client_view=st.booleans())
def test_fields_of_the_wrong_type_give_a_model_or_a_typed_error(
    folder: Path, document: dict[str, Any], as_json: bool, client_view: bool
) -> None:
    path = _write(folder, "json" if as_json else "yaml", _dump(document, as_json))
    lenient = load_or_error(path, LoadOptions(client_view=client_view))
    strict = load_or_error(path, LoadOptions(client_view=client_view), strict=True)
    if isinstance(lenient, Spec):
        assert isinstance(strict, Spec) == (not lenient.findings)


@pytest.mark.parametrize("version", [2, 3])
def test_the_skeletons_are_valid(tmp_path: Path, version: int) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(_dump(skeleton(version), False))
    assert load_or_error(path, strict=True).findings == ()


@FUZZ
@given(document=wrong_typed())
def test_the_fast_official_check_is_never_more_lenient(document: dict[str, Any]) -> None:
    """Big documents are checked by jsonschema-rs first: it must not pass what the Python
    validator (which explains each problem) rejects."""
    plain = acyclic(document, {})
    version = str(document.get("asyncapi"))
    if version not in ("2.6.0", "3.0.0"):
        return
    if fast_valid(plain, version):
        assert official_findings(plain, version, lambda pointer: ("doc", None)) == []


@pytest.mark.parametrize("as_json", [True, False])
def test_deep_nesting_within_and_beyond_max_depth(tmp_path: Path, as_json: bool) -> None:
    base = skeleton(3)
    base["info"]["x-deep"] = nest(150, 1)
    path = tmp_path / "deep"
    path.write_bytes(_dump(base, as_json))
    assert isinstance(load_or_error(path), Spec)
    path.write_bytes(_deep_json(5000) if as_json else _deep_yaml(5000))
    error = load_or_error(path)
    assert "max_depth=200" in str(error)
    assert "LoadOptions.max_depth" in str(error)


def _deep_yaml(depth: int) -> bytes:
    """Flow-style YAML nested ``depth`` deep (PyYAML's dumper would recurse too deep)."""
    return ("asyncapi: 3.0.0\nx: " + "{a: " * depth + "1" + "}" * depth + "\n").encode()


def _deep_json(depth: int) -> bytes:
    return ('{"asyncapi": "3.0.0", "x": ' + "[" * depth + "]" * depth + "}").encode()


def test_refs_that_chain_deep_schemas_are_a_ref_error(tmp_path: Path) -> None:
    """No file nests deeper than max_depth, but with its refs resolved the document does."""
    document = skeleton(3)
    schemas = document["components"]["schemas"]
    for index in range(20):
        target = {"$ref": f"#/components/schemas/D{index + 1}"} if index < 19 else {}
        schemas[f"D{index}"] = nest(70, target, "items")
    document["components"]["messages"]["M"]["payload"] = {"$ref": "#/components/schemas/D0"}
    path = tmp_path / "chained.yaml"
    path.write_bytes(_dump(document, False))
    error = load_or_error(path)
    assert isinstance(error, RefError)
    assert "with its $refs resolved, the document nests deeper than max_depth=200" in str(error)
    assert error.file == "chained.yaml"
    assert isinstance(load_or_error(path, LoadOptions(max_depth=2000)), Spec)


@pytest.mark.parametrize("version", [2, 3])
def test_a_trait_that_merges_a_recursive_schema_into_itself(tmp_path: Path, version: int) -> None:
    """Merging two cyclic schemas used to recurse without end (RecursionError)."""
    document = skeleton(version)
    trait = {"payload": {"$ref": "#/components/schemas/S"}, "headers": {"type": "object"}}
    document["components"]["messageTraits"] = {"T": trait}
    message = document["components"]["messages"]["M"]
    message["traits"] = [{"$ref": "#/components/messageTraits/T"}]
    message["payload"] = {"$ref": "#/components/schemas/S"}
    document["components"]["schemas"]["S"]["properties"]["self"] = {
        "$ref": "#/components/schemas/S"
    }
    path = tmp_path / "traits.yaml"
    path.write_bytes(_dump(document, False))
    spec = load_or_error(path)
    assert isinstance(spec, Spec)
    payload = spec.channels[0].messages[0].payload
    assert payload is not None
    merged = payload.schema
    assert merged["properties"]["self"] is merged  # the merge of a cycle is a cycle
