"""Load: 100 k messages in one test with zero loss; 1 M in one session with bounded memory.

Marked ``load`` (deselect with ``-m "not load"``); ``.ci/run`` runs them.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.load

BLAST = '''
import asyncio, json, os, resource
import nats
from publisher import GOOD, HEADERS

BODY = json.dumps(GOOD).encode()


def blast(count, subject="user/signedup"):
    """Publish ``count`` messages as fast as nats-py goes, flushed once at the end."""
    async def go():
        nc = await nats.connect(os.environ["NATS_URL"])
        for _ in range(count):
            await nc.publish(subject, BODY, headers=HEADERS)
        await nc.flush(timeout=60)
        await nc.close()
    asyncio.run(go())


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
'''


def test_100k_messages_in_one_test_none_lost(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(blast=BLAST)
    contract_pytester.makepyfile(
        test_load="""
        from blast import blast

        def test_flood():
            blast(100_000)
        """
    )
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*userSignedUp*100000*100000*0*0*user/signedup*"])


def test_a_million_messages_in_one_session_with_bounded_memory(
    contract_pytester: pytest.Pytester,
) -> None:
    contract_pytester.makepyfile(blast=BLAST)
    contract_pytester.makepyfile(
        test_million="""
        import pytest
        from blast import blast, peak_rss_mb

        @pytest.mark.parametrize("round", range(10))
        def test_round(round):
            blast(100_000)
            print(f"PEAK-RSS round={round} mb={peak_rss_mb():.1f}")
        """
    )
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi",
        "user-signup-3.0.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "-s",
    )
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines(["*userSignedUp*1000000*1000000*0*0*user/signedup*"])
    peaks = [float(m) for m in re.findall(r"PEAK-RSS round=\d+ mb=([\d.]+)", result.stdout.str())]
    assert len(peaks) == 10
    # The bound: memory is what one test's window holds; it does not grow with the session.
    # (peak RSS after round 1 already includes a full 100 k window)
    growth = peaks[-1] - peaks[1]
    print(f"peak RSS per round (MB): {peaks}")
    assert growth < 40, f"peak RSS grew {growth:.1f} MB over 8 rounds of 100 k messages: {peaks}"
