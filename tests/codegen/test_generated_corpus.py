"""Acceptance on the real-world corpus (every JSON-Schema document that loads): the generated
package imports and passes ruff and mypy --strict, every example the document itself accepts
parses into its model and dumps valid, and 200 instances per message (the ``payloads()``
strategy, through the model) dump valid. Slow: about a minute alone, several on a busy machine.

What could not be checked is listed with the reason, and the test fails if that changes."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from hypothesis.errors import Unsatisfiable

from pytest_asyncapi.codegen.plan import make_plan
from pytest_asyncapi.generation import payload_strategy
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import Spec
from pytest_asyncapi.spec.options import LoadOptions
from tests.support.codegen import (
    assert_valid,
    check_instances,
    generate_into,
    import_package,
    lint_and_type_check,
)
from tests.support.corpus import CORPUS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}"),
]


def _documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json")
        and path.name != "URL_MAP.json"
        and "asyncapi" in path.read_text(encoding="utf-8")[:400]
    )


DOCUMENTS = _documents()

UNCHECKABLE = {
    ("streetlights-all.json", "UserSignedUp"): "dangling $ref on purpose (a schema-test fixture)",
}
"""Messages whose payload schema our validator cannot compile, so nothing can be judged."""

UNSATISFIABLE = {
    ("hdi/asyncapi.yaml", "claimStatus-Message"): "eventType is `type: object` with a string "
    "enum: the schema admits no value at all",
    ("oneof.yml", "testMessages"): "oneOf of two open objects: payloads() draws objects that "
    "match both branches (only ill-typed properties tell them apart)",
    ("oneof-asyncapi.yml", "testMessages"): "same oneOf as the 2.6 oneof.yml",
}
"""Messages the shared ``payloads()`` strategy finds no valid value for (checked: still none)."""

INVALID_EXAMPLES = {
    ("kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml", "subscriptionStatus"),
}
"""The document's own examples that its schema rejects (document defects, not ours)."""


def _options() -> LoadOptions:
    url_map = json.loads((CORPUS / "URL_MAP.json").read_text(encoding="utf-8"))
    return LoadOptions(
        url_map={url: CORPUS / local for url, local in url_map.items() if "://" in url},
        allow_outside_root=True,
    )


def _key(path: Path, message: str) -> tuple[str, str]:
    for known, _ in (*UNCHECKABLE.items(), *UNSATISFIABLE.items()):
        if str(path).endswith(known[0]) and known[1] == message:
            return known
    return (path.name, message)


def _load(path: Path) -> Spec | None:
    try:
        return load_spec(path, _options())
    except Exception:  # documents that do not load are not in scope
        return None


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for index, path in enumerate(DOCUMENTS):
        spec = _load(path)
        if spec is not None:
            generate_into(spec, f"corpus{index:02d}", folder)
    return folder


def test_corpus_packages_pass_ruff_and_mypy_strict(out: Path) -> None:
    packages = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name.startswith("corpus"))
    assert len(packages) >= 40
    lint_and_type_check(out, packages)


@pytest.mark.parametrize(
    "index", range(len(DOCUMENTS)), ids=[str(p.relative_to(CORPUS)) for p in DOCUMENTS]
)
def test_corpus_examples_and_instances_are_valid(out: Path, index: int) -> None:
    path = DOCUMENTS[index]
    spec = _load(path)
    assert spec is not None, f"{path} no longer loads"
    package = f"corpus{index:02d}"
    models = import_package(out, package, "models")
    for module in ("channels", "nats", "kafka", "factories"):
        importlib.import_module(f"{package}.{module}")
    for item in make_plan(spec, package).messages:
        message = item.message
        if item.payload_class is None or message.payload is None:
            continue
        key = _key(path, message.display_name)
        validator = compile_schema(message.payload)
        if validator.reason is not None:
            assert key in UNCHECKABLE, f"{key}: {validator.reason}"
            continue
        model = getattr(models, item.payload_class)
        for example in message.examples:
            if not example.has_payload:
                continue
            if not validator.is_valid(example.payload):
                assert (path.name, message.display_name) in INVALID_EXAMPLES
                continue
            dumped = model.model_validate(example.payload).model_dump(mode="json")
            assert_valid(message.payload, dumped, f"{key} example")
        strategy = payload_strategy(message).map(model.model_validate)
        if key in UNSATISFIABLE:
            with pytest.raises(Unsatisfiable):
                check_instances(strategy, message.payload, str(key))
            continue
        drawn = check_instances(strategy, message.payload, str(key))
        schema = message.payload.schema
        finite = isinstance(schema, dict) and ("enum" in schema or "const" in schema)
        assert drawn == 200 or (finite and drawn >= 1), f"{key}: only {drawn} instances"
