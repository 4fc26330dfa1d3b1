"""Read one YAML or JSON file safely: bounded, YAML 1.2 scalars, line numbers for every node.

PyYAML reads YAML 1.1, where ``on``/``off``/``yes``/``no`` are booleans, ``2024-01-01`` is a
date and ``100_000`` an integer. AsyncAPI documents are YAML 1.2 (or JSON), so the loader here
resolves plain scalars by the YAML 1.2 core schema: only ``true``/``false`` are booleans, and
every value is a JSON value. Aliases are counted by how far they expand (a "billion laughs"
document fails fast), nesting depth and file size are bounded, duplicate keys are errors.

A plain YAML document (no tags, anchors, aliases or merge keys) is read by ``ryaml`` (libyaml's
scanner in Rust, 7x faster than composing in Python) when every value it gives is one the
YAML 1.2 core schema gives too; its lines are found only when something asks for one, by the
bounded reader. Anything else goes to the bounded reader, which also explains every error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import ryaml
import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, Event, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SpecError

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator
    from pathlib import Path

    from yaml._yaml import Mark as CMark
    from yaml.error import Mark

    from pytest_asyncapi.spec.options import LoadOptions

_MERGE = "tag:yaml.org,2002:merge"
_JSON_SUFFIXES = (".json", ".avsc")
_TOP_LEVEL_HINT = "an AsyncAPI document is a mapping with an `asyncapi` field"


@dataclass(frozen=True)
class ReadDocument:
    """A parsed file: ``lines`` maps ``id(node)`` of every dict/list to its 1-based line."""

    data: Any
    lines: Mapping[int, int] = field(repr=False)
    path: Path


def read_file(path: Path, options: LoadOptions, *, mapping: bool = True) -> ReadDocument:
    """Read ``path`` (YAML or JSON); raise :class:`SpecError` on any problem.

    With ``mapping`` (an AsyncAPI document) the top level must be a mapping; a file that is
    only the target of a ``$ref`` may hold any non-empty JSON value.
    """
    try:
        size = path.stat().st_size
        if size <= options.max_bytes:
            with path.open("rb") as stream:
                raw = stream.read(options.max_bytes + 1)
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    if size > options.max_bytes:
        raise _too_big(str(path), size, options)
    data, lines = parse(raw, str(path), options, mapping=mapping)
    return ReadDocument(data, lines, path)


def parse(
    raw: bytes, source: str, options: LoadOptions, *, mapping: bool = True
) -> tuple[Any, Mapping[int, int]]:
    """Parse the bytes of one document; ``source`` names it in errors (a path or a URL)."""
    if len(raw) > options.max_bytes:
        raise _too_big(source, len(raw), options)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
            file=source,
            line=line,
            hint="save the file as UTF-8",
        ) from None
    json_only = source.lower().endswith(_JSON_SUFFIXES)
    parsed: tuple[Any, Mapping[int, int]] | None = None
    if json_only or text.lstrip().startswith(("{", "[")):
        parsed = _parse_json(text, source, options, json_only=json_only)
    if parsed is None:
        parsed = _parse_plain_yaml(text, source, options) or _parse_yaml(text, source, options)
    data, lines = parsed
    if data is None:
        raise SpecError(f"the file is empty; {_TOP_LEVEL_HINT}", file=source)
    if mapping and not isinstance(data, dict):
        raise SpecError(
            f"expected a mapping at the top level, got {_kind(data)}",
            file=source,
            line=lines.get(id(data), 1),
            hint=_TOP_LEVEL_HINT,
        )
    return data, lines


def line_of(doc: ReadDocument, pointer: str) -> int | None:
    """The line of the deepest existing dict/list node along ``pointer``."""
    node = doc.data
    line = doc.lines.get(id(node))
    for token in jsonpointer.split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            break
        line = doc.lines.get(id(node), line)
    return line


def _too_big(source: str, size: int, options: LoadOptions) -> SpecError:
    return SpecError(
        f"the file is too big ({size} bytes; the limit is max_bytes={options.max_bytes})",
        file=source,
        hint="if the document is legitimate, raise the limit: --max-bytes N (CLI), "
        "--asyncapi-max-bytes N (pytest), LoadOptions.max_bytes (Python)",
    )


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


# --- JSON --------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]\n]')


class _DuplicateJSONKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise _DuplicateJSONKey
    return mapping


def _parse_json(
    text: str, source: str, options: LoadOptions, *, json_only: bool
) -> tuple[Any, dict[int, int]] | None:
    """JSON at C speed; lines come from a scan of the opening brackets in document order."""
    opened: list[int] = []
    line, depth = 1, 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "{[":
            opened.append(line)
            depth += 1
            if depth > options.max_depth:
                raise _too_deep(source, line, options)
        elif token in "}]":
            depth -= 1
        else:
            line += token.count("\n")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        if not json_only:
            return None  # not JSON: a YAML flow document, let the YAML reader judge it
        raise SpecError(f"malformed JSON: {exc.msg}", file=source, line=exc.lineno) from None
    except _DuplicateJSONKey:
        # Valid JSON has tabs only as whitespace, so the YAML reader can pinpoint the key.
        _parse_yaml(text.replace("\t", " "), source, options)
        raise SpecError("a JSON object has a duplicate key", file=source) from None
    lines: dict[int, int] = {}
    containers = preorder_containers(data)
    for node, node_line in zip(containers, opened, strict=False):
        lines[id(node)] = node_line
    return data, lines


def preorder_containers(data: Any) -> Iterator[Any]:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            yield node
            stack.extend(reversed(node))


def _too_deep(source: str, line: int, options: LoadOptions) -> SpecError:
    return SpecError(
        f"the document nests deeper than max_depth={options.max_depth}",
        file=source,
        line=line,
        hint="if the document is legitimate, raise the limit: --max-depth N (CLI), "
        "--asyncapi-max-depth N (pytest), LoadOptions.max_depth (Python)",
    )


# --- YAML --------------------------------------------------------------------------------

_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_CORE_SCHEMA = (
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""]),
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [*"tTfF"]),
    (
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        [*"-+0123456789"],
    ),
    ("tag:yaml.org,2002:float", _FLOAT, [*"-+.0123456789"]),
    (_MERGE, re.compile(r"^(?:<<)$"), ["<"]),
)


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema for plain scalars (plus ``<<`` merge keys)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}


for _tag, _regexp, _first in _CORE_SCHEMA:
    _CoreResolver.add_implicit_resolver(_tag, _regexp, _first)


class _BoundedComposer(Composer):
    """Counts alias expansions (an alias costs 1 + the expansions inside its target) and depth."""

    source: str
    options: LoadOptions
    peek_event: Callable[[], Event]  # from the parser

    def __init__(self) -> None:
        super().__init__()
        self._weights: dict[int, int] = {}
        self._pending = [0]
        self._expansions = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        if not isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            return super().compose_node(parent, index)
        if len(self._pending) > self.options.max_depth:
            raise _too_deep(self.source, _line(event.start_mark), self.options)
        self._pending.append(0)
        node = super().compose_node(parent, index)
        weight = self._pending.pop()
        self._pending[-1] += weight
        if event.anchor is not None:
            self._weights[id(node)] = weight
        return node

    def _count_alias(self, event: AliasEvent) -> None:
        target = self.anchors.get(event.anchor)  # an unknown alias is PyYAML's error
        if target is None:
            return
        line = _line(event.start_mark)
        weight = 0 if isinstance(target, ScalarNode) else self._weights.get(id(target))
        if weight is None:
            raise SpecError(
                f"alias *{event.anchor} refers to a node that contains it (a cycle)",
                file=self.source,
                line=line,
                hint="a JSON document cannot be cyclic; use a `$ref` for recursive schemas",
            )
        self._pending[-1] += 1 + weight
        self._expansions += 1 + weight
        if self._expansions > self.options.max_aliases:
            raise SpecError(
                "YAML aliases expand too much (more than "
                f"max_aliases={self.options.max_aliases} alias expansions; an alias bomb?)",
                file=self.source,
                line=line,
                hint="if the document is legitimate, raise the limit: --max-aliases N (CLI), "
                "--asyncapi-max-aliases N (pytest), LoadOptions.max_aliases (Python)",
            )


class _JSONConstructor(SafeConstructor):
    """Builds JSON values only; records the line of every dict/list; rejects duplicate keys."""

    source: str

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}

    def construct_yaml_null(self, node: ScalarNode) -> None:
        self._scalar(node, _CORE_SCHEMA[0][1])

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        value = self._scalar(node, _CORE_SCHEMA[1][1])
        return value.lower() == "true"

    def construct_yaml_int(self, node: ScalarNode) -> int:
        value = self._scalar(node, _CORE_SCHEMA[2][1])
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value = self._scalar(node, _FLOAT).lower()
        if value.endswith(".inf"):
            return -math.inf if value.startswith("-") else math.inf
        return math.nan if value == ".nan" else float(value)

    def construct_unsupported(self, node: Node) -> None:
        raise SpecError(
            f"the tag {node.tag} is not supported: a document holds JSON values only",
            file=self.source,
            line=_line(node.start_mark),
            hint="remove the tag, or quote the value to keep it as a string",
        )

    def _scalar(self, node: ScalarNode, pattern: re.Pattern[str]) -> str:
        value = self.construct_scalar(node)
        if not pattern.match(value):
            raise ConstructorError(None, None, f"{value!r} is not a {node.tag}", node.start_mark)
        return value

    def construct_yaml_seq(self, node: SequenceNode) -> Generator[list[Any]]:
        data: list[Any] = []
        self.lines[id(data)] = _line(node.start_mark)
        yield data
        data.extend(self.construct_sequence(node))

    def construct_yaml_map(self, node: MappingNode) -> Generator[dict[Any, Any]]:
        data: dict[Any, Any] = {}
        self.lines[id(data)] = _line(node.start_mark)
        yield data
        data.update(self.construct_mapping(node))

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key, line = self._key(key_node), _line(key_node.start_mark)
            if key in seen:
                raise SpecError(
                    f"duplicate key {key!r} in a mapping (first at line {seen[key]})",
                    file=self.source,
                    line=line,
                    hint="remove one: YAML/JSON parsers disagree on which one wins",
                )
            seen[key] = line
        self.flatten_mapping(node)
        return {
            self._key(key_node): self.construct_object(value_node, deep=deep)
            for key_node, value_node in node.value
        }

    def _key(self, node: Node) -> str:
        """Keys become strings, as in JSON (``200:`` is ``"200"``)."""
        if not isinstance(node, ScalarNode):
            raise SpecError(
                "a mapping key must be a plain value, not a mapping or a list",
                file=self.source,
                line=_line(node.start_mark),
            )
        key = self.construct_object(node)
        return key if isinstance(key, str) else json.dumps(key)

    yaml_constructors: ClassVar[dict[str | None, Any]] = {
        "tag:yaml.org,2002:null": construct_yaml_null,
        "tag:yaml.org,2002:bool": construct_yaml_bool,
        "tag:yaml.org,2002:int": construct_yaml_int,
        "tag:yaml.org,2002:float": construct_yaml_float,
        "tag:yaml.org,2002:str": SafeConstructor.construct_yaml_str,
        "tag:yaml.org,2002:seq": construct_yaml_seq,
        "tag:yaml.org,2002:map": construct_yaml_map,
        None: construct_unsupported,
    }


def _line(mark: Mark | CMark | None) -> int:
    return mark.line + 1 if mark is not None else 1


class _PyLoader(Reader, Scanner, Parser, _BoundedComposer, _JSONConstructor, _CoreResolver):
    """Pure-Python scanner and parser (used when PyYAML is built without libyaml)."""

    def __init__(self, text: str, source: str, options: LoadOptions) -> None:
        self.source, self.options = source, options
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _BoundedComposer.__init__(self)
        _JSONConstructor.__init__(self)
        _CoreResolver.__init__(self)


_Loader: type[Any] = _PyLoader
if yaml.__with_libyaml__:  # libyaml scans and parses ~7x faster; composing stays here.
    from yaml._yaml import CParser

    class _CLoader(_BoundedComposer, CParser, _JSONConstructor, _CoreResolver):
        """libyaml events, composed and constructed by the bounded Python classes above."""

        def __init__(self, text: str, source: str, options: LoadOptions) -> None:
            self.source, self.options = source, options
            CParser.__init__(self, text)
            _BoundedComposer.__init__(self)
            _JSONConstructor.__init__(self)
            _CoreResolver.__init__(self)

    _Loader = _CLoader


# Where ryaml's reading differs from the YAML 1.2 core schema's: tags, anchors, aliases and
# merge keys; binary ints (ryaml: a number); leading-zero ints and floats too big for a double
# (ryaml: a string); numbers beyond 64 bits; non-string keys (JSON has none). The text is
# screened for the first four (a character test first: the regular expression only runs
# where one is present) and for long runs of digits. Each pattern opens with a literal or a
# narrow class, the context looked behind (5-10x faster than a leading ``(?:^|[...])``).
_NOT_PLAIN = re.compile(r"[!&*](?<![^\s\[{,][!&*])|<<|0(?<!\w0)b[01]")
_NOT_PLAIN_CHARS = ("!", "&", "*", "<<", "0b")
# 19 digits in a row (beyond 64 bits, ryaml reads some as floats): every digit made "0" first,
# so a substring search finds them (a regular expression tries at each digit: 10x slower).
_LONG_NUMBER = b"0" * 19
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"0" * 9)
# Something like a leading-zero number (a 0 and a digit, after no digit or dot) or a float too
# big for a double: two searches, not one alternation (which scans at every character).
_MAYBE_LEADING_ZERO = re.compile(r"0(?<![0-9.]0)[0-9]")
_MAYBE_HUGE_FLOAT = re.compile(r"[0-9][eE][-+]?[0-9]{3}")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


def _parse_plain_yaml(
    text: str, source: str, options: LoadOptions
) -> tuple[Any, Mapping[int, int]] | None:
    """The fast path (see the module docstring); ``None`` sends the text to the bounded reader."""
    if any(c in text for c in _NOT_PLAIN_CHARS) and _NOT_PLAIN.search(text):
        return None
    if _LONG_NUMBER in text.encode().translate(_DIGITS_TO_ZERO):
        return None
    try:
        data = ryaml.loads(text)
    except ValueError:  # ryaml's errors; the bounded reader says what is wrong, and where
        return None
    numbers = bool(_MAYBE_LEADING_ZERO.search(text) or _MAYBE_HUGE_FLOAT.search(text))
    containers = _core_values_only(data, options.max_depth, numbers)
    if containers is None:
        return None
    return data, LazyLines(text, source, options, data, containers)


def _core_values_only(data: Any, max_depth: int, numbers: bool) -> int | None:
    """How many dicts/lists ``data`` holds, if every key is a string, no string is one the core
    schema would read (unquoted) as a number (looked for only with ``numbers``: the text holds
    something like one), and nothing nests deeper than ``max_depth``; else ``None`` (the
    bounded reader then reads it, and raises any error with its line)."""
    stack = [(data, 1)]
    containers = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if any(not isinstance(key, str) or (numbers and _numeric(key)) for key in node):
                return None
            values: Iterable[Any] = node.values()
        elif isinstance(node, list):
            values = node
        else:
            continue
        if depth > max_depth:
            return None
        containers += 1
        for value in values:
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif numbers and isinstance(value, str) and _numeric(value):
                return None
    return containers


def _numeric(text: str) -> bool:
    """Could the core schema have read this string (unquoted) as a number ryaml did not?"""
    if _LEADING_ZERO.match(text):
        return True
    return bool(_FLOAT.match(text)) and math.isinf(float(text)) and "inf" not in text.lower()


class LazyLines(Mapping[int, int]):
    """The lines of a document read by the fast path, found on first use by the bounded reader.

    The bounded reader's tree is walked beside the fast one (which ``$ref`` resolution may
    have changed in place since: a subtree that no longer matches is skipped).
    """

    def __init__(
        self, text: str, source: str, options: LoadOptions, data: Any, containers: int
    ) -> None:
        self.containers = containers
        """How many dicts/lists the document holds (known without finding their lines)."""
        self._pending: tuple[str, str, LoadOptions, Any] | None = (text, source, options, data)
        self._lines: dict[int, int] = {}

    def _table(self) -> dict[int, int]:
        if self._pending is not None:
            text, source, options, data = self._pending
            self._pending = None
            bounded, lines = _parse_yaml(text, source, options)
            stack: list[tuple[Any, Any]] = [(bounded, data)]
            while stack:
                mine, theirs = stack.pop()
                if isinstance(mine, dict):
                    if not isinstance(theirs, dict) or mine.get("$ref") != theirs.get("$ref"):
                        continue  # a reference resolved in place: its target has its own line
                    children = [(v, theirs.get(k)) for k, v in mine.items()]
                elif isinstance(mine, list) and isinstance(theirs, list):
                    children = list(zip(mine, theirs, strict=False))
                else:
                    continue
                self._lines[id(theirs)] = lines.get(id(mine), 1)
                stack.extend(pair for pair in children if isinstance(pair[0], (dict, list)))
        return self._lines

    def __getitem__(self, key: int) -> int:
        return self._table()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


def _parse_yaml(text: str, source: str, options: LoadOptions) -> tuple[Any, dict[int, int]]:
    loader = None
    try:
        loader = _Loader(text, source, options)
        data = loader.get_single_data()
    except yaml.composer.ComposerError as exc:
        if exc.problem == "but found another document" and exc.problem_mark is not None:
            raise SpecError(
                "the file holds more than one YAML document "
                f"(another one starts at line {exc.problem_mark.line + 1})",
                file=source,
                line=exc.problem_mark.line + 1,
                hint="an AsyncAPI document is one mapping; remove the `---` separator",
            ) from None
        raise _yaml_error(exc, source) from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, source) from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in UTF-8 bytes, the Python reader in characters.
        before = text.encode()[: exc.position] if _Loader is not _PyLoader else text[: exc.position]
        raise SpecError(
            f"malformed YAML: the character U+{exc.character:04X} is not allowed in YAML",
            file=source,
            line=len(before.splitlines()) or 1,
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[int, int] = loader.lines
    return data, lines


def _yaml_error(exc: yaml.MarkedYAMLError, source: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    problem = ", ".join(part for part in (exc.context, exc.problem) if part)
    return SpecError(
        f"malformed YAML: {problem}",
        file=source,
        line=mark.line + 1 if mark is not None else None,
    )
