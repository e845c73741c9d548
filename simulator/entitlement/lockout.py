"""Account lockout as pure functions of recent failures and ``now`` (FAQ Q34, Q71, Q72).

Q34: "Five incorrect password attempts within one hour will result in a locked account. The
account will auto-unlock after one hour. Accounts can be unlocked sooner than one hour if a user
contacts their SAA or AA. If it is an SAA account, the SAA needs to contact the FINRA Support
Center."

Exact reading used here, to the nanosecond of the simulated clock:

* a failure at ``t`` counts while ``now - t < 1 hour``; the fifth counted failure locks the
  account (so failures at 09:00:00 and 09:59:59.999999999 are "within one hour", one at 10:00:00
  is not);
* the lock lasts exactly one hour: locked while ``now < locked_at + 1 hour``;
* a successful login clears the failures.

Security questions (Q71): a wrong answer gives another attempt at the same question, a second
wrong answer moves to a different question, and "eventually" the account locks. **INFERENCE**:
the account locks after both attempts at each of the three questions fail (six wrong answers
in a row); such a lock does not expire by itself -- the SAA/AA unlocks it and the user must reset
the questions (Q72).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.clock import HOUR

MAX_PASSWORD_FAILURES = 5
FAILURE_WINDOW_NS = HOUR
LOCK_DURATION_NS = HOUR
ATTEMPTS_PER_QUESTION = 2
QUESTIONS = 3
MAX_QUESTION_FAILURES = ATTEMPTS_PER_QUESTION * QUESTIONS


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    """The failures still in the window after this one, and the lock it caused, if any."""

    failures: tuple[int, ...]
    locked_until_ns: int | None

    @property
    def locked(self) -> bool:
        return self.locked_until_ns is not None

    @property
    def remaining_attempts(self) -> int:
        return max(0, MAX_PASSWORD_FAILURES - len(self.failures))


def recent_failures(failures: tuple[int, ...] | list[int], now_ns: int) -> tuple[int, ...]:
    """The failures that still count at ``now_ns`` (strictly less than one hour old)."""
    return tuple(t for t in failures if 0 <= now_ns - t < FAILURE_WINDOW_NS)


def record_password_failure(failures: tuple[int, ...] | list[int], now_ns: int) -> FailureOutcome:
    """Add a failure at ``now_ns``; lock for one hour when it is the fifth within the hour."""
    counted = (*recent_failures(failures, now_ns), now_ns)
    if len(counted) >= MAX_PASSWORD_FAILURES:
        return FailureOutcome(failures=(), locked_until_ns=now_ns + LOCK_DURATION_NS)
    return FailureOutcome(failures=counted, locked_until_ns=None)


def is_locked(locked_until_ns: int | None, now_ns: int) -> bool:
    """A timed lock holds while ``now < locked_until``; ``-1`` marks a lock with no expiry."""
    if locked_until_ns is None:
        return False
    if locked_until_ns < 0:
        return True
    return now_ns < locked_until_ns


NO_EXPIRY = -1


def question_to_ask(wrong_answers: int) -> int | None:
    """Which of the three questions (0, 1, 2) to present after ``wrong_answers`` wrong answers in
    a row, or ``None`` when the account must lock."""
    if wrong_answers >= MAX_QUESTION_FAILURES:
        return None
    return wrong_answers // ATTEMPTS_PER_QUESTION
