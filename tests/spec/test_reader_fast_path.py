"""The fast YAML path (ryaml) reads exactly what the bounded reader reads, or steps aside."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.reader import LazyLines, _parse_yaml, parse, preorder_containers
from pytest_asyncapi.spec.refs import acyclic, resolve_document
from tests.support.corpus import CORPUS

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = LoadOptions()
SAMPLES = sorted(ROOT.glob("sample_specs/**/*.yaml"))


def typed(value: Any) -> Any:
    """``value`` with every scalar's type made visible (``1 == 1.0 == True`` in Python)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def both(text: str) -> tuple[Any, Any, Any]:
    """(what ``parse`` gives, its lines, what the bounded reader gives)."""
    data, lines = parse(text.encode(), "doc.yaml", OPTIONS, mapping=False)
    bounded, _ = _parse_yaml(text, "doc.yaml", OPTIONS)
    return data, lines, bounded


def test_a_plain_document_takes_the_fast_path_and_others_the_bounded_reader() -> None:
    _, lines, _ = both("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n")
    assert isinstance(lines, LazyLines)
    assert lines.containers == 2
    for text in (
        "a: &x {k: 1}\nb: *x\n",  # anchors and aliases: their expansion is bounded
        "a: {k: 1}\nb:\n  <<: {k: 2}\n",  # merge keys
        "a: !!str 12\n",  # tags
        "a: 0b101\n",  # a binary int is a string in the core schema
        "a: 012\n",  # a leading-zero int is a number in the core schema
        "200: ok\n",  # a key that is not a string
    ):
        assert isinstance(both(text)[1], dict), text


PLAIN_SCALARS = """012 +12 -0 0x1F 0o17 0b101 1_000 1e3 1. -.5 +.5 .inf -.Inf .NaN 1.0e400 ~
null Null NULL true True TRUE false yes no on off y n 2001-12-14 1:30 12e 0. 3.14e+2"""
SCALARS = [
    *PLAIN_SCALARS.split(),
    "'012'",
    '"1.0e400"',
    "''",
    "'x: y'",
    '"a\\tb"',
    "007abc",
    "-0012",
    "1" + "0" * 40,
    "1" + "0" * 400 + ".5",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_every_scalar_form_reads_as_the_bounded_reader_reads_it(scalar: str) -> None:
    for text in (f"k: {scalar}\n", f"k: [{scalar}, x]\n", f"{scalar}: v\n", f"- {scalar}\n"):
        assert read(text, fast=True) == read(text, fast=False), text


def read(text: str, *, fast: bool) -> Any:
    """What ``parse`` (``fast``) or the bounded reader gives, types shown, or its error text."""
    try:
        if fast:
            return typed(parse(text.encode(), "doc.yaml", OPTIONS, mapping=False)[0])
        return typed(_parse_yaml(text, "doc.yaml", OPTIONS)[0])
    except SpecError as error:
        return str(error)


def documents() -> list[Path]:
    corpus = sorted(CORPUS.glob("**/*.y*ml")) if CORPUS.is_dir() else []
    return SAMPLES + corpus


def test_real_documents_read_the_same_with_the_same_lines() -> None:
    fast = 0
    for path in documents():
        text = path.read_text(encoding="utf-8")
        try:
            data, lines = parse(text.encode(), str(path), OPTIONS, mapping=False)
            bounded, bounded_lines = _parse_yaml(text, str(path), OPTIONS)
        except SpecError:
            continue  # a broken corpus file: its errors come from the bounded reader alone
        assert typed(data) == typed(bounded), path
        assert [lines[id(node)] for node in preorder_containers(data)] == [
            bounded_lines[id(node)] for node in preorder_containers(bounded)
        ], path
        fast += isinstance(lines, LazyLines)
    assert fast >= len(SAMPLES) // 2  # most real documents are plain YAML


DOC_WITH_REFS = (
    "asyncapi: 3.0.0\n"
    "info: {title: t, version: '1'}\n"
    "channels:\n"
    "  a:\n"
    "    messages:\n"
    "      m: {$ref: '#/components/messages/M'}\n"
    "      n: {$ref: '#/components/messages/%s'}\n"
    "components:\n"
    "  messages:\n"
    "    M:\n"
    "      payload:\n"
    "        type: object\n"
    "        description: %s\n"
)


def test_lines_after_refs_are_resolved_in_place_are_the_bounded_readers(tmp_path: Path) -> None:
    fast, bounded = tmp_path / "fast.yaml", tmp_path / "bounded.yaml"
    fast.write_text(DOC_WITH_REFS % ("M", "plain"))
    bounded.write_text(DOC_WITH_REFS % ("M", "&anchored plain"))  # an anchor: bounded reader
    pointers = [
        "",
        "/channels/a",
        "/channels/a/messages",
        "/channels/a/messages/m",
        "/channels/a/messages/n/payload",
        "/components/messages/M/payload",
    ]
    located = [resolve_document(fast, OPTIONS).locate(p)[1] for p in pointers]
    assert located == [resolve_document(bounded, OPTIONS).locate(p)[1] for p in pointers]
    assert located[3:] == [11, 12, 12]  # a resolved reference is located at its target


def test_errors_found_after_the_fast_path_name_the_right_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(DOC_WITH_REFS % ("Missing", "plain"))
    with pytest.raises(SpecError) as raised:
        resolve_document(path, OPTIONS)
    assert raised.value.line == 7
    assert "#/components/messages/Missing" in str(raised.value)


def test_too_deep_on_the_fast_path_is_the_bounded_readers_error() -> None:
    text = "a:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(8)) + "  " * 9 + "v: 1\n"
    options = LoadOptions(max_depth=5)
    with pytest.raises(SpecError) as raised:
        parse(text.encode(), "deep.yaml", options)
    assert "nests deeper than max_depth=5" in str(raised.value)
    assert raised.value.line == 6


def test_limits_hold_when_an_acyclic_document_is_not_copied() -> None:
    shared: dict[str, Any] = {"type": "string"}
    with pytest.raises(SpecError, match="nests deeper than max_depth=2"):
        acyclic({"a": {"b": {"c": {}}}}, {}, max_depth=2)
    with pytest.raises(SpecError, match="more than 3 objects"):
        acyclic({"a": [shared, shared, shared]}, {}, max_nodes=3)
