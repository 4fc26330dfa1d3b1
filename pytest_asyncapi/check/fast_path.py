"""The fast path for valid messages: a plan per destination, built once, that counts a valid
message without building check or verdict objects.

A :class:`DestinationPlan` holds what the full judge (:func:`pytest_asyncapi.check.contract.judge`)
would work out again for every message on one concrete destination: the route per spec and
per consumer, the parameter values' verdict, and per candidate message its decoder and
compiled validator. :meth:`Planner.tally` returns the ``(spec, channel, message,
destination)`` keys the message counts under when it is valid on every route, else ``None``:
the caller then runs the full judge, which alone writes violation text, picks the closest
candidate and cuts excerpts.

The plan takes only what it is sure of and hands everything else to the full judge: a frame
defect, a reply address (request/reply bookkeeping), an undeclared destination, a parameter
that breaks its schema, a channel without messages. A candidate is "valid" here exactly when
:func:`~pytest_asyncapi.check.message_check.check_message` would say VALID: the payload is decoded
and validated directly, with the duplicate-key screen (a failure costs no violation list);
a record with headers, or a candidate with header or key rules, then goes through
``check_message`` itself (still without verdict objects). The common case (one route, one
JSON candidate without header rules, a plain message) is :class:`PlainCount`'s: it needs only
the destination and the payloads, so a NATS drain counts with it before building records.
The equivalence with the full judge is a test (``tests/model/test_fast_path.py``), not an
assumption.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi.check.json_duplicates import duplicate_key_violations
from pytest_asyncapi.check.message_check import check_message, decode_payload, is_json_content_type
from pytest_asyncapi.schemas.compile import (
    CheckResult,
    JsonSchemaValidator,
    Verdict,
    compile_schema,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.routing import Route, Router
    from pytest_asyncapi.spec.model import Message

Tally = tuple[str, str, str, str]
"""(spec source, channel id, message name, destination): what a valid verdict counts under."""

Common = tuple["Callable[[Any], bool] | None", Tally]
"""A destination planned as one route with one direct JSON candidate: its trusted validator
(``None``: no payload schema; it may raise ``ValueError`` for False) and its tally."""
Simple = dict[str, Common]

PLAN_CACHE_LIMIT = 50_000
"""Destinations planned by a :class:`Planner`; past it the cache starts over (bounded memory
when a service publishes to endlessly many distinct destinations)."""


@dataclass(frozen=True)
class Candidate:
    """One declared message a record may be: how to tell, cheaply, that it is valid."""

    message: Message
    direct: bool
    """No header or key rule: decoding + the payload validator decide alone."""
    validator: Any
    """``is_valid`` of the compiled payload schema (``None``: no payload schema)."""
    json: bool
    """A JSON content type: an object that repeats a key is invalid."""
    trusted: Callable[[Any], bool] | None
    """``validator(value, trusted=True)`` as one callable, which may raise ``ValueError``
    where the validator says False (``None``: no payload schema)."""

    def accepts(self, captured: Captured, check_key: bool) -> bool:
        """Would ``check_message`` give this record the verdict VALID?

        The payload is screened first (decode + ``is_valid``: no violation list for a record
        that fails). A record with headers, or a candidate with header or key rules, then
        goes through ``check_message`` itself, so every rule it applies applies here too.
        """
        if self.direct and self.json and not captured.headers and not captured.tombstone:
            # the common case, inlined: JSON, no headers, no header or key rules
            raw = captured.payload
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return False
            if self.validator is not None and not self.validator(value, trusted=True):
                return False
            return not duplicate_key_violations(raw, value)
        payload = None if captured.tombstone else captured.payload
        value = decode_payload(self.message, payload)
        if isinstance(value, CheckResult):
            return False  # not decodable (invalid) or not checkable (unchecked)
        if self.validator is not None and not self.validator(value, trusted=True):
            return False
        if payload is not None and self.json and duplicate_key_violations(payload, value):
            return False
        if self.direct and not captured.headers:
            return True
        check = check_message(
            self.message,
            payload,
            captured.headers or (),
            captured.key,
            check_key=check_key,
        )
        return check.verdict is Verdict.VALID


@dataclass(frozen=True)
class RoutePlan:
    """One route the full judge would judge the destination on."""

    candidates: tuple[Candidate, ...]
    tallies: tuple[Tally, ...]
    """One per candidate, in the same order."""

    def first_valid(self, captured: Captured, check_key: bool) -> Tally | None:
        """The tally of the first candidate that accepts the record (the judge's choice)."""
        for candidate, tally in zip(self.candidates, self.tallies, strict=True):
            if candidate.accepts(captured, check_key):
                return tally
        return None


@dataclass(frozen=True)
class DestinationPlan:
    """Every route of one destination, in the judge's order; ``None`` routes: full judge."""

    routes: tuple[RoutePlan, ...] | None


class PlainCount:
    """Counts plain messages (no defect, reply, headers; not a tombstone) on destinations of
    the common case (:data:`Simple`), from their destination and payload alone: no record.

    Called with a destination and the payloads of plain messages sent there, it counts the
    valid ones (:meth:`take` returns the counts) and returns the indices of the others, in
    order, for the caller to give their records to the full judge; ``None`` when the
    destination is not the common case (planned on first sight): nothing counted."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.simple = planner.simple
        self.hits: dict[str, list[Any]] = {}
        """Per destination: [its tally, how many valid messages]."""

    def __call__(self, destination: str, payloads: Sequence[bytes]) -> list[int] | None:
        one = self.simple.get(destination)
        if one is None:
            one = self.planner.common(destination)
            if one is None:
                return None
        check, tally = one
        loads = orjson.loads
        dumps = orjson.dumps
        rest: list[int] = []
        for i, raw in enumerate(payloads):
            try:  # a JSONDecodeError is a ValueError
                value = loads(raw)
                if check is not None and not check(value):
                    rest.append(i)
                    continue
            except ValueError:
                rest.append(i)
                continue
            # the payload as orjson writes it again: then no key repeats (see json_duplicates)
            if dumps(value) != raw and duplicate_key_violations(raw, value):
                rest.append(i)
        valid = len(payloads) - len(rest)
        if valid:
            hit = self.hits.get(destination)
            if hit is None:
                self.hits[destination] = [tally, valid]
            else:
                hit[1] += valid
        return rest

    def take(self) -> Counter[Tally]:
        """The counts since the previous ``take``."""
        valid: Counter[Tally] = Counter()
        for key, n in self.hits.values():
            valid[key] += n
        self.hits = {}
        return valid


class Planner:
    """Plans destinations once (cached) and tallies valid messages with them."""

    def __init__(
        self,
        router: Router,
        *,
        check_key: bool = False,
        consumers: Sequence[tuple[str, Router]] = (),
    ) -> None:
        self.router = router
        self.check_key = check_key
        self.consumers = list(consumers)
        self._plans: dict[str, DestinationPlan] = {}
        self._candidates: dict[int, Candidate] = {}
        self.simple: Simple = {}
        """Destinations planned as the common case (see :data:`Simple`); cleared in place."""

    def count(self, records: Sequence[Captured]) -> tuple[Counter[Tally], list[Captured]]:
        """Count the valid records; return the counts and, in order, the records the full
        judge must see. The same verdicts as :meth:`tally` per record; runs of plain records
        to one destination of the common case go to :class:`PlainCount` together."""
        valid: Counter[Tally] = Counter()
        rest: list[Captured] = []
        simple = self.simple
        plain = PlainCount(self)
        tally = self.tally
        run: list[Captured] = []
        """Consecutive plain records to one destination of the common case."""
        for record in records:
            destination = record.destination
            if (
                destination in simple
                and record.defect is None
                and record.reply is None
                and not record.headers
                and not record.tombstone
            ):
                if run and run[0].destination != destination:
                    _count_run(plain, run, rest)
                    run = []
                run.append(record)
                continue
            if run:
                _count_run(plain, run, rest)
                run = []
            keys = tally(record)
            if keys is None:
                rest.append(record)
                continue
            for key in keys:
                valid[key] += 1
        if run:
            _count_run(plain, run, rest)
        valid.update(plain.take())
        return valid, rest

    def tally(self, captured: Captured) -> list[Tally] | None:
        """The keys a valid record counts under (one per route), or ``None``: full judge."""
        if captured.defect is not None or captured.reply is not None:
            return None
        plan = self._plans.get(captured.destination)
        if plan is None:
            plan = self.plan(captured.destination)
        routes = plan.routes
        if routes is None:
            return None
        found: list[Tally] = []
        for route in routes:
            tally = route.first_valid(captured, self.check_key)
            if tally is None:
                return None
            found.append(tally)
        return found

    def common(self, destination: str) -> Common | None:
        """The entry of ``destination`` in :attr:`simple`, planning it on first sight;
        ``None``: not the common case, or planning failed (the full judge reports why)."""
        if destination in self._plans:
            return self.simple.get(destination)
        try:
            self.plan(destination)
        except Exception:  # e.g. a schema that does not compile: judged (and named) in full
            return None
        return self.simple.get(destination)

    def plan(self, destination: str) -> DestinationPlan:
        """Work out (and cache) the plan of ``destination``."""
        if len(self._plans) >= PLAN_CACHE_LIMIT:
            self._plans.clear()
            self.simple.clear()
        plan = DestinationPlan(self._routes(destination))
        self._plans[destination] = plan
        if plan.routes is not None and len(plan.routes) == 1:
            route = plan.routes[0]
            only = route.candidates[0]
            if len(route.candidates) == 1 and only.direct and only.json:
                self.simple[destination] = (only.trusted, route.tallies[0])
        return plan

    def _routes(self, destination: str) -> tuple[RoutePlan, ...] | None:
        chosen = [
            (route, values, route.channel.messages)
            for route, values in one_route_per_spec(self.router.match(destination))
        ]
        if not chosen:
            return None  # undeclared
        for _name, consumer_router in self.consumers:
            chosen += [
                (route, values, route.spec.received_messages(route.channel))
                for route, values in one_route_per_spec(consumer_router.match(destination))
            ]
        plans = []
        for route, values, messages in chosen:
            if not messages or not _parameters_valid(route, values):
                return None
            spec, channel = str(route.spec.source), route.channel.id
            plans.append(
                RoutePlan(
                    tuple(self._candidate(m) for m in messages),
                    tuple((spec, channel, m.display_name, destination) for m in messages),
                )
            )
        return tuple(plans)

    def _candidate(self, message: Message) -> Candidate:
        found = self._candidates.get(id(message))
        if found is None or found.message is not message:
            validator = trusted = None
            if message.payload is not None:
                compiled = compile_schema(message.payload)
                validator = compiled.is_valid
                trusted = (
                    compiled.trusted_is_valid
                    if isinstance(compiled, JsonSchemaValidator)
                    else functools.partial(compiled.is_valid, trusted=True)
                )
            direct = message.headers is None and not (
                self.check_key and message.key_schema is not None
            )
            json = is_json_content_type(message.content_type)
            found = Candidate(message, direct, validator, json, trusted)
            self._candidates[id(message)] = found
        return found


def _count_run(plain: PlainCount, run: list[Captured], rest: list[Captured]) -> None:
    """Count ``run`` (plain records to one planned common-case destination) with ``plain``."""
    left = plain(run[0].destination, [record.payload for record in run])
    assert left is not None  # the destination is in ``simple``
    rest.extend(run[i] for i in left)


def one_route_per_spec(
    matches: Sequence[tuple[Route, dict[str, str]]],
) -> list[tuple[Route, dict[str, str]]]:
    """Per spec, the most specific matching channel: fewest parameters, then first declared."""
    best: dict[int, tuple[Route, dict[str, str]]] = {}
    for route, values in matches:
        current = best.get(id(route.spec))
        if current is None or len(values) < len(current[1]):
            best[id(route.spec)] = (route, values)
    return list(best.values())


def _parameters_valid(route: Route, values: dict[str, str]) -> bool:
    for name, value in values.items():
        parameter = route.channel.parameter(name)
        if parameter is None or parameter.schema is None:
            continue
        if not compile_schema(parameter.schema).is_valid(value):
            return False
    return True
