"""``diff OLD NEW`` on realistic document pairs: one assertion per rule and direction.

orders-v1 -> orders-v2 makes the same schema changes to a message the service SENDS
(OrderCreated) and to one it RECEIVES (PaymentCaptured): a change that widens what is admitted
breaks the sent message's readers, a change that narrows it breaks the received message's senders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.compat.diff import Classification, DiffReport, Mode, diff
from pytest_asyncapi.compat.render import diff_markdown
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.options import LoadOptions
from tests.support.compat import FIXTURES, ROOT, run_cli, run_json
from tests.support.corpus import CORPUS

BREAKING = Classification.BREAKING
OK = Classification.NON_BREAKING
REVIEW = Classification.NEEDS_REVIEW
SENT = "message OrderCreated > payload"
RECEIVED = "message PaymentCaptured > payload"


@pytest.fixture(scope="module")
def orders() -> DiffReport:
    return diff(load_spec(FIXTURES / "orders-v1.yaml"), load_spec(FIXTURES / "orders-v2.yaml"))


def found(report: DiffReport, kind: str, where: str, path: str = "") -> Classification:
    hits = [c for c in report.changes if c.kind == kind and where in c.where and c.path == path]
    assert len(hits) == 1, [(c.kind, c.where, c.path) for c in report.changes]
    return hits[0].classification


# (kind, value path on the sent message, on the received message, what the change does)
SCHEMA_RULES = [
    ("required-added", "/channel", "/method", "narrows"),
    ("required-removed", "/customerId", "/orderId", "widens"),
    ("enum-values-added", "/currency", "/currency", "widens"),
    ("enum-values-removed", "/channel", "/method", "narrows"),
    ("type-changed", "/quantity", "/attempts", "widens"),
    ("type-changed", "/discount", "/fee", "narrows"),
    ("additionalProperties-loosened", "/customer/*", "/payer/*", "widens"),
    ("additionalProperties-tightened", "/shipping/*", "/billing/*", "narrows"),
    ("format-added", "/createdAt", "/capturedAt", "narrows"),
    ("format-removed", "/orderId", "/paymentId", "widens"),
    ("maxLength-raised", "/note", "/note", "widens"),
    ("minimum-raised", "/total", "/amount", "narrows"),
    ("property-added", "/giftWrap", "/expedite", "widens"),
    ("property-removed", "/couponCode", "/voucher", "narrows"),
]


@pytest.mark.parametrize(
    ("kind", "sent_path", "received_path", "does"),
    SCHEMA_RULES,
    ids=[f"{r[0]}:{r[3]}" for r in SCHEMA_RULES],
)
def test_schema_rule_is_classified_by_direction(
    orders: DiffReport, kind: str, sent_path: str, received_path: str, does: str
) -> None:
    widens = does == "widens"
    assert found(orders, kind, SENT, sent_path) is (BREAKING if widens else OK)
    assert found(orders, kind, RECEIVED, received_path) is (OK if widens else BREAKING)


@pytest.mark.parametrize(
    ("kind", "where", "expected"),
    [
        ("channel-removed", "channel legacyAudit", BREAKING),
        ("channel-added", "channel inventoryEvents", OK),
        ("channel-renamed", "channel paymentEvents", OK),
        ("address-changed", "channel orderCommands", BREAKING),
        ("message-removed", "message OrderCancelled", BREAKING),
        ("message-added", "message OrderShipped", BREAKING),
        ("content-type-changed", "message PlaceOrder", BREAKING),
        ("operation-removed", "operation publishAudit", BREAKING),
        ("operation-added", "operation publishInventory", OK),
        ("operation-renamed", "operation onPaymentCaptured", OK),
        ("enum-values-added", "parameter region", BREAKING),
    ],
)
def test_structure_rule(
    orders: DiffReport, kind: str, where: str, expected: Classification
) -> None:
    assert found(orders, kind, where) is expected


@pytest.mark.parametrize(
    ("kind", "where", "path", "expected"),
    [
        ("required-added", "OrderCreated > headers", "/schema-version", OK),
        ("required-removed", "PaymentCaptured > headers", "/idempotency-key", OK),
        ("type-changed", "OrderCreated > key", "", BREAKING),
        ("pattern-added", "PaymentCaptured > key", "", BREAKING),
    ],
)
def test_headers_and_keys(
    orders: DiffReport, kind: str, where: str, path: str, expected: Classification
) -> None:
    assert found(orders, kind, where, path) is expected


def test_breaking_payload_change_carries_a_verified_counterexample(orders: DiffReport) -> None:
    old = load_spec(FIXTURES / "orders-v1.yaml").channel("paymentEvents").message("PaymentCaptured")
    new = load_spec(FIXTURES / "orders-v2.yaml").channel("payments").message("PaymentCaptured")
    carried = [c for c in orders.changes if RECEIVED in c.where and c.has_counterexample]
    assert len(carried) == 1
    payload = carried[0].counterexample
    assert old.payload is not None
    assert new.payload is not None
    # a received message breaks when OLD admits a payload NEW rejects
    assert compile_schema(old.payload).check(payload).verdict is Verdict.VALID
    assert compile_schema(new.payload).check(payload).verdict is Verdict.INVALID


@pytest.mark.parametrize(
    ("mode", "sent_widening", "sent_narrowing", "received_widening", "received_narrowing"),
    [
        (Mode.AUTO, BREAKING, OK, OK, BREAKING),
        (Mode.FORWARD, BREAKING, OK, BREAKING, OK),
        (Mode.BACKWARD, OK, BREAKING, OK, BREAKING),
        (Mode.FULL, BREAKING, BREAKING, BREAKING, BREAKING),
    ],
)
def test_modes(
    mode: Mode,
    sent_widening: Classification,
    sent_narrowing: Classification,
    received_widening: Classification,
    received_narrowing: Classification,
) -> None:
    report = diff(
        load_spec(FIXTURES / "orders-v1.yaml"),
        load_spec(FIXTURES / "orders-v2.yaml"),
        mode=mode,
        search=False,
    )
    assert found(report, "enum-values-added", SENT, "/currency") is sent_widening
    assert found(report, "required-added", SENT, "/channel") is sent_narrowing
    assert found(report, "enum-values-added", RECEIVED, "/currency") is received_widening
    assert found(report, "required-added", RECEIVED, "/method") is received_narrowing


def test_asyncapi_2_pair_is_direction_aware() -> None:
    report = diff(
        load_spec(FIXTURES / "signup-2.6-v1.yaml"),
        load_spec(FIXTURES / "signup-2.6-v2.yaml"),
        search=False,
    )
    sent, received = "message UserSignedUp", "message DeleteUser"
    assert found(report, "required-added", sent, "/plan") is OK
    assert found(report, "required-added", received, "/reason") is BREAKING
    assert found(report, "enum-values-added", sent, "/plan") is BREAKING
    assert found(report, "enum-values-added", received, "/reason") is OK
    assert found(report, "maxItems-raised", sent, "/tags") is BREAKING
    assert found(report, "maxItems-raised", received, "/tags") is OK
    assert found(report, "channel-removed", "channel user/legacy-report") is BREAKING


def test_change_compatible_as_a_whole_is_non_breaking(tmp_path: Path) -> None:
    # moving a constraint into allOf changes keywords but not the admitted payloads
    old = (FIXTURES / "signup-2.6-v1.yaml").read_text()
    new = old.replace(
        "        required: [userId, email]\n",
        "        allOf:\n          - required: [userId]\n          - required: [email]\n",
    )
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(new)
    report = diff(load_spec(tmp_path / "old.yaml"), load_spec(tmp_path / "new.yaml"))
    assert report.changes, "the keyword changes are listed"
    assert {c.classification for c in report.changes} == {OK}


def test_cli_markdown_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    v1, v2 = str(FIXTURES / "orders-v1.yaml"), str(FIXTURES / "orders-v2.yaml")
    code, out, _ = run_cli(capsys, "diff", v1, v2, "--no-search")
    assert code == 1
    assert "## Breaking" in out
    assert (
        "**required-added** channel payments > message PaymentCaptured > payload `/method`" in out
    )
    code, data = run_json(capsys, "diff", v1, v2, "--mode", "backward", "--no-search")
    assert code == 1
    assert data["mode"] == "backward"
    assert data["summary"]["breaking"] == sum(
        c["classification"] == "breaking" for c in data["changes"]
    )
    first = data["changes"][0]
    assert {"kind", "classification", "where", "pointer", "path", "old", "new", "why"} <= set(first)
    code, out, _ = run_cli(capsys, "diff", v1, v1)
    assert (code, "No changes." in out) == (0, True)


def test_cli_exit_3_when_only_undecided(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # an equivalent rewrite of a pattern: inclusion of regular expressions is not decided
    old = (FIXTURES / "signup-2.6-v1.yaml").read_text()
    changed = old.replace(
        "          userId: {type: string}\n",
        "          userId: {type: string, pattern: '^(u|v)'}\n",
    )
    (tmp_path / "old.yaml").write_text(changed)
    (tmp_path / "new.yaml").write_text(changed.replace("'^(u|v)'", "'^(v|u)'"))
    code, data = run_json(capsys, "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    assert code == 3, data
    assert {c["classification"] for c in data["changes"]} == {"needs review"}


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "diff", str(tmp_path / "missing.yaml"), str(tmp_path / "x.yaml"))
    assert code == 2
    assert "missing.yaml" in err
    with pytest.raises(SystemExit):
        run_cli(capsys, "diff", "a.yaml", "b.yaml", "--mode", "sideways")


SAMPLES = ROOT / "sample_specs"


@pytest.mark.parametrize(
    "sample",
    [*sorted(SAMPLES.glob("*.yaml")), SAMPLES / "split" / "asyncapi.yaml"],
    ids=lambda p: p.name if p.parent == SAMPLES else "split",
)
def test_sample_spec_against_itself_has_no_changes(sample: Path) -> None:
    report = diff(load_spec(sample), load_spec(sample))
    assert report.changes == ()
    assert "No changes." in diff_markdown(report)


CORPUS_PAIRS = [
    (
        "asyncapi-spec-v2.6.0/examples/streetlights-kafka.yml",
        "asyncapi-spec-v3.0.0/examples/streetlights-kafka-asyncapi.yml",
    ),
    (
        "asyncapi-spec-v2.6.0/examples/streetlights-mqtt.yml",
        "asyncapi-spec-v3.0.0/examples/streetlights-mqtt-asyncapi.yml",
    ),
]


@pytest.mark.parametrize("pair", CORPUS_PAIRS, ids=lambda p: p[0].rsplit("/", 1)[1])
def test_corpus_versions_of_the_same_api(pair: tuple[str, str]) -> None:
    old_path, new_path = (CORPUS / p for p in pair)
    if not old_path.exists() or not new_path.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    report = diff(load_spec(old_path, LoadOptions()), load_spec(new_path, LoadOptions()))
    # 2.6 -> 3.0 rewrote the documents without changing the API: channels got ids, nothing broke
    assert report.count(BREAKING) == 0, diff_markdown(report)
    assert report.count(REVIEW) == 0, diff_markdown(report)
    assert any(c.kind == "channel-renamed" for c in report.changes)
