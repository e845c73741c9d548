"""Password lockout (FINRA Entitlement FAQ Q34) and security-question lockout (Q71, Q72)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.clock import HOUR, MINUTE, NANOSECOND, SECOND
from simulator.entitlement import Directory, EntitlementError, lockout
from simulator.entitlement.model import LockReason
from simulator.timestamps import parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")  # the directory fixture's creation instant


def test_four_failures_within_the_hour_do_not_lock() -> None:
    failures: tuple[int, ...] = ()
    for i in range(4):
        outcome = lockout.record_password_failure(failures, T0 + i * MINUTE)
        failures = outcome.failures
        assert not outcome.locked
    assert outcome.remaining_attempts == 1


def test_fifth_failure_one_nanosecond_inside_the_hour_locks_for_exactly_an_hour() -> None:
    failures = (T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE)
    fifth = T0 + HOUR - NANOSECOND
    outcome = lockout.record_password_failure(failures, fifth)
    assert outcome.locked
    assert outcome.locked_until_ns == fifth + HOUR
    assert lockout.is_locked(outcome.locked_until_ns, fifth + HOUR - NANOSECOND)
    assert not lockout.is_locked(outcome.locked_until_ns, fifth + HOUR)


def test_fifth_failure_exactly_an_hour_after_the_first_does_not_lock() -> None:
    failures = (T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE)
    outcome = lockout.record_password_failure(failures, T0 + HOUR)
    assert not outcome.locked
    assert outcome.failures == (T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE, T0 + HOUR)


def test_question_order_two_attempts_each_then_lock() -> None:
    assert [lockout.question_to_ask(n) for n in range(7)] == [0, 0, 1, 1, 2, 2, None]


def _fail(directory: Directory, username: str, times: int, start: int, step: int = SECOND) -> int:
    now = start
    for _ in range(times):
        outcome = directory.verify_password(username, "wrong-password-1", now)
        assert not outcome.verdict.allowed
        now += step
    return now - step


def test_directory_locks_after_five_wrong_passwords_and_unlocks_itself_after_an_hour(
    directory: Directory, audit: Any
) -> None:
    last = _fail(directory, "tina@acme.example", 4, T0)
    assert directory.verify_password("tina@acme.example", "Tina-pass-1", last + SECOND).verdict
    # the success cleared the count: four more failures still do not lock
    last = _fail(directory, "tina@acme.example", 4, last + 2 * SECOND)
    outcome = directory.verify_password("tina@acme.example", "wrong", last + SECOND)
    assert outcome.verdict.code == "account-locked"
    assert "unlocks automatically" in outcome.verdict.message
    locked_at = last + SECOND
    # the right password does not open a locked account
    right = directory.verify_password("tina@acme.example", "Tina-pass-1", locked_at + 59 * MINUTE)
    assert right.verdict.code == "account-locked"
    # one hour of simulated time later it opens by itself
    assert directory.verify_password("tina@acme.example", "Tina-pass-1", locked_at + HOUR).verdict
    assert "refused:account-locked" in audit.outcomes("password")


def test_account_administrator_unlocks_a_user_sooner(directory: Directory) -> None:
    last = _fail(directory, "tina@acme.example", 5, T0)
    assert directory.find("tina@acme.example").locked_until_ns == last + HOUR  # type: ignore[union-attr]
    directory.unlock("aa@acme.example", "tina@acme.example", last + MINUTE)
    assert directory.verify_password("tina@acme.example", "Tina-pass-1", last + 2 * MINUTE).verdict


def test_saa_lock_is_lifted_only_by_the_support_center(directory: Directory) -> None:
    last = _fail(directory, "saa@acme.example", 5, T0)
    with pytest.raises(EntitlementError) as refused:
        directory.unlock("aa@acme.example", "saa@acme.example", last + MINUTE)
    assert refused.value.code == "saa-support-only"
    with pytest.raises(EntitlementError) as self_unlock:
        directory.unlock("saa@acme.example", "saa@acme.example", last + MINUTE)
    assert self_unlock.value.code in ("saa-support-only", "account-locked")
    directory.support_unlock("saa@acme.example", last + MINUTE)
    assert directory.verify_password("saa@acme.example", "Saa-pass-1", last + 2 * MINUTE).verdict


def test_unknown_user_and_wrong_password_get_the_same_words(directory: Directory) -> None:
    unknown = directory.verify_password("nobody@acme.example", "x", T0)
    wrong = directory.verify_password("tina@acme.example", "x", T0)
    assert unknown.account is None
    assert unknown.verdict.message.split(".")[0] == wrong.verdict.message.split(".")[0]


def test_six_wrong_security_answers_lock_until_an_administrator_unlocks(
    directory: Directory,
) -> None:
    asked = []
    for attempt in range(6):
        index, _question = directory.question_for("tina@acme.example")  # type: ignore[misc]
        asked.append(index)
        verdict = directory.verify_answer("tina@acme.example", index, "wrong", T0 + attempt)
        assert not verdict.allowed
    assert asked == [0, 0, 1, 1, 2, 2]
    assert verdict.code == "account-locked-questions"
    account = directory.account("tina@acme.example")
    assert account.lock_reason is LockReason.SECURITY_QUESTIONS
    # no auto-unlock: a day later still locked
    later = directory.verify_password("tina@acme.example", "Tina-pass-1", T0 + 24 * HOUR)
    assert later.verdict.code == "account-locked-questions"
    directory.unlock("aa@acme.example", "tina@acme.example", T0 + 25 * HOUR)
    assert account.must_reset_questions
    assert directory.question_for("tina@acme.example") is None


def test_right_answer_resets_the_wrong_answer_count(directory: Directory) -> None:
    assert not directory.verify_answer("tina@acme.example", 0, "Elm", T0)
    assert directory.verify_answer("tina@acme.example", 0, "main st", T0)
    assert directory.question_for("tina@acme.example") == (
        0,
        "What is the name of the street you grew up on?",
    )
