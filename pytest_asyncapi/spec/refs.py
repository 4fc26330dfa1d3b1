"""Resolve every JSON Reference (``{"$ref": ...}``) of a document, in place.

Each reference object is replaced by its target, so a target referenced twice is the same
Python object in both places (callers find channels and messages by identity) and a recursive
schema becomes a cyclic structure. Files are read once; file references stay under the root
folder (by default the project root: VCS checkout, current directory or pytest rootdir) and URL
references are refused unless the options allow or map them.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urljoin, urlsplit

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import RefError
from pytest_asyncapi.spec.options import project_root
from pytest_asyncapi.spec.reader import LazyLines, parse, preorder_containers, read_file

if TYPE_CHECKING:
    from collections.abc import Iterator
    from http.client import HTTPMessage
    from typing import IO
    from urllib.request import OpenerDirector, Request

    from pytest_asyncapi.spec.options import LoadOptions

_URL_HINT = (
    "to fetch it, pass allow_url_refs=True (--allow-url-refs, pytest --asyncapi-allow-url-refs); "
    "to read a local copy instead, map the URL prefix to a folder with url_map "
    "(--ref-map URL_PREFIX=DIR, pytest --asyncapi-ref-map)"
)
_MAX_NESTED_REFS = 200


@dataclass
class Resolved:
    """A document with every ``$ref`` replaced by its target.

    ``origins``: ``id(target)`` -> the ``$ref`` that first named it (other files' refs are
    made relative to the root folder, e.g. ``common/schemas.yaml#/User``).
    ``locations``: ``id(node)`` -> (file relative to the root folder, 1-based line), for every
    dict/list of every file read. ``files``: every local file read, the root first.
    ``containers``: how many dicts/lists those files hold. ``name``: the root file, as errors
    name it.
    """

    root: Any
    origins: dict[int, str]
    locations: Mapping[int, tuple[str, int]]
    files: tuple[Path, ...]
    containers: int
    name: str
    dangling: list[tuple[str, RefError]] = field(default_factory=list)
    """Lenient resolution: (pointer, error) of each reference whose target is missing; the
    reference object stays in place and its id is a key of :attr:`unresolved`."""
    unresolved: dict[int, str] = field(default_factory=dict)
    """``id(reference object)`` -> why it could not be resolved (lenient resolution)."""
    # Every parsed document and replaced reference object, kept alive so the ids above stay valid.
    _retained: list[Any] = field(default_factory=list, repr=False, compare=False)

    def locate(self, pointer: str) -> tuple[str, int | None]:
        """File and line of the deepest node along ``pointer`` (``#/a/b`` or ``/a/b``)."""
        node = self.root
        best = self.locations.get(id(node))
        for token in jsonpointer.split(pointer.removeprefix("#")):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                break
            best = self.locations.get(id(node), best)
        if best is None:
            return (self.files[0].name if self.files else "<document>", None)
        return best


def resolve_document(path: Path, options: LoadOptions, *, lenient: bool = False) -> Resolved:
    """Read ``path`` and every file it references; resolve all ``$ref``s in place.

    ``lenient``: a reference to a missing file or member is recorded in
    :attr:`Resolved.dangling` and left in place instead of stopping the whole document.
    """
    return _Resolver(path, options, lenient=lenient).run()


class DanglingRefError(RefError):
    """A reference whose target does not exist (a missing file, member or item)."""


def acyclic(
    node: Any,
    origins: Mapping[int, str],
    *,
    max_nodes: int = 1_000_000,
    max_depth: int | None = None,
    file: str | Path | None = None,
) -> Any:
    """A deep copy where a node met again on its own path is ``{"$ref": origins[id]}``.

    Shared (non-cyclic) subtrees are copied at each place; the result is plain JSON. A copy
    of more than ``max_nodes`` dicts/lists (refs that fan out exponentially), or nested
    deeper than ``max_depth`` (refs that chain deep schemas), is a RefError naming ``file``.
    Iterative: any depth is safe for the interpreter's stack. A document with no cycle that
    fits the limits is returned as it is (shared subtrees stay shared: do not mutate it).
    """
    if not isinstance(node, (dict, list)) or _fits_as_is(node, max_nodes, max_depth):
        return node
    on_path: set[int] = set()
    tokens: list[str | int] = []
    made = 0

    def start(value: dict[str, Any] | list[Any]) -> tuple[Any, Any, Iterator[tuple[Any, Any]]]:
        nonlocal made
        made += 1
        if made > max_nodes:
            raise RefError(
                f"expanding the $refs makes more than {max_nodes} objects and arrays "
                "(references that fan out exponentially?)",
                file=file,
                hint="reference each shared schema fewer times",
            )
        if max_depth is not None and len(on_path) >= max_depth:
            shown = jsonpointer.join(tokens)
            shown = shown if len(shown) <= 120 else shown[:119] + "…"
            raise RefError(
                f"with its $refs resolved, the document nests deeper than max_depth={max_depth} "
                f"(at {shown})",
                file=file,
                hint="if the document is legitimate, raise the limit: --max-depth N (CLI), "
                "--asyncapi-max-depth N (pytest), LoadOptions.max_depth (Python)",
            )
        on_path.add(id(value))
        if isinstance(value, dict):
            return value, {}, iter(value.items())
        return value, [], iter(enumerate(value))

    stack = [start(node)]
    result = stack[0][1]
    while stack:
        original, copied, items = stack[-1]
        into_dict = isinstance(copied, dict)
        for key, item in items:
            if isinstance(item, (dict, list)):
                if id(item) in on_path:
                    item = {"$ref": origins.get(id(item), "#")}
                else:
                    tokens.append(key)
                    frame = start(item)
                    stack.append(frame)
                    item = frame[1]
                    if into_dict:
                        copied[key] = item
                    else:
                        copied.append(item)
                    break
            if into_dict:
                copied[key] = item
            else:
                copied.append(item)
        else:
            stack.pop()
            on_path.discard(id(original))
            if tokens:
                tokens.pop()
    return result


_AS_IS_DEPTH = 200
"""How deep :func:`_fits_as_is` recurses; a deeper document is copied (the copy is iterative)."""


def _fits_as_is(node: dict[str, Any] | list[Any], max_nodes: int, max_depth: int | None) -> bool:
    """No cycle, and expanded no more than ``max_nodes`` dicts/lists, no deeper than
    ``max_depth``: one visit per distinct node, sizes and heights memoised. Recursive (3x
    faster than a stack of iterators) down to ``_AS_IS_DEPTH``: a document deeper than that
    is said not to fit, so the bounded copy checks it."""
    deepest = _AS_IS_DEPTH if max_depth is None else min(max_depth, _AS_IS_DEPTH)
    tallest = sys.maxsize if max_depth is None else max_depth
    try:
        return _fits(node, 1, _Fit(max_nodes, tallest, deepest, {}, set()))
    except RecursionError:  # called deep in the stack already: the copy checks instead
        return False


@dataclass
class _Fit:
    """What :func:`_fits` checks against, and what it found so far."""

    max_nodes: int
    max_height: int
    max_path: int
    done: dict[int, tuple[int, int]]
    """``id(node)`` -> (expanded size, height) of every node visited."""
    active: set[int]
    """The nodes on the path being visited."""


def _fits(current: dict[str, Any] | list[Any], depth: int, fit: _Fit) -> bool:
    fit.active.add(id(current))
    total, tall = 1, 0
    for child in current.values() if isinstance(current, dict) else current:
        if not isinstance(child, (dict, list)):
            continue
        known = fit.done.get(id(child))
        if known is None:
            if id(child) in fit.active or depth >= fit.max_path or not _fits(child, depth + 1, fit):
                return False  # a cycle, too deep, or too big below
            known = fit.done[id(child)]
        total += known[0]
        if known[1] > tall:
            tall = known[1]
    fit.active.discard(id(current))
    fit.done[id(current)] = (total, tall + 1)
    return total <= fit.max_nodes and tall < fit.max_height


def is_reference(node: Any) -> bool:
    """A JSON Reference object: a mapping with a string ``$ref`` (siblings are ignored)."""
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


_Path = tuple["_Path", str | int] | None
"""Where a node is: its parent's path and its key (``None``: the root)."""


def _pointer(path: _Path) -> str:
    tokens: list[str | int] = []
    while path is not None:
        path, key = path
        tokens.append(key)
    return jsonpointer.join(reversed(tokens))


@dataclass(eq=False)
class _Doc:
    """One parsed file or URL. ``base`` resolves relative refs: a local path or a URL."""

    name: str
    ref_name: str
    base: Path | str
    data: Any


class _Locations(Mapping[int, tuple[str, int]]):
    """``id(node)`` -> (file, line): known at once, or from each lazily read file on demand."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[str, int]] = {}
        self.lazy: list[tuple[str, LazyLines]] = []

    def __getitem__(self, node_id: int) -> tuple[str, int]:
        if node_id in self.known:
            return self.known[node_id]
        for name, lines in self.lazy:
            if node_id in lines:
                return (name, lines[node_id])
        raise KeyError(node_id)

    def __iter__(self) -> Iterator[int]:
        yield from self.known
        for _, lines in self.lazy:
            yield from lines

    def __len__(self) -> int:
        return len(self.known) + sum(len(lines) for _, lines in self.lazy)


@dataclass(frozen=True)
class _Site:
    """Where a ``$ref`` is written, looked up only when an error names it (a line may cost a
    second parse of its file: see ``reader.LazyLines``)."""

    locations: Mapping[int, tuple[str, int]]
    ref_id: int
    root_name: str

    def locate(self) -> tuple[str, int | None]:
        return self.locations.get(self.ref_id, (self.root_name, None))


class _Resolver:
    def __init__(self, path: Path, options: LoadOptions, *, lenient: bool = False) -> None:
        self.options = options
        self.lenient = lenient
        self.dangling: list[tuple[str, RefError]] = []
        self.unresolved: dict[int, str] = {}
        folder = options.root if options.root is not None else path.parent
        self.root_dir = (options.root or project_root(path, options.project_roots)).resolve()
        self.display_dir = os.path.abspath(folder)
        self.docs: dict[str, _Doc] = {}
        self.node_doc: dict[int, _Doc] = {}
        self.locations = _Locations()
        self.containers = 0
        self.origins: dict[int, str] = {}
        self.memo: dict[int, Any] = {}
        self.followed: dict[tuple[_Doc, str], tuple[Any, str]] = {}
        self.active: set[int] = set()
        self.files: list[Path] = [path]
        self.retained: list[Any] = []
        root = read_file(path, options)
        self.root_doc = self._register(root.data, root.lines, self._display(path), "", path)
        self.docs[str(path.resolve())] = self.root_doc

    def run(self) -> Resolved:
        root = self.root_doc.data
        if is_reference(root):
            root = self._target(root)
        seen: set[int] = set()
        # a node's path is (its parent's path, its key): the pointer is spelled only for an error
        stack: list[tuple[Any, _Path]] = [(root, None)]
        while stack:
            node, path = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            # replacing a value while iterating is safe: no key is added or removed
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if not isinstance(child, (dict, list)):
                    continue
                if (
                    isinstance(child, dict)
                    and isinstance(child.get("$ref"), str)
                    and id(child) not in self.unresolved
                ):
                    try:
                        node[key] = child = self._target(child)
                    except DanglingRefError as error:
                        if not self.lenient:
                            raise
                        self.dangling.append((_pointer((path, key)), error))
                        self.unresolved[id(child)] = error.problem
                        continue
                    if not isinstance(child, (dict, list)):
                        continue
                if id(child) not in seen:
                    stack.append((child, (path, key)))
        return Resolved(
            root,
            self.origins,
            self.locations,
            tuple(self.files),
            self.containers,
            self.root_doc.name,
            self.dangling,
            self.unresolved,
            self.retained,
        )

    # --- documents -----------------------------------------------------------------------

    def _display(self, path: Path) -> str:
        return os.path.relpath(os.path.abspath(path), self.display_dir)

    def _register(
        self, data: Any, lines: Mapping[int, int], name: str, ref_name: str, base: Path | str
    ) -> _Doc:
        doc = _Doc(name, ref_name, base, data)
        self.retained.append(data)
        if isinstance(lines, LazyLines):  # lines found only when asked for
            self.containers += lines.containers
            self.locations.lazy.append((name, lines))
            if ref_name:  # not the root file (ref_name ""), whose nodes are the default
                self.node_doc.update((id(node), doc) for node in preorder_containers(data))
            return doc
        self.containers += len(lines)
        for node_id, line in lines.items():
            self.node_doc[node_id] = doc
            self.locations.known[node_id] = (name, line)
        return doc

    def _load(self, uri: str, holder: _Doc, ref: str, where: _Site) -> _Doc:
        scheme = urlsplit(uri).scheme
        if scheme in ("http", "https"):
            return self._load_url(uri, ref, where)
        if len(scheme) > 1:  # one letter is a Windows drive
            raise self._error(
                ref,
                where,
                f"the {scheme}: scheme is not supported",
                "write a path relative to the file that holds the $ref, or an http(s) URL",
            )
        if isinstance(holder.base, str):
            return self._load_url(urljoin(holder.base, uri), ref, where)
        relative = self._file_part(unquote(uri), ref, where)
        path = Path(os.path.normpath(holder.base.parent / relative))
        if not self.options.allow_outside_root and not path.resolve().is_relative_to(self.root_dir):
            raise self._error(
                ref,
                where,
                f"{path} is outside the root folder {self.root_dir}",
                "pass allow_outside_root=True, or set root to a folder that holds both files",
            )
        return self._load_file(path, path, self._display(path), ref, where)

    def _load_file(self, path: Path, base: Path | str, name: str, ref: str, where: _Site) -> _Doc:
        key = str(path.resolve())
        if key in self.docs:
            return self.docs[key]
        try:
            state = (
                None if path.is_file() else "is not a file" if path.exists() else "does not exist"
            )
        except OSError as exc:  # e.g. a name too long for the file system
            state = f"cannot be read ({exc.strerror or exc})"
        if state is not None:
            raise self._error(ref, where, f"the file {name} {state}", dangling=True)
        self.files.append(path)
        ref_name = base if isinstance(base, str) else name
        read = read_file(path, self.options, mapping=False)
        doc = self.docs[key] = self._register(read.data, read.lines, name, ref_name, base)
        return doc

    def _load_url(self, url: str, ref: str, where: _Site) -> _Doc:
        url = url.partition("#")[0]
        if url in self.docs:
            return self.docs[url]
        local = self._mapped(url, ref, where)
        if local is not None:
            doc = self._load_file(local, url, self._display(local), ref, where)
        elif self.options.allow_url_refs:
            raw = self._fetch(url, ref, where)
            data, lines = parse(raw, url, self.options, mapping=False)
            doc = self._register(data, lines, url, url, url)
        else:
            raise self._error(ref, where, "URL references are not followed by default", _URL_HINT)
        self.docs[url] = doc
        return doc

    def _mapped(self, url: str, ref: str, where: _Site) -> Path | None:
        prefixes = [prefix for prefix in self.options.url_map if url.startswith(prefix)]
        if not prefixes:
            return None
        prefix = max(prefixes, key=len)
        folder = Path(self.options.url_map[prefix])
        rest = self._file_part(unquote(url[len(prefix) :].lstrip("/")), ref, where)
        local = Path(os.path.normpath(folder / rest)) if rest else folder
        if not local.resolve().is_relative_to(folder.resolve()):
            raise self._error(ref, where, f"{url} leaves the folder {folder} mapped to {prefix}")
        return local

    def _fetch(self, url: str, ref: str, where: _Site) -> bytes:
        limit = self.options.max_bytes
        try:
            response: IO[bytes]
            with _opener().open(url, timeout=self.options.url_timeout) as response:
                raw = response.read(limit + 1)
        except HTTPError as exc:
            exc.close()
            problem = f"cannot fetch {url}: HTTP {exc.code} {exc.reason}"
            raise self._error(ref, where, problem) from None
        except URLError as exc:
            raise self._error(ref, where, f"cannot fetch {url}: {exc.reason}") from None
        except (OSError, ValueError) as exc:
            raise self._error(ref, where, f"cannot fetch {url}: {exc}") from None
        if len(raw) > limit:
            raise self._error(ref, where, f"{url} is bigger than max_bytes={limit}")
        return raw

    # --- references ----------------------------------------------------------------------

    def _error(
        self,
        ref: str,
        where: _Site,
        problem: str,
        hint: str | None = None,
        *,
        dangling: bool = False,
    ) -> RefError:
        kind = DanglingRefError if dangling else RefError
        file, line = where.locate()
        return kind(f"`{ref}`: {problem}", file=file, line=line, hint=hint)

    def _file_part(self, path: str, ref: str, where: _Site) -> str:
        """``path`` (percent-decoded) if the OS can take it as a path (no NUL character)."""
        if "\x00" in path:
            raise self._error(ref, where, "the file path holds a NUL character (%00)")
        return path

    def _target(self, ref_obj: dict[str, Any]) -> Any:
        """The final target of a reference object (following refs to refs)."""
        chain: list[dict[str, Any]] = []
        node: Any = ref_obj
        name: str | None = None
        while is_reference(node):
            if id(node) in self.memo:
                node = self.memo[id(node)]
                break
            if id(node) in self.active:
                cycle = " -> ".join(f"`{r['$ref']}`" for r in [*chain, node])
                raise self._error(ref_obj["$ref"], self._where(ref_obj), f"circular $ref: {cycle}")
            if len(self.active) > _MAX_NESTED_REFS:
                problem = f"more than {_MAX_NESTED_REFS} nested $refs"
                raise self._error(ref_obj["$ref"], self._where(ref_obj), problem)
            chain.append(node)
            self.active.add(id(node))
            try:
                node, node_name = self._follow(node)
            except RefError:
                self.active.difference_update(id(r) for r in chain)
                raise
            name = name or node_name
        for ref in chain:
            self.memo[id(ref)] = node
            self.active.discard(id(ref))
            self.retained.append(ref)
        if name is not None and isinstance(node, (dict, list)):
            self.origins.setdefault(id(node), name)
        return node

    def _where(self, ref_obj: dict[str, Any]) -> _Site:
        return _Site(self.locations, id(ref_obj), self.root_doc.name)

    def _follow(self, ref_obj: dict[str, Any]) -> tuple[Any, str]:
        """One step: the node ``ref_obj`` points at (maybe another reference) and its name.

        Found once per ``$ref`` text in each file (the same text there names the same node).
        """
        ref: str = ref_obj["$ref"]
        holder = self.node_doc.get(id(ref_obj), self.root_doc)
        found = self.followed.get((holder, ref))
        if found is None:
            found = self.followed[holder, ref] = self._walk(ref_obj, ref, holder)
        return found

    def _walk(self, ref_obj: dict[str, Any], ref: str, holder: _Doc) -> tuple[Any, str]:
        where = self._where(ref_obj)
        uri, _, fragment = ref.partition("#")
        doc = self._load(uri, holder, ref, where) if uri else holder
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            problem = f"the fragment {fragment!r} is not a JSON pointer (it must start with '/')"
            raise self._error(ref, where, problem)
        if doc is self.root_doc:
            name = "#" + fragment
        else:
            name = doc.ref_name + ("#" + fragment if fragment else "")
        tokens = jsonpointer.split(pointer)
        node = doc.data
        for depth, token in enumerate(tokens):
            if is_reference(node):
                node = self._target(node)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                named = _avro_named_type(doc, tokens)
                if named is not None:
                    return named, name
                here = jsonpointer.join(tokens[:depth]) or "/"
                if isinstance(node, dict):
                    problem = f"{here} has no member {token!r}"
                elif isinstance(node, list):
                    problem = f"{here} has no item {token!r}"
                else:
                    problem = f"{here} is not an object or array"
                if doc is not holder:
                    problem += f" (in {doc.name})"
                raise self._error(ref, where, problem, dangling=True)
        return node, name


def _avro_named_type(doc: _Doc, tokens: list[str]) -> Any:
    """Microcks' convention ``schema.avsc#/User``: the fragment names an Avro type."""
    if len(tokens) != 1 or not doc.name.endswith(".avsc"):
        return None
    candidates = doc.data if isinstance(doc.data, list) else [doc.data]
    for candidate in candidates:
        if not isinstance(candidate, dict) or not isinstance(candidate.get("name"), str):
            continue
        full = candidate["name"]
        if isinstance(candidate.get("namespace"), str) and "." not in full:
            full = f"{candidate['namespace']}.{full}"
        if tokens[0] in (full, full.rpartition(".")[2]):
            return candidate
    return None


@functools.cache
def _opener() -> OpenerDirector:
    """A URL opener that follows redirects to http(s) only (never to ``file:`` or ``ftp:``).

    Built on first use: ``urllib.request`` (http.client, email) is imported only by a run
    that fetches a URL ref."""
    from urllib.request import HTTPRedirectHandler, build_opener

    class HTTPOnlyRedirects(HTTPRedirectHandler):
        def redirect_request(
            self,
            req: Request,
            fp: IO[bytes],
            code: int,
            msg: str,
            headers: HTTPMessage,
            newurl: str,
        ) -> Request | None:
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise HTTPError(newurl, code, f"redirect to {newurl} refused", headers, fp)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return build_opener(HTTPOnlyRedirects)
