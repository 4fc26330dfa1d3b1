"""One pytest session's contract machinery: specs, broker, adapter, recorder.

Imported only when ``--asyncapi`` is given. Started lazily at the first test's setup, so
``pytest --co`` never starts a broker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers.registry import describe, descriptions, names
from pytest_asyncapi.check.coverage import Coverage
from pytest_asyncapi.check.coverage import compute as compute_coverage
from pytest_asyncapi.check.recorder import Recorder
from pytest_asyncapi.check.results import RunResults, window_record
from pytest_asyncapi.errors import AsyncAPIContractError, BrokerError, SpecError
from pytest_asyncapi.masking import mask
from pytest_asyncapi.options import SettingsError
from pytest_asyncapi.reporting.terminal import render_replies
from pytest_asyncapi.routing import (
    Router,
    build_routes,
    consumer_routes,
    declared_protocol,
    declared_protocol_names,
    machinery,
)
from pytest_asyncapi.spec.loader import load_spec, shown
from pytest_asyncapi.spec.options import LoadOptions

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_asyncapi.brokers.provision import ProvisionedBroker
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.spec.model import Spec
    from pytest_asyncapi.spec.official_schema import CheckCache


@dataclass(frozen=True)
class BrokerInfo:
    """What the ``asyncapi_broker`` fixture gives a test: where the broker is."""

    url: str
    protocol: str
    source: str
    env_var: str

    @property
    def servers(self) -> str:
        """``host:port[,host:port]`` without the scheme (Kafka bootstrap servers)."""
        return self.url.split("://", 1)[1]


class ContractSession:
    """Loads the specs at once; provisions the broker on first use."""

    def __init__(self, settings: Settings, *, check_cache: CheckCache | None = None) -> None:
        """``check_cache``: where official-schema check results are kept between runs."""
        self.settings = settings
        options = LoadOptions(
            allow_url_refs=settings.allow_url_refs,
            url_map=settings.ref_map,
            allow_outside_root=settings.allow_outside_root,
            project_roots=(settings.rootdir,) if settings.rootdir is not None else (),
            client_view=settings.client_view,
            max_bytes=settings.limits.get("max_bytes", LoadOptions.max_bytes),
            max_depth=settings.limits.get("max_depth", LoadOptions.max_depth),
            max_aliases=settings.limits.get("max_aliases", LoadOptions.max_aliases),
            check_cache=check_cache,
        )
        if settings.schema_registry is not None:
            from pytest_asyncapi.schemas.registry import set_registry_url

            set_registry_url(settings.schema_registry)
        self.specs: list[Spec] = [load_spec(shown(path), options) for path in settings.specs]
        self.consumer_notes: list[str] = []
        self.consumers: list[tuple[str, Spec]] = [
            (name, self._consumer(name, path, options)) for name, path in settings.consumers.items()
        ]
        self.protocol = self._protocol()
        routes, self.dynamic = build_routes(
            self.specs,
            self.protocol,
            slash_to_dot=settings.slash_to_dot,
            overrides=settings.destinations,
        )
        self._check_overrides()
        self.router = Router(routes, machinery=machinery(self.protocol))
        self.consumer_routers = [
            (name, Router(consumer_routes(spec, self.protocol, settings.slash_to_dot)))
            for name, spec in self.consumers
        ]
        self.recorder: Recorder | None = None
        self.broker: ProvisionedBroker | None = None
        self.info: BrokerInfo | None = None
        self.failure: str | None = None
        self.results = RunResults()
        self.remote_brokers: list[str] = []

    def _consumer(self, name: str, path: Path, options: LoadOptions) -> Spec:
        """A consumer's AsyncAPI document, or its pact turned into one (``pact/``)."""
        from pytest_asyncapi.pact.reader import is_pact_file

        if not is_pact_file(path):
            return load_spec(shown(path), options)
        from pytest_asyncapi.pact.consumer import load_pact_consumer

        pact = load_pact_consumer(shown(path), self.specs, self.settings.pact_map)
        if pact.unmapped:
            lines = "\n".join(f"  {item.label}: {why.render()}" for item, why in pact.unmapped)
            raise SpecError(
                f"consumer {name}: {len(pact.unmapped)} pact interaction(s) match no message "
                f"of the provider's document:\n{lines}",
                file=shown(path),
                hint="name the destination in the interaction's metadata, or pair it with "
                "--asyncapi-pact-map DESCRIPTION=CHANNEL[/MESSAGE]",
            )
        for item in pact.items:
            if item.expectations is None and item.role != "request":
                self.consumer_notes.append(
                    f"consumer {name}: {item.label}: contents of type "
                    f"{item.contents.content_type} are not checked"
                )
            elif item.expectations is not None:
                self.consumer_notes.extend(
                    f"consumer {name}: {item.label}: {u.render()}"
                    for u in item.expectations.unchecked
                )
        return pact.spec

    def findings(self) -> list[str]:
        """Document findings and unchecked consumer expectations, for the session header
        (lenient mode: warnings)."""
        return [f.render() for spec in self.specs for f in spec.findings] + self.consumer_notes

    def start(self) -> Recorder:
        """The recorder, provisioning the broker on the first call."""
        if self.failure is not None:
            raise BrokerError(f"the broker is unavailable (see the first error): {self.failure}")
        if self.recorder is not None:
            return self.recorder
        from pytest_asyncapi import collector

        try:
            with collector.paused():  # imports, a broker, a capture: long-lived objects
                self.recorder = self._start()
        except AsyncAPIContractError as error:
            self.failure = str(error).splitlines()[0]
            raise
        return self.recorder

    def _start(self) -> Recorder:
        from pytest_asyncapi.brokers.preload import preloading
        from pytest_asyncapi.brokers.provision import provision

        settings = self.settings
        described = describe(self.protocol)
        mode = settings.broker_url if settings.broker == "url" else settings.broker
        assert mode is not None
        with preloading(described.preload):  # the capture's imports while the broker starts
            self.broker = provision(
                self.protocol,
                mode,
                image=settings.image,
                startup_timeout=settings.startup_timeout,
                **described.provision_options(settings),
            )
        endpoint = self.broker.endpoint
        described.prepare_session(endpoint.url, settings)
        env_var = settings.broker_env or described.env_var
        self.info = BrokerInfo(endpoint.url, self.protocol, endpoint.source, env_var)
        os.environ[env_var] = described.env_value(endpoint.url, endpoint.servers)
        adapter = described.session_capture(endpoint.url, settings, self.router.routes)
        recorder = Recorder(
            self.specs,
            adapter,
            self.router,
            check_key=described.has_keys,
            consumers=self.consumer_routers,
        )
        recorder.start()
        return recorder

    @property
    def ran_tests(self) -> bool:
        """Did this process (or, under xdist, any worker) run tests with the plugin?"""
        return self.recorder is not None or self.results.tests > 0 or bool(self.remote_brokers)

    def finish(self, worker_output: dict[str, Any] | None) -> None:
        """Judge what arrived after the last test; a worker hands it to the controller."""
        record = None
        if self.recorder is not None:
            try:
                late = self.recorder.finish()
            except BrokerError as error:
                self.failure = self.failure or str(error).splitlines()[0]
                late = None
            record = window_record(late, between=True) if late is not None else None
        if worker_output is None:
            if record is not None:
                self.results.add(record)
            return
        worker_output["asyncapi"] = {
            "record": record,
            "broker": self.broker_lines(),
        }

    def absorb_worker(self, output: dict[str, Any]) -> None:
        """Merge an xdist worker's end-of-session output (see :meth:`finish`)."""
        if output.get("record"):
            self.results.add(output["record"])
        self.remote_brokers += [f"[worker] {line}" for line in output.get("broker", [])]

    def broker_lines(self) -> list[str]:
        lines = []
        if self.broker is not None:
            lines.append(f"broker: {self.broker.description}")
            lines += [f"  (auto skipped: {reason})" for reason in self.broker.fallbacks]
        if self.recorder is not None:
            lines += self.recorder.adapter.notes()
        if self.failure:
            lines.append(f"broker lost during the session: {self.failure}")
        from pytest_asyncapi.schemas.binary import writer_schema_note

        note = writer_schema_note(self.specs)
        if note is not None:
            lines.append(note)
        return [mask(line) for line in lines + self.remote_brokers]

    def coverage(self) -> Coverage:
        return compute_coverage(self.specs, self.results, consumers=self.consumers)

    def verdict_lines(self) -> list[str]:
        """Coverage and run-level failures, for the summary."""
        coverage = self.coverage()
        lines = []
        if coverage.percent is not None:
            sent = coverage.sent
            covered = sum(m.covered for m in sent)
            lines.append(
                f"coverage: {coverage.percent:.0f}% of sent messages seen ({covered}/{len(sent)})"
            )
        lines += [
            f"  never seen: {m.spec} · {m.channel} · {m.message}" for m in coverage.never_seen
        ]
        lines += [
            f"  never driven (receive): {m.spec} · {m.channel} · {m.message}"
            for m in coverage.never_driven
        ]
        lines += [
            f"  consumer {m.consumer} never saw: {m.channel} · {m.message}"
            for m in coverage.expectations
            if not m.covered
        ]
        lines += render_replies(self.results)
        minimum = self.settings.coverage_min
        if minimum is not None and (coverage.percent or 0.0) < minimum:
            lines.append(
                f"FAILED: coverage {coverage.percent or 0:.0f}% is below "
                f"--asyncapi-coverage-min {minimum:g}%"
            )
        if self.results.stray_violations:
            lines.append(
                f"FAILED: {self.results.stray_violations} violation(s) in messages published "
                "between tests (see above)"
            )
        return lines + self._no_traffic_lines()

    def _no_traffic_lines(self) -> list[str]:
        """A session whose tests ran on a working broker but saw nothing on any declared
        channel checked nothing: say so (a warning; a failure under ``--asyncapi-strict``)."""
        results = self.results
        seen = sum(c.seen for c in results.channels.values())
        if not results.tests or seen or results.published or self.failure is not None:
            return []
        env_var = self.settings.broker_env or describe(self.protocol).env_var
        undeclared = sum(results.undeclared.values())
        lines = [
            f"{'FAILED' if self.settings.strict else 'WARNING'}: no message was seen on any "
            f"declared channel in {results.tests} test(s): nothing was checked",
            "  likely causes: the service publishes to an in-memory test client (FastStream's "
            "TestNatsBroker / TestKafkaBroker, a mock) instead of the broker; or it does not read "
            f"the broker URL from {env_var} (the variable the plugin sets)",
        ]
        if undeclared:
            lines.append(
                f"  {undeclared} message(s) arrived on destinations no channel declares: check "
                "the channel addresses (--asyncapi-slash-to-dot, --asyncapi-destination)"
            )
        return lines

    def fails_run(self) -> bool:
        """Run-level failures: stray violations, coverage below the minimum."""
        return any(line.startswith("FAILED") for line in self.verdict_lines())

    def report(self) -> dict[str, Any]:
        """The run's report document (``reporting/report.py``)."""
        from pytest_asyncapi.reporting.report import build_report

        return build_report(
            self.specs,
            self.results,
            self.coverage(),
            broker=self.broker_lines(),
            consumers=self.consumers,
            gate={
                "strict": self.settings.strict,
                "coverage_min": self.settings.coverage_min,
                "failed": bool(self.results.failing_tests) or self.fails_run(),
                "reasons": [
                    line.removeprefix("FAILED: ")
                    for line in self.verdict_lines()
                    if line.startswith("FAILED")
                ]
                + [f"{len(self.results.failing_tests)} test(s) broke the contract"]
                * bool(self.results.failing_tests),
            },
        )

    def write_reports(self) -> None:
        """The JSON, HTML and Markdown reports the settings ask for, and the GitHub Actions job
        summary when ``GITHUB_STEP_SUMMARY`` is set."""
        settings = self.settings
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        paths = (settings.report_json, settings.report_html, settings.report_md)
        if all(p is None for p in paths) and not summary:
            return
        report = self.report()
        if settings.report_json is not None:
            from pytest_asyncapi.reporting.report import write_json

            write_json(report, settings.report_json)
        if settings.report_html is not None:
            from pytest_asyncapi.reporting.html import write_html

            write_html(report, settings.report_html)
        if settings.report_md is not None or summary:
            from pytest_asyncapi.reporting.markdown import append_job_summary, render_markdown

            markdown = render_markdown(report)
            if settings.report_md is not None:
                settings.report_md.parent.mkdir(parents=True, exist_ok=True)
                settings.report_md.write_text(markdown, encoding="utf-8")
            append_job_summary(markdown)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.adapter.close()
        if self.broker is not None:
            self.broker.stop()

    def _protocol(self) -> str:
        protocol = self.settings.protocol or declared_protocol(self.specs)
        if protocol is None:
            raise SettingsError(
                "cannot tell which broker to start: the specs' servers declare protocol(s) "
                f"{declared_protocol_names(self.specs)}; pass "
                + " or ".join(f"--asyncapi-protocol {name}" for name in names())
                + ", or a broker URL ("
                + ", ".join(f"{scheme}://" for d in descriptions() for scheme in d.schemes)
                + ") that says it"
            )
        return protocol

    def _check_overrides(self) -> None:
        known = {c.id for spec in self.specs for c in spec.channels}
        unknown = sorted(set(self.settings.destinations) - known)
        if unknown:
            raise SettingsError(
                f"--asyncapi-destination names unknown channel(s) {', '.join(unknown)}; "
                f"channels: {', '.join(sorted(known))}"
            )

    def route_labels(self) -> dict[str, str]:
        """``spec#channel`` -> the destination captured for it (for the summary)."""
        return {f"{r.spec.source}#{r.channel.id}": r.pattern for r in self.router.routes}
