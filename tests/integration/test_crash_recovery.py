"""Crash recovery in CI: ``facsim serve`` killed with SIGKILL mid-burst, restarted, checked.

One small round of :class:`simulator.faults.drill.CrashDrill` (``bench/crash_recovery.py`` runs
many at full speed): three firms pipelining reports on a TRACE and a Nasdaq TRF port, the server
killed once a part of the acknowledgements has arrived, restarted on the same data directory.
Before the kill a tester logs in to the web front and enrols a phone for text-message codes;
after the restart the same browser is still logged in and the phone is still enrolled.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from simulator.faults.drill import CrashDrill

pytestmark = pytest.mark.slow


def test_a_killed_server_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    drill = CrashDrill(tmp_path)
    result = asyncio.run(drill.round(burst=400, kill_after=600))
    assert result.ok, result.problems
    # the kill was mid-burst: some reports were acknowledged before it, the rest after
    assert 600 <= result.acked_before_kill < result.sent
    # every acknowledged report is journaled exactly once, and nothing is half-written
    assert result.duplicates == 0 and result.acked_not_journaled == 0
    assert result.half_written == 0 and result.integrity == "ok"
    # everything the firms were told is in the journal; what is neither journaled nor
    # acknowledged is all that was lost (the firms never saw an acknowledgement for it)
    assert result.acked_total <= result.journaled
    assert result.sent == result.journaled + result.lost_unacknowledged
    # the sessions resumed their numbers; a ResendRequest from 1 was answered from the store
    assert result.sequences_resumed and result.store_covers_acks
    assert result.resent_from_store >= 400
    # the web front's accounts are there after the restart, the tester is still logged in to
    # TRAQS with the cookie from before the kill (same CSRF token), and the phone enrolled
    # before the kill is still the account's text-message factor
    assert result.web_account is True
    assert result.web_session is True
    assert result.web_change is True
