"""Check a resolved document against the official AsyncAPI JSON Schema of its version.

The schemas are vendored from the npm package ``@asyncapi/specs`` (see
``pytest_asyncapi/schemas/official/README.md``) and never fetched. Like the reference JS
parser, the document is validated *after* ``$ref`` resolution: "``$ref`` is required here"
errors (the Reference branch of ``oneOf [Reference, X]``) are dropped, 3.x fields that may
only hold a Reference accept the resolved object, and a failed ``oneOf``/``anyOf`` is
reported through the errors of its most relevant alternative.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

import jsonschema_rs
import orjson

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import UnsupportedVersionError
from pytest_asyncapi.spec.model import Finding

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

Locate = Callable[[str], tuple[str, int | None]]
"""JSON pointer in the document -> (file, 1-based line or ``None``)."""

SUPPORTED_VERSIONS: tuple[str, ...] = (
    "2.0.0",
    "2.1.0",
    "2.2.0",
    "2.3.0",
    "2.4.0",
    "2.5.0",
    "2.6.0",
    "3.0.0",
    "3.1.0",
)
"""Versions whose official schema is vendored. A patch release maps to its ``X.Y.0``."""

RULE = "official-schema"
_EXCERPT = 60
FAST_CHECK_BYTES = 256 * 1024
"""A document bigger than this (as compact JSON) is first checked by jsonschema-rs: the
pure-Python validator takes ~12 s per MB, jsonschema-rs ~10 ms per MB after a one-time
compile of up to ~4 s (3.x). Only an invalid document then goes through the Python validator,
which explains each problem."""


CACHE_FORMAT = 1
"""Part of every cache key: bump it when what :func:`official_findings` reports changes."""


class CheckCache(Protocol):
    """Where check results are kept between runs (pytest's ``config.cache`` fits)."""

    def get(self, key: str, default: Any) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


def schema_version(version: str) -> str:
    """The vendored schema for ``version``: ``2.6.1`` -> ``2.6.0``; raise if unsupported.

    Patch releases of the specification fix wording, not document structure, so they are
    checked against the ``X.Y.0`` schema.
    """
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", str(version).strip())
    candidate = f"{match[1]}.{match[2]}.0" if match else None
    if candidate not in SUPPORTED_VERSIONS:
        raise UnsupportedVersionError(
            f"no official schema for AsyncAPI version {version!r}",
            pointer="/asyncapi",
            hint="supported versions: " + ", ".join(SUPPORTED_VERSIONS),
        )
    return str(candidate)


@functools.cache
def _load(version: str) -> dict[str, Any]:
    data = resources.files("pytest_asyncapi.schemas") / "official" / f"{version}.json"
    loaded: dict[str, Any] = orjson.loads(data.read_bytes())
    return loaded


def official_schema(version: str) -> dict[str, Any]:
    """The official document schema for ``version`` (cached; treat it as read-only)."""
    return _load(schema_version(version))


def _resolved_variant(version: str) -> dict[str, Any]:
    """The schema with the 3.x Reference-only fields opened to resolved objects.

    Mirrors the JS parser: ``channel.servers[]``, ``operation.channel``,
    ``operation.messages[]`` and the same fields of ``operationReply``.
    """
    schema = copy.deepcopy(_load(version))
    if version.startswith("3."):
        defs = schema["definitions"]
        base = f"http://asyncapi.com/definitions/{version}/"
        patches = (
            ("channel.json", ("servers", "items"), "server.json"),
            ("operation.json", ("channel",), "channel.json"),
            ("operation.json", ("messages", "items"), "messageObject.json"),
            ("operationReply.json", ("channel",), "channel.json"),
            ("operationReply.json", ("messages", "items"), "messageObject.json"),
        )
        for owner, path, target in patches:
            node = defs[base + owner]["properties"]
            for token in path:
                node = node[token]
            node["$ref"] = base + target
    return schema


@functools.cache
def _validator(version: str) -> Draft7Validator:
    return _compile(_resolved_variant(version))


def _compile(schema: dict[str, Any]) -> Draft7Validator:
    """A validator whose ``$ref``s resolve only within the bundled ``definitions``."""
    # imported here: a run whose documents come from the cache never needs them
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resources_ = [
        (uri, Resource.from_contents(contents, default_specification=DRAFT7))
        for uri, contents in schema["definitions"].items()
    ]
    resources_.append((schema["$id"], DRAFT7.create_resource(schema)))
    # An explicit registry (its default retrieval raises): jsonschema's own would fetch URLs.
    registry: Registry[Any] = Registry().with_resources(resources_)
    return Draft7Validator(schema, registry=registry.crawl())


@functools.cache
def _fast_validator(version: str) -> Any:
    return jsonschema_rs.Draft7Validator(
        _resolved_variant(version), validate_formats=False, offline=True
    )


def fast_valid(document: Any, version: str) -> bool:
    """Does jsonschema-rs find ``document`` valid? ``False`` also when it cannot tell."""
    try:
        return bool(_fast_validator(schema_version(version)).is_valid(document))
    except ValueError:  # too deep, or not a JSON value
        return False


def _is_big(document: Any) -> bool:
    try:
        return len(orjson.dumps(document)) > FAST_CHECK_BYTES
    except TypeError:  # an integer beyond 64 bits: leave it to the Python validator
        return False


def official_findings(
    document: Any, version: str, locate: Locate, cache: CheckCache | None = None
) -> list[Finding]:
    """Findings of the official schema of ``version`` on a resolved, acyclic ``document``.

    With ``cache``, the problems found (pointer and text; files and lines are located anew)
    are kept under a hash of the document's content, so an unchanged document is checked
    once (pytest's cache directory; nothing is kept with ``-p no:cacheprovider``).
    """
    key = _cache_key(document, version) if cache is not None else None
    cached = cache.get(key, None) if cache is not None and key is not None else None
    if isinstance(cached, list) and _is_described(cached):
        described = [(pointer, text) for pointer, text in cached]
    else:
        try:
            described = sorted(_problems(document, version))
        except RecursionError:  # jsonschema recurses ~4 frames per level of the document
            file, line = locate("")
            problem = (
                "the document nests too deeply for the official-schema check (Python's "
                "recursion limit was reached); it is not checked against the official schema"
            )
            return [Finding(RULE, problem, file=file, pointer="", line=line)]
        if cache is not None and key is not None:
            cache.set(key, [list(d) for d in described])
    # A resolved document repeats a shared object at every place that used it: keep one
    # finding per source location (the shallowest pointer, usually the definition).
    found: dict[tuple[str, int | str, str], Finding] = {}
    for pointer, text in sorted(described, key=lambda d: (d[0].count("/"), d)):
        file, line = locate(pointer)
        key_ = (file, pointer if line is None else line, text)
        found.setdefault(key_, Finding(RULE, text, file=file, pointer=pointer, line=line))
    return sorted(found.values(), key=lambda f: (f.file, f.line or 0, f.pointer))


def _problems(document: Any, version: str) -> set[tuple[str, str]]:
    """``(pointer, text)`` of every problem; jsonschema-rs first, so a valid document never
    needs the (slow, explaining) Python validator."""
    if _is_big(document) and fast_valid(document, version):
        return set()
    validator = _validator(schema_version(version))
    return {
        item
        for error in validator.iter_errors(document)
        for leaf in _leaves(error)
        for item in _describe(leaf)
    }


def _cache_key(document: Any, version: str) -> str | None:
    """``asyncapi/official-schema/<sha256>`` of the document's content, or ``None`` when it
    has no JSON form (an integer beyond 64 bits)."""
    try:
        content = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    digest = hashlib.sha256(f"{CACHE_FORMAT}/{version}/".encode() + content).hexdigest()
    return f"asyncapi/official-schema/{digest}"


def _is_described(value: Any) -> bool:
    """A cached value of the form written: a list of ``[pointer, text]`` pairs."""
    return isinstance(value, list) and all(
        isinstance(d, list) and len(d) == 2 and all(isinstance(x, str) for x in d) for d in value
    )


def _is_ref_required(error: ValidationError) -> bool:
    return error.validator == "required" and _missing(error) == "$ref"


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors worth reporting for ``error``: itself, or those of its best alternative."""
    if _is_ref_required(error):
        return
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    live = [errs for errs in branches.values() if not all(map(_is_ref_required, errs))]
    if not live:
        return  # every alternative only wanted a $ref: fine once resolved
    for sub in min(live, key=_branch_rank):
        yield from _leaves(sub)


def _branch_rank(errors: list[ValidationError]) -> tuple[bool, int, int]:
    """Lower is more relevant: right type, deepest error, fewest errors."""
    wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
    depth = max(len(e.relative_path) for e in errors)
    return (wrong_type, -depth, len(errors))


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """``(pointer, message)`` pairs for one error."""
    pointer = jsonpointer.join(error.absolute_path)
    keyword = str(error.validator)
    value = error.validator_value
    instance = error.instance
    if keyword == "additionalProperties" and value is False and isinstance(instance, dict):
        for name in _extra_properties(error.schema, instance):
            yield (
                jsonpointer.child(pointer, name),
                f"property {name!r} is not allowed here (keyword: additionalProperties)",
            )
        return
    if keyword == "required":
        text = f"missing required property {_missing(error)!r}"
    elif keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        text = f"expected {expected}, got {_json_type(instance)} {_excerpt(instance)}"
    elif keyword == "enum":
        text = f"{_excerpt(instance)} is not one of {_excerpt(value, 160)}"
    elif keyword == "const":
        text = f"expected {_excerpt(value)}, got {_excerpt(instance)}"
    elif keyword in ("oneOf", "anyOf") and not error.context:
        text = f"{_excerpt(instance)} matches more than one of the alternatives allowed here"
    else:
        text = error.message
        raw = repr(instance)
        if text.startswith(raw):
            text = _excerpt(instance) + text[len(raw) :]
    yield pointer, f"{text} (keyword: {keyword})"


def _missing(error: ValidationError) -> str | None:
    """The property a ``required`` error is about."""
    if not isinstance(error.instance, dict) or not isinstance(error.validator_value, list):
        return None
    for name in error.validator_value:
        if name not in error.instance and error.message.startswith(repr(name)):
            return str(name)
    return None


def _extra_properties(schema: Any, instance: dict[str, Any]) -> list[str]:
    known = schema.get("properties", {}) if isinstance(schema, dict) else {}
    patterns = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
    return [
        str(name)
        for name in instance
        if name not in known and not any(re.search(p, str(name)) for p in patterns)
    ]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if isinstance(value, float) else "integer"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _excerpt(value: Any, limit: int = _EXCERPT) -> str:
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
