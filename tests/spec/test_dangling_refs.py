"""Lenient loading survives a dangling ``$ref``: a document error, and what depends on it is
unchecked (never valid) while the rest of the document stays checkable."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.errors import RefError
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.spec.loader import DocumentInvalidError, load_spec
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.refs import resolve_document

DOC = """\
asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  good:
    address: good
    messages:
      ok: {$ref: '#/components/messages/Ok'}
  broken:
    address: broken
    messages:
      gone: {$ref: '#/components/messages/Gone'}
      partly: {$ref: '#/components/messages/Partly'}
components:
  messages:
    Ok:
      payload: {type: object, required: [id]}
    Gone:
      $ref: 'missing.yaml#/Gone'
    Partly:
      payload:
        type: object
        properties:
          user: {$ref: '#/components/schemas/NoSuchSchema'}
    Unused:
      payload: {$ref: 'also-missing.yaml'}
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(DOC)
    return path


def test_dangling_refs_are_document_errors_and_the_rest_stays_checkable(doc: Path) -> None:
    spec = load_spec(doc, LoadOptions(root=doc.parent))
    dangling = [f for f in spec.findings if f.rule == "dangling-ref"]
    assert [(f.pointer, f.line) for f in dangling] == [
        ("/components/messages/Gone", 18),
        ("/components/messages/Partly/payload/properties/user", 23),
        ("/components/messages/Unused/payload", 25),
    ]
    assert all(f.severity == "error" for f in dangling)
    assert "the file missing.yaml does not exist" in dangling[0].message
    assert "/components has no member 'schemas'" in dangling[1].message
    ok = spec.channel("good").message("ok")
    assert check_message(ok, b'{"id": 1}', {}).verdict is Verdict.VALID
    assert check_message(ok, b"{}", {}).verdict is Verdict.INVALID
    for label in ("gone", "partly"):
        result = check_message(spec.channel("broken").message(label), b'{"user": 1}', {})
        assert result.verdict is Verdict.UNCHECKED, label
        assert "unresolved reference" in result.unchecked_reasons()[0]


def test_strict_loading_and_plain_resolution_still_refuse(doc: Path) -> None:
    with pytest.raises(DocumentInvalidError, match="dangling-ref"):
        load_spec(doc, LoadOptions(root=doc.parent), strict=True)
    with pytest.raises(RefError, match=r"missing\.yaml does not exist"):
        resolve_document(doc, LoadOptions(root=doc.parent))
