"""``$ref`` resolution: in place, identity-preserving, bounded, offline and root-confined."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_asyncapi.errors import RefError, SpecError
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.refs import Resolved, acyclic, is_reference, resolve_document
from tests.support.corpus import CORPUS

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).parent / "fixtures" / "refs"
OPTIONS = LoadOptions()
USER_URL = "https://schemas.example.com/v1/user.yaml"


def resolve(name: str, options: LoadOptions = OPTIONS) -> Resolved:
    return resolve_document(FIXTURES / name, options)


def ref_error(name: str, options: LoadOptions = OPTIONS) -> RefError:
    with pytest.raises(RefError) as info:
        resolve(name, options)
    return info.value


def test_local_refs_escaping_and_percent_decoding() -> None:
    resolved = resolve("local.yaml")
    root = resolved.root
    schemas = root["components"]["schemas"]
    user = schemas["User"]
    assert user["properties"]["tilde"] is schemas["a~b"]
    assert user["properties"]["braces"] is schemas["{weird}"]
    assert user["properties"]["sibling"] is schemas["Name"]  # the sibling description is dropped
    assert root["channels"]["same-as-signedup"] is root["channels"]["user/signedup"]
    message = root["components"]["messages"]["UserSignedUp"]
    assert message["payload"] is user
    assert resolved.origins[id(user)] == "#/components/schemas/User"
    assert resolved.origins[id(schemas["{weird}"])] == "#/components/schemas/%7Bweird%7D"
    assert "$ref" not in json.dumps(acyclic(root, resolved.origins))


def test_refs_to_refs_resolve_to_the_final_target() -> None:
    root = resolve("local.yaml").root
    messages = root["components"]["messages"]
    final = messages["UserSignedUp"]
    assert messages["Chained"] is final
    assert messages["Forward"] is final
    assert root["channels"]["user/deleted"]["subscribe"]["message"] is final


def test_identity_of_3x_channels_and_messages() -> None:
    root = resolve("identity-v3.yaml").root
    channel = root["channels"]["userSignedup"]
    send = root["operations"]["sendUserSignedUp"]
    assert send["channel"] is channel
    assert root["operations"]["receiveUserSignedUp"]["channel"] is channel
    assert send["messages"][0] is channel["messages"]["UserSignedUp"]
    assert send["messages"][0] is root["components"]["messages"]["UserSignedUp"]


def test_recursive_schemas_become_cyclic_and_acyclic_copies_name_them() -> None:
    resolved = resolve("recursive.yaml")
    schemas = resolved.root["components"]["schemas"]
    tree = schemas["Tree"]
    assert tree["properties"]["children"]["items"] is tree
    assert schemas["A"]["properties"]["b"]["properties"]["a"] is schemas["A"]
    copy = acyclic(tree, resolved.origins)
    assert copy["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Tree"}
    copy_a = acyclic(schemas["A"], resolved.origins)
    assert copy_a["properties"]["b"]["properties"]["a"] == {"$ref": "#/components/schemas/A"}
    assert copy_a["properties"]["b"]["type"] == "object"
    json.dumps(acyclic(resolved.root, resolved.origins))  # finite and plain JSON


def test_acyclic_keeps_a_tree_without_cycles_and_copies_one_with_them() -> None:
    shared: dict[str, Any] = {"type": "string"}
    tree = {"a": shared, "b": [shared, shared]}
    assert acyclic(tree, {}) is tree  # shared subtrees stay shared: nothing to copy
    cyclic: dict[str, Any] = {"shared": shared}
    cyclic["self"] = cyclic
    copy = acyclic(cyclic, {})
    assert copy == {"shared": {"type": "string"}, "self": {"$ref": "#"}}
    assert copy["shared"] is not shared


def test_a_reference_bomb_resolves_by_identity_and_acyclic_is_bounded(tmp_path: Path) -> None:
    levels = "".join(
        f"    L{i}: [" + ", ".join([f"{{$ref: '#/components/schemas/L{i - 1}'}}"] * 10) + "]\n"
        for i in range(1, 10)
    )
    (tmp_path / "bomb.yaml").write_text(
        f"asyncapi: 3.0.0\ncomponents:\n  schemas:\n    L0: {{type: string}}\n{levels}"
    )
    resolved = resolve_document(tmp_path / "bomb.yaml", OPTIONS)
    schemas = resolved.root["components"]["schemas"]
    assert schemas["L9"][0] is schemas["L8"]
    with pytest.raises(RefError, match="more than 1000 objects and arrays"):
        acyclic(schemas["L9"], resolved.origins, max_nodes=1000)
    assert len(acyclic(schemas["L2"], resolved.origins)) == 10


def test_a_pure_cycle_of_refs_is_an_error() -> None:
    error = ref_error("cycle.yaml")
    assert "circular $ref" in error.problem
    assert "`#/components/messages/Ping`" in error.problem
    assert "`#/components/messages/Pong`" in error.problem
    assert error.file == "cycle.yaml"


def test_a_ref_to_itself_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "self.yaml").write_text("asyncapi: 3.0.0\nx:\n  $ref: '#/x'\n")
    with pytest.raises(RefError, match="circular"):
        resolve_document(tmp_path / "self.yaml", OPTIONS)


def test_missing_target_names_ref_file_line_and_missing_part() -> None:
    error = ref_error("missing.yaml")
    assert error.problem == ("`#/components/schemas/Usr`: /components/schemas has no member 'Usr'")
    assert (error.file, error.line) == ("missing.yaml", 9)  # the line of the `$ref`


def test_missing_file() -> None:
    error = ref_error("missing-file.yaml")
    assert error.problem == "`no-such-file.yaml#/User`: the file no-such-file.yaml does not exist"
    assert error.line == 8


def test_bad_fragments_and_items(tmp_path: Path) -> None:
    cases = {
        "'#components'": "the fragment 'components' is not a JSON pointer",
        "'#/list/5'": "/list has no item '5'",
        "'#/list/0/x'": "/list/0 is not an object or array",
    }
    for ref, problem in cases.items():
        (tmp_path / "doc.yaml").write_text(f"asyncapi: 3.0.0\nlist: [1]\nx:\n  $ref: {ref}\n")
        with pytest.raises(RefError) as info:
            resolve_document(tmp_path / "doc.yaml", OPTIONS)
        assert problem in info.value.problem
        assert info.value.line == 4


def test_cross_file_chain_resolves_relative_to_the_holding_file() -> None:
    resolved = resolve("multi/root.yaml")
    schemas = resolved.root["components"]["schemas"]
    b = schemas["First"]
    assert schemas["Again"] is b  # the same file through another spelling: read once
    assert b["properties"]["local"]["description"] == "lives in sub/b.yaml"
    c = b["properties"]["c"]
    assert c["properties"]["shared"] is schemas["Shared"]  # back into the root file
    assert schemas["Whole"]["description"] == "a whole file as the target"
    names = sorted(path.name for path in resolved.files)
    assert names == ["b.yaml", "c.yaml", "root.yaml", "whole.yaml"]
    assert resolved.files[0] == FIXTURES / "multi" / "root.yaml"
    assert resolved.origins[id(b)] == "sub/b.yaml#/B"
    assert resolved.origins[id(c)] == "c.yaml#/C"
    assert resolved.origins[id(b["properties"]["local"])] == "sub/b.yaml#/Local"
    assert resolved.origins[id(schemas["Whole"])] == "whole.yaml"


def test_one_ref_text_names_its_own_files_target_and_fails_wherever_written(
    tmp_path: Path,
) -> None:
    # each $ref text is followed once per file: the same text in another file is another target
    (tmp_path / "sub").mkdir()
    (tmp_path / "root.yaml").write_text(
        "asyncapi: 3.0.0\n"
        "here: {$ref: '#/Local'}\n"
        "again: {$ref: '#/Local'}\n"
        "there: {$ref: 'sub/other.yaml#/Wrapper'}\n"
        "gone: {$ref: '#/Missing'}\n"
        "gone_too: {$ref: '#/Missing'}\n"
        "Local: {description: in root.yaml}\n"
    )
    (tmp_path / "sub" / "other.yaml").write_text(
        "Wrapper: {$ref: '#/Local'}\nLocal: {description: in sub/other.yaml}\n"
    )
    options = LoadOptions(root=tmp_path)
    resolved = resolve_document(tmp_path / "root.yaml", options, lenient=True)
    root = resolved.root
    assert root["here"] is root["again"] is root["Local"]
    assert root["there"]["description"] == "in sub/other.yaml"
    assert resolved.origins[id(root["Local"])] == "#/Local"
    assert resolved.origins[id(root["there"])] == "sub/other.yaml#/Wrapper"
    assert sorted((p, e.line) for p, e in resolved.dangling) == [("/gone", 5), ("/gone_too", 6)]


def test_locations_and_locate() -> None:
    resolved = resolve("multi/root.yaml")
    schemas = resolved.root["components"]["schemas"]
    assert resolved.locations[id(resolved.root)] == ("root.yaml", 1)
    assert resolved.locations[id(schemas["First"])] == ("sub/b.yaml", 2)
    assert resolved.locate("/components/schemas/First/properties/c") == ("c.yaml", 2)
    assert resolved.locate("#/components/schemas/First/properties/c/type") == ("c.yaml", 2)
    assert resolved.locate("/components/schemas/Nope") == ("root.yaml", 7)
    assert resolved.locate("") == ("root.yaml", 1)


def test_locations_relative_to_an_explicit_root_folder() -> None:
    options = LoadOptions(root=FIXTURES)
    resolved = resolve_document(FIXTURES / "multi" / "root.yaml", options)
    assert resolved.locate("/components/schemas/First") == ("multi/sub/b.yaml", 2)
    assert resolved.origins[id(resolved.root["components"]["schemas"]["First"])] == (
        "multi/sub/b.yaml#/B"
    )


def test_errors_in_referenced_files_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "doc.yaml").write_text("asyncapi: 3.0.0\nx:\n  $ref: 'bad.yaml#/A'\n")
    (tmp_path / "bad.yaml").write_text("A:\n  b: [1,\n")
    with pytest.raises(SpecError) as info:
        resolve_document(tmp_path / "doc.yaml", OPTIONS)
    assert info.value.file == str(tmp_path / "bad.yaml")
    assert info.value.problem.startswith("malformed YAML")


def test_leaving_the_root_folder_is_refused_unless_allowed() -> None:
    error = ref_error("escape/root/parent.yaml", LoadOptions(root=FIXTURES / "escape" / "root"))
    assert error.problem.startswith("`../outside.yaml#/X`: ")
    assert "is outside the root folder" in error.problem
    assert "allow_outside_root=True" in (error.hint or "")
    allowed = resolve(
        "escape/root/parent.yaml",
        LoadOptions(root=FIXTURES / "escape" / "root", allow_outside_root=True),
    )
    assert allowed.root["components"]["schemas"]["X"] == {"type": "string"}
    assert allowed.locate("/components/schemas/X") == ("../outside.yaml", 2)
    wider = resolve("escape/root/parent.yaml", LoadOptions(root=FIXTURES / "escape"))
    assert wider.root["components"]["schemas"]["X"] == {"type": "string"}


def _project(tmp_path: Path) -> Path:
    """project/spec/doc.yaml referencing project/common/x.yaml (the monorepo layout)."""
    (tmp_path / "project" / "spec").mkdir(parents=True)
    (tmp_path / "project" / "common").mkdir()
    (tmp_path / "project" / "common" / "x.yaml").write_text("X: {type: string}\n")
    doc = tmp_path / "project" / "spec" / "doc.yaml"
    doc.write_text("asyncapi: 3.0.0\nx:\n  $ref: '../common/x.yaml#/X'\n")
    return doc


def test_refs_may_go_anywhere_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _project(tmp_path)
    monkeypatch.chdir(tmp_path / "project")
    assert resolve_document(doc, OPTIONS).root["x"] == {"type": "string"}
    assert resolve_document(doc, OPTIONS).locate("/x") == ("../common/x.yaml", 1)
    monkeypatch.chdir(doc.parent)
    with pytest.raises(RefError, match="outside the root folder") as info:
        resolve_document(doc, OPTIONS)
    assert "allow_outside_root=True" in (info.value.hint or "")


def test_refs_may_go_anywhere_under_the_vcs_checkout_or_a_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(RefError, match="outside the root folder"):
        resolve_document(doc, OPTIONS)
    rooted = LoadOptions(project_roots=(tmp_path / "project",))
    assert resolve_document(doc, rooted).root["x"] == {"type": "string"}
    (tmp_path / "project" / ".git").mkdir()
    assert resolve_document(doc, OPTIONS).root["x"] == {"type": "string"}


def test_absolute_path_to_etc_passwd_is_refused() -> None:
    error = ref_error("escape/root/passwd.yaml")
    assert error.problem.startswith("`/etc/passwd`: /etc/passwd is outside the root folder")
    assert error.line == 8


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.yaml").write_text("A: {type: string}\n")
    (root / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    (root / "doc.yaml").write_text("asyncapi: 3.0.0\nx:\n  $ref: 'link.yaml#/A'\n")
    with pytest.raises(RefError, match="outside the root folder"):
        resolve_document(root / "doc.yaml", OPTIONS)
    allowed = resolve_document(root / "doc.yaml", LoadOptions(allow_outside_root=True))
    assert allowed.root["x"] == {"type": "string"}


def test_url_refs_are_refused_by_default_naming_both_ways_out() -> None:
    error = ref_error("url/doc.yaml")
    assert error.problem == f"`{USER_URL}#/User`: URL references are not followed by default"
    assert (error.file, error.line) == ("doc.yaml", 8)
    hint = error.hint or ""
    assert "allow_url_refs=True" in hint
    assert "--allow-url-refs" in hint
    assert "--asyncapi-allow-url-refs" in hint
    assert "url_map" in hint
    assert "--ref-map URL_PREFIX=DIR" in hint
    assert "--asyncapi-ref-map" in hint


@pytest.mark.parametrize("ref", ["file:///etc/passwd", "ftp://example.com/x.yaml#/A"])
def test_other_schemes_are_refused(tmp_path: Path, ref: str) -> None:
    (tmp_path / "doc.yaml").write_text(f"asyncapi: 3.0.0\nx:\n  $ref: '{ref}'\n")
    with pytest.raises(RefError, match="scheme is not supported"):
        resolve_document(tmp_path / "doc.yaml", LoadOptions(allow_url_refs=True))


MIRROR = FIXTURES / "url" / "mirror"


@pytest.mark.parametrize(
    ("prefix", "folder"),
    [("https://schemas.example.com/v1/", MIRROR / "v1"), ("https://schemas.example.com", MIRROR)],
)
def test_url_map_resolves_offline_with_relative_refs(prefix: str, folder: Path) -> None:
    resolved = resolve("url/doc.yaml", LoadOptions(url_map={prefix: folder}))
    user = resolved.root["components"]["schemas"]["User"]
    assert user["properties"]["id"] == {"type": "string", "format": "uuid"}
    assert resolved.origins[id(user)] == f"{USER_URL}#/User"
    assert resolved.origins[id(user["properties"]["id"])] == (
        "https://schemas.example.com/v1/common.yaml#/Id"
    )
    assert resolved.files[1:] == (MIRROR / "v1" / "user.yaml", MIRROR / "v1" / "common.yaml")


def test_url_map_entry_for_one_file_and_missing_mapped_file(tmp_path: Path) -> None:
    exact = {USER_URL: MIRROR / "v1" / "user.yaml", "https://schemas.example.com/": MIRROR}
    resolved = resolve("url/doc.yaml", LoadOptions(url_map=exact))
    assert resolved.root["components"]["schemas"]["User"]["type"] == "object"
    error = ref_error("url/doc.yaml", LoadOptions(url_map={USER_URL: tmp_path / "nope.yaml"}))
    assert "does not exist" in error.problem


def test_url_map_cannot_climb_out_of_its_folder(tmp_path: Path) -> None:
    (tmp_path / "doc.yaml").write_text(
        "asyncapi: 3.0.0\nx:\n  $ref: 'https://h.example/a/../../secret.yaml'\n"
    )
    (tmp_path / "mirror").mkdir()
    options = LoadOptions(url_map={"https://h.example/a/": tmp_path / "mirror"})
    with pytest.raises(RefError, match="leaves the folder"):
        resolve_document(tmp_path / "doc.yaml", options)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect-to/"))
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def http_mirror() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the mirror folder; yields its base URL."""
    handler = partial(_QuietHandler, directory=str(MIRROR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _doc_with_ref(tmp_path: Path, ref: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(f"asyncapi: 3.0.0\ncomponents:\n  schemas:\n    User:\n      $ref: '{ref}'\n")
    return path


def test_fetching_over_http_with_opt_in(tmp_path: Path, http_mirror: str) -> None:
    path = _doc_with_ref(tmp_path, f"{http_mirror}/v1/user.yaml#/User")
    with pytest.raises(RefError, match="not followed by default"):
        resolve_document(path, OPTIONS)
    resolved = resolve_document(path, LoadOptions(allow_url_refs=True))
    user = resolved.root["components"]["schemas"]["User"]
    assert user["properties"]["id"] == {"type": "string", "format": "uuid"}  # relative URL ref
    assert resolved.files == (path,)
    assert resolved.locate("/components/schemas/User/properties") == (
        f"{http_mirror}/v1/user.yaml",
        4,
    )


def test_fetch_errors_are_ref_errors(tmp_path: Path, http_mirror: str) -> None:
    options = LoadOptions(allow_url_refs=True)
    path = _doc_with_ref(tmp_path, f"{http_mirror}/v1/nope.yaml#/User")
    with pytest.raises(RefError, match="HTTP 404"):
        resolve_document(path, options)
    for target in ("file:///etc/passwd", "ftp://127.0.0.1/x.yaml"):
        path = _doc_with_ref(tmp_path, f"{http_mirror}/redirect-to/{target}")
        with pytest.raises(RefError, match="HTTP 302") as info:
            resolve_document(path, options)
        assert "not allowed" in info.value.problem or "refused" in info.value.problem
    path = _doc_with_ref(tmp_path, f"{http_mirror}/v1/big.yaml#/Big")
    assert resolve_document(path, options).root["components"]["schemas"]["User"]["type"] == (
        "string"
    )
    with pytest.raises(RefError, match="bigger than max_bytes=300"):
        resolve_document(path, LoadOptions(allow_url_refs=True, max_bytes=300))


def test_avro_named_type_fragment() -> None:
    resolved = resolve("avro/doc.yaml")
    message = resolved.root["components"]["messages"]["UserSignedUp"]
    schema = message["payload"]["schema"]
    assert schema["type"] == "record"
    assert schema["name"] == "User"
    assert resolved.origins[id(schema)] == "user.avsc#/User"


def test_root_that_is_itself_a_reference(tmp_path: Path) -> None:
    (tmp_path / "doc.yaml").write_text("$ref: 'real.yaml'\n")
    (tmp_path / "real.yaml").write_text("asyncapi: 3.0.0\nx: {$ref: '#/y'}\ny: [1]\n")
    resolved = resolve_document(tmp_path / "doc.yaml", OPTIONS)
    assert resolved.root["x"] is resolved.root["y"]


def _corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json")
        and path.name != "URL_MAP.json"
        and "asyncapi" in path.read_text(encoding="utf-8")[:400]
    )


# Why a corpus document does not resolve (every other one must).
CORPUS_FAILURES = {
    "streetlights-all.json": "`external-schema.json`: the file external-schema.json does not exist",
}


@pytest.mark.parametrize(
    "path", _corpus_documents(), ids=lambda path: str(path.relative_to(CORPUS))
)
def test_corpus_documents_resolve(path: Path) -> None:
    url_map = json.loads((CORPUS / "URL_MAP.json").read_text(encoding="utf-8"))
    options = LoadOptions(
        url_map={url: CORPUS / local for url, local in url_map.items() if "://" in url},
        allow_outside_root=True,
    )
    expected_failure = CORPUS_FAILURES.get(path.name)
    if expected_failure is not None:
        with pytest.raises(RefError) as info:
            resolve_document(path, options)
        assert info.value.problem == expected_failure
        return
    resolved = resolve_document(path, options)
    assert isinstance(resolved.root.get("asyncapi"), str)
    assert not _references_left(resolved.root)
    json.dumps(acyclic(resolved.root, resolved.origins))


def _references_left(root: Any) -> list[dict[str, Any]]:
    """Reference objects still reachable from ``root`` (there must be none)."""
    seen: set[int] = set()
    stack, left = [root], []
    while stack:
        node = stack.pop()
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        if is_reference(node):
            left.append(node)
        stack.extend(node.values() if isinstance(node, dict) else node)
    return left


def test_corpus_is_present_or_skipped() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent ({CORPUS}); corpus tests have nothing to run")
    assert len(_corpus_documents()) >= 40


def test_social_media_examples_resolve_under_the_project_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = CORPUS / "asyncapi-spec-v3.0.0" / "examples" / "social-media" / "backend"
    if not backend.is_dir():
        pytest.skip(f"the shared corpus is absent ({CORPUS})")
    monkeypatch.chdir(backend)
    with pytest.raises(RefError, match="outside the root folder"):
        resolve_document(backend / "asyncapi.yaml", OPTIONS)
    monkeypatch.chdir(CORPUS)
    assert resolve_document(backend / "asyncapi.yaml", OPTIONS).files[1].name == "messages.yaml"
    resolved = resolve_document(backend / "asyncapi.yaml", LoadOptions(root=backend.parent))
    assert {path.name for path in resolved.files} >= {"messages.yaml", "schemas.yaml"}
    assert resolved.locations[id(resolved.root)] == ("backend/asyncapi.yaml", 1)
