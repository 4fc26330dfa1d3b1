"""``diff OLD NEW``: every change between two versions of a document, classified.

Each change is *breaking*, *non-breaking* or *needs review*. What breaks depends on who reads:

* the application SENDS a message: its consumers were built against OLD, so a change is breaking
  when NEW admits a payload OLD rejects (the FORWARD check: NEW ⊆ OLD, old readers read new data);
* the application RECEIVES a message: its producers still send what OLD admitted, so a change is
  breaking when OLD admits a payload NEW rejects (the BACKWARD check: OLD ⊆ NEW, new readers
  read old data);
* a message no operation uses has no known direction: both checks (FULL).

Modes, as in Schema Registry: ``auto`` (default) picks the check per message by direction, as
above; ``backward`` applies the BACKWARD check to every message whatever its direction,
``forward`` the FORWARD check, ``full`` both. The same check covers payload, headers, Kafka key
and channel parameters (the parameter values are part of what is sent).

Schema changes are found keyword by keyword (:mod:`schema_changes`) and classified by what they
do (widen / narrow) under the message's check(s); then the whole schemas are compared
(:func:`~pytest_asyncapi.compat.compare.compare`): a proven inclusion makes every change of that
part non-breaking, a proven violation gets its counterexample payload (and a finding of its own
when no keyword change explained it), an undecided one leaves a *needs review* finding.

Structure: a channel, operation or message that disappears is always breaking (a counterpart
relies on it); one that only changed its document id (same destination / channel and action)
is a non-breaking rename; a changed destination is breaking; a message added to a channel is
judged like a widening (breaking under the FORWARD check unless an old message already admits
its payloads); a changed content type is breaking.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.compare import Comparison, compare
from pytest_asyncapi.compat.matching import content_type, destination, same_message, shape
from pytest_asyncapi.compat.schema_changes import SchemaChange, schema_changes
from pytest_asyncapi.compat.subschema import Answer
from pytest_asyncapi.schemas.dialects import dialect_for
from pytest_asyncapi.schemas.jsonvalues import json_equal, short
from pytest_asyncapi.spec.model import Action, SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pytest_asyncapi.spec.model import Channel, Message, Operation, Parameter, Spec


class Mode(str, enum.Enum):
    AUTO = "auto"
    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"


class Check(str, enum.Enum):
    FORWARD = "forward"
    BACKWARD = "backward"


class Classification(str, enum.Enum):
    BREAKING = "breaking"
    NON_BREAKING = "non-breaking"
    NEEDS_REVIEW = "needs review"


_WHY = {
    Check.FORWARD: "readers built against OLD receive what NEW allows",
    Check.BACKWARD: "senders built against OLD still send what OLD allowed",
}


@dataclass(frozen=True)
class Change:
    """One classified change. ``where`` names the element; ``path`` is inside the value."""

    kind: str
    where: str
    pointer: str
    path: str
    old: Any
    new: Any
    classification: Classification
    why: str
    counterexample: Any = None
    has_counterexample: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = {
            "kind": self.kind,
            "classification": self.classification.value,
            "where": self.where,
            "pointer": self.pointer,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "why": self.why,
        }
        if self.has_counterexample:
            data["counterexample"] = self.counterexample
        return data


@dataclass(frozen=True)
class DiffReport:
    old: str
    new: str
    mode: Mode
    changes: tuple[Change, ...]

    def count(self, classification: Classification) -> int:
        return sum(c.classification is classification for c in self.changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "mode": self.mode.value,
            "summary": {c.value: self.count(c) for c in Classification},
            "changes": [c.as_dict() for c in self.changes],
        }


def checks_for(directions: Iterable[Action], mode: Mode) -> frozenset[Check]:
    """The checks a message needs: by direction in ``auto`` mode, else as the mode says."""
    if mode is Mode.FORWARD:
        return frozenset({Check.FORWARD})
    if mode is Mode.BACKWARD:
        return frozenset({Check.BACKWARD})
    if mode is Mode.FULL:
        return frozenset(Check)
    found = {Check.FORWARD if d is Action.SEND else Check.BACKWARD for d in directions}
    return frozenset(found or Check)


def classify(widens: bool | None, narrows: bool | None, checks: frozenset[Check]) -> Classification:
    """Breaking if a needed check is violated, needs review if undecided, else non-breaking."""
    verdicts = [widens if c is Check.FORWARD else narrows for c in checks]
    if True in verdicts:
        return Classification.BREAKING
    if None in verdicts:
        return Classification.NEEDS_REVIEW
    return Classification.NON_BREAKING


def diff(old: Spec, new: Spec, *, mode: Mode = Mode.AUTO, search: bool = True) -> DiffReport:
    """Every change from ``old`` to ``new``, classified."""
    differ = _Differ(old, new, mode, search)
    differ.run()
    return DiffReport(str(old.source), str(new.source), mode, tuple(differ.changes))


class _Differ:
    def __init__(self, old: Spec, new: Spec, mode: Mode, search: bool) -> None:
        self.old, self.new, self.mode, self.search = old, new, mode, search
        self.changes: list[Change] = []
        self.channel_map: dict[str, str] = {}

    def add(
        self,
        kind: str,
        where: str,
        pointer: str,
        old: Any,
        new: Any,
        classification: Classification,
        why: str,
        path: str = "",
    ) -> None:
        self.changes.append(Change(kind, where, "#" + pointer, path, old, new, classification, why))

    def run(self) -> None:
        pairs = self.match_channels()
        for o, n in pairs:
            self.channel(o, n)
        self.operations()

    # -- channels ------------------------------------------------------------------------

    def match_channels(self) -> list[tuple[Channel, Channel]]:
        new_by_id = {c.id: c for c in self.new.channels}
        pairs = [(o, new_by_id[o.id]) for o in self.old.channels if o.id in new_by_id]
        taken = {n.id for _, n in pairs}
        for o in self.old.channels:
            if o.id in new_by_id:
                continue
            where = destination(self.old, o)
            twin = next(
                (
                    n
                    for n in self.new.channels
                    if n.id not in taken
                    and where is not None
                    and (d := destination(self.new, n)) is not None
                    and shape(d) == shape(where)
                ),
                None,
            )
            if twin is None:
                self.add(
                    "channel-removed",
                    f"channel {o.id}",
                    o.pointer,
                    where,
                    None,
                    Classification.BREAKING,
                    "the channel is gone: its consumers and producers lose it",
                )
                continue
            taken.add(twin.id)
            pairs.append((o, twin))
            self.add(
                "channel-renamed",
                f"channel {o.id}",
                twin.pointer,
                o.id,
                twin.id,
                Classification.NON_BREAKING,
                f"same destination {where}; only the document's name changed",
            )
        for n in self.new.channels:
            if n.id not in taken:
                self.add(
                    "channel-added",
                    f"channel {n.id}",
                    n.pointer,
                    None,
                    destination(self.new, n),
                    Classification.NON_BREAKING,
                    "a new channel breaks no existing counterpart",
                )
        self.channel_map = {o.id: n.id for o, n in pairs}
        return pairs

    def channel(self, o: Channel, n: Channel) -> None:
        label = f"channel {n.id}"
        before, after = destination(self.old, o), destination(self.new, n)
        if before != after:
            same_shape = before is not None and after is not None and shape(before) == shape(after)
            if same_shape:
                self.add(
                    "parameter-renamed",
                    label,
                    n.pointer,
                    before,
                    after,
                    Classification.NON_BREAKING,
                    "only a parameter's name changed; the destinations are the same",
                )
            else:
                self.add(
                    "address-changed",
                    label,
                    n.pointer,
                    before,
                    after,
                    Classification.BREAKING,
                    "counterparts still use the old destination",
                )
        directions = {a for _, a in self.uses(self.old, o)} | {a for _, a in self.uses(self.new, n)}
        checks = checks_for(directions, self.mode)
        for param in n.parameters:
            earlier = o.parameter(param.name)
            if earlier is not None:
                self.part(
                    f"{label} > parameter {param.name}",
                    "parameter",
                    _param_schema(earlier),
                    _param_schema(param),
                    checks,
                    (),
                )
        self.messages(o, n)

    def uses(self, spec: Spec, channel: Channel) -> list[tuple[Message, Action]]:
        found: list[tuple[Message, Action]] = []
        for op in spec.operations_on(channel):
            found.extend((m, op.action) for m in op.messages)
        return found

    # -- messages ------------------------------------------------------------------------

    def directions(self, spec: Spec, channel: Channel, message: Message) -> set[Action]:
        return {a for m, a in self.uses(spec, channel) if m is message or _same(m, message)}

    def messages(self, o: Channel, n: Channel) -> None:
        label = f"channel {n.id}"
        matched: set[int] = set()
        for om in o.messages:
            nm = same_message(om, n.messages)
            if nm is None and len(o.messages) == 1 and len(n.messages) == 1:
                nm = n.messages[0]
                self.add(
                    "message-renamed",
                    f"{label} > message {om.display_name}",
                    nm.pointer,
                    om.display_name,
                    nm.display_name,
                    Classification.NEEDS_REVIEW,
                    "the only message of the channel has a new name; counterparts that "
                    "match on the name break",
                )
            if nm is None:
                self.add(
                    "message-removed",
                    f"{label} > message {om.display_name}",
                    om.pointer,
                    om.display_name,
                    None,
                    Classification.BREAKING,
                    "counterparts that send or expect this message lose it",
                )
                continue
            matched.add(id(nm))
            directions = self.directions(self.old, o, om) | self.directions(self.new, n, nm)
            self.message(f"{label} > message {nm.display_name}", om, nm, directions)
        for nm in n.messages:
            if id(nm) not in matched:
                self.added_message(label, o, n, nm)

    def added_message(self, label: str, o: Channel, n: Channel, nm: Message) -> None:
        checks = checks_for(self.directions(self.new, n, nm), self.mode)
        where = f"{label} > message {nm.display_name}"
        if Check.FORWARD not in checks:
            self.add(
                "message-added",
                where,
                nm.pointer,
                None,
                nm.display_name,
                Classification.NON_BREAKING,
                "the application accepts one more message",
            )
            return
        found = [compare(nm.payload, om.payload, search=False) for om in o.messages]
        if any(c.answer is Answer.YES for c in found):
            self.add(
                "message-added",
                where,
                nm.pointer,
                None,
                nm.display_name,
                Classification.NON_BREAKING,
                "an existing message's schema already admits its payloads",
            )
            return
        self.add(
            "message-added",
            where,
            nm.pointer,
            None,
            nm.display_name,
            Classification.BREAKING if o.messages else Classification.NON_BREAKING,
            f"{_WHY[Check.FORWARD]}: readers of the channel do not expect this message"
            if o.messages
            else "the channel carried no message before",
        )

    def message(self, where: str, om: Message, nm: Message, directions: set[Action]) -> None:
        checks = checks_for(directions, self.mode)
        before, after = content_type(self.old, om), content_type(self.new, nm)
        if before != after:
            self.add(
                "content-type-changed",
                where,
                nm.pointer,
                before,
                after,
                Classification.BREAKING,
                "counterparts decode by the content type",
            )
        examples = [e.payload for e in om.examples if e.has_payload]
        examples += [e.payload for e in nm.examples if e.has_payload]
        self.part(f"{where} > payload", "payload", om.payload, nm.payload, checks, examples)
        self.part(f"{where} > headers", "headers", om.headers, nm.headers, checks, ())
        self.part(f"{where} > key", "key", om.key_schema, nm.key_schema, checks, ())

    def part(
        self,
        where: str,
        kind: str,
        old: SchemaSpec | None,
        new: SchemaSpec | None,
        checks: frozenset[Check],
        seeds: Sequence[Any],
    ) -> None:
        if old is None and new is None:
            return
        old_format = old.schema_format if old else None
        new_format = new.schema_format if new else None
        if old and new and _dialect(old_format) != _dialect(new_format):
            self.add(
                f"{kind}-schema-format-changed",
                where,
                new.pointer,
                old_format,
                new_format,
                Classification.NEEDS_REVIEW,
                "schemas in different schema languages",
            )
            return
        spec = new or old
        assert spec is not None
        dialect = dialect_for(spec.schema_format)
        if isinstance(dialect, str):
            if old is None or new is None or _differs(old, new):
                self.add(
                    f"{kind}-changed",
                    where,
                    spec.pointer,
                    None,
                    None,
                    Classification.NEEDS_REVIEW,
                    dialect,
                )
            return
        local = schema_changes(
            True if old is None else old.schema,
            True if new is None else new.schema,
            old_pointer=old.pointer if old else "",
            new_pointer=new.pointer if new else "",
            draft=dialect.draft,
        )
        found = [self.local(where, c, checks) for c in local]
        whole = {c: self.whole(c, old, new, seeds) for c in checks}
        self.changes.extend(self.reconcile(where, spec.pointer, found, whole))

    def local(self, where: str, change: SchemaChange, checks: frozenset[Check]) -> Change:
        grade = classify(change.widens, change.narrows, checks)
        effects = [
            "admits values OLD rejected" if change.widens else "",
            "rejects values OLD admitted" if change.narrows else "",
            "effect undecided" if None in (change.widens, change.narrows) else "",
        ]
        what = "; ".join(e for e in effects if e) or "the set of admitted values is unchanged"
        reason = " / ".join(_WHY[c] for c in sorted(checks))
        why = f"{change.detail}: {what} — {reason}"
        return Change(
            change.kind,
            where,
            "#" + change.pointer,
            change.path,
            change.old,
            change.new,
            grade,
            why,
        )

    def whole(
        self, check: Check, old: SchemaSpec | None, new: SchemaSpec | None, seeds: Sequence[Any]
    ) -> Comparison:
        if check is Check.FORWARD:
            return compare(new, old, names=("NEW", "OLD"), seeds=seeds, search=self.search)
        return compare(old, new, names=("OLD", "NEW"), seeds=seeds, search=self.search)

    def reconcile(
        self, where: str, pointer: str, found: list[Change], whole: dict[Check, Comparison]
    ) -> list[Change]:
        if all(c.answer is Answer.YES for c in whole.values()):
            return [
                replace(
                    c,
                    classification=Classification.NON_BREAKING,
                    why=c.why + " (checked: still compatible as a whole)",
                )
                if c.classification is not Classification.NON_BREAKING
                else c
                for c in found
            ]
        out = list(found)
        for check, comparison in sorted(whole.items()):
            if comparison.answer is Answer.YES:
                continue
            breaking = [c for c in out if c.classification is Classification.BREAKING]
            if comparison.answer is Answer.NO:
                if comparison.has_counterexample and breaking:
                    target = next(
                        (c for c in breaking if comparison.pointer.startswith(c.path)), breaking[0]
                    )
                    index = out.index(target)
                    out[index] = replace(
                        target, counterexample=comparison.counterexample, has_counterexample=True
                    )
                if not breaking:
                    out.append(
                        self.summary(where, pointer, check, comparison, Classification.BREAKING)
                    )
            elif not any(c.classification is not Classification.NON_BREAKING for c in out):
                out.append(
                    self.summary(where, pointer, check, comparison, Classification.NEEDS_REVIEW)
                )
        return out

    def summary(
        self, where: str, pointer: str, check: Check, comparison: Comparison, grade: Classification
    ) -> Change:
        note = f" ({comparison.note})" if comparison.note else ""
        extra = f"; {comparison.rejection}" if comparison.has_counterexample else ""
        return Change(
            "schema-incompatible" if grade is Classification.BREAKING else "schema-undecided",
            where,
            "#" + pointer,
            comparison.pointer,
            None,
            None,
            grade,
            f"{comparison.reason}{extra}{note} — {_WHY[check]}",
            comparison.counterexample,
            comparison.has_counterexample,
        )

    # -- operations ----------------------------------------------------------------------

    def operations(self) -> None:
        new_by_id = {op.id: op for op in self.new.operations}
        taken: set[str] = set()
        for op in self.old.operations:
            twin = new_by_id.get(op.id) or self.renamed(op, taken)
            if twin is None:
                self.add(
                    "operation-removed",
                    f"operation {op.id}",
                    op.pointer,
                    f"{op.action.value} on {op.channel_id}",
                    None,
                    Classification.BREAKING,
                    "the application no longer "
                    + ("sends" if op.action is Action.SEND else "receives")
                    + " on that channel",
                )
                continue
            taken.add(twin.id)
            if twin.id != op.id:
                self.add(
                    "operation-renamed",
                    f"operation {op.id}",
                    twin.pointer,
                    op.id,
                    twin.id,
                    Classification.NON_BREAKING,
                    "same channel and action; only the document's id changed",
                )
            if twin.action is not op.action:
                self.add(
                    "operation-action-changed",
                    f"operation {twin.id}",
                    twin.pointer,
                    op.action.value,
                    twin.action.value,
                    Classification.BREAKING,
                    "counterparts rely on the direction",
                )
            if self.channel_map.get(op.channel_id) != twin.channel_id:
                self.add(
                    "operation-moved",
                    f"operation {twin.id}",
                    twin.pointer,
                    op.channel_id,
                    twin.channel_id,
                    Classification.BREAKING,
                    "the operation now uses another channel",
                )
        for op in self.new.operations:
            if op.id not in taken:
                self.add(
                    "operation-added",
                    f"operation {op.id}",
                    op.pointer,
                    None,
                    f"{op.action.value} on {op.channel_id}",
                    Classification.NON_BREAKING,
                    "a new operation breaks no existing counterpart",
                )

    def renamed(self, op: Operation, taken: set[str]) -> Operation | None:
        if any(n.id == op.id for n in self.new.operations):
            return None
        channel = self.channel_map.get(op.channel_id)
        old_ids = {o.id for o in self.old.operations}
        return next(
            (
                n
                for n in self.new.operations
                if n.id not in taken
                and n.id not in old_ids
                and n.channel_id == channel
                and n.action is op.action
            ),
            None,
        )


def _same(x: Message, y: Message) -> bool:
    return same_message(x, [y]) is not None


def _differs(old: SchemaSpec, new: SchemaSpec) -> bool:
    return not json_equal(old.schema, new.schema)


def _dialect(schema_format: str | None) -> str:
    found = dialect_for(schema_format)
    return found if isinstance(found, str) else found.draft


def _param_schema(param: Parameter) -> SchemaSpec:
    """A parameter's values as a schema: strings (3.x has no schema), its ``enum`` applied."""
    declared = param.schema
    base: Any = {"type": "string"}
    if declared is not None and isinstance(declared.schema, dict):
        base = dict(declared.schema)
    if param.enum is not None:
        base = {**base, "enum": list(param.enum)}
    if declared is None:
        return SchemaSpec(base, "application/vnd.aai.asyncapi;version=3.0.0", "")
    return SchemaSpec(base, declared.schema_format, declared.pointer)


def describe(value: Any) -> str:
    """Compact text for an old/new value in reports (``-`` when absent)."""
    return "-" if value is None else short(value, 80)
