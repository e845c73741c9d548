"""Annual certification: reminder 10 business days before the due date, past due after it."""

from __future__ import annotations

import datetime as dt

from simulator.entitlement import Directory
from simulator.entitlement.certification import (
    CertificationPhase,
    is_required,
    phase,
    reminder_date,
)
from simulator.entitlement.model import CertificationPeriod
from simulator.timestamps import local_ns, parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")
PERIOD = CertificationPeriod(start=dt.date(2021, 4, 5), due=dt.date(2021, 6, 4))


def test_reminder_date_counts_business_days_skipping_memorial_day() -> None:
    # 2021-06-04 is a Friday; 2021-05-31 is Memorial Day (NYSE closed).
    assert reminder_date(dt.date(2021, 6, 4)) == dt.date(2021, 5, 20)


def test_reminder_date_with_weekdays_only() -> None:
    assert reminder_date(dt.date(2021, 6, 4), lambda d: d.weekday() < 5) == dt.date(2021, 5, 21)


def test_phases_at_their_boundaries() -> None:
    at = lambda day, h=0, m=0, s=0: local_ns(day, h, m, s)  # noqa: E731
    assert phase(PERIOD, at(dt.date(2021, 4, 4), 23, 59, 59)) is CertificationPhase.UPCOMING
    assert phase(PERIOD, at(dt.date(2021, 4, 5))) is CertificationPhase.OPEN
    assert phase(PERIOD, at(dt.date(2021, 5, 20)) - 1) is CertificationPhase.OPEN
    assert phase(PERIOD, at(dt.date(2021, 5, 20))) is CertificationPhase.REMINDER
    assert phase(PERIOD, at(dt.date(2021, 6, 5)) - 1) is CertificationPhase.REMINDER
    assert phase(PERIOD, at(dt.date(2021, 6, 5))) is CertificationPhase.PAST_DUE
    done = CertificationPeriod(PERIOD.start, PERIOD.due, completed_ns=at(dt.date(2021, 5, 1)))
    assert phase(done, at(dt.date(2021, 7, 1))) is CertificationPhase.COMPLETED


def test_only_the_saa_need_not_certify_unless_cat() -> None:
    lone = CertificationPeriod(PERIOD.start, PERIOD.due)
    assert not is_required(lone, accounts_now=1, cat_access=False)
    assert is_required(lone, accounts_now=1, cat_access=True)
    # Q46: more than one account at the start date: required even if it drops to one later
    counted = CertificationPeriod(PERIOD.start, PERIOD.due, accounts_at_start=3)
    assert is_required(counted, accounts_now=1, cat_access=False)


def test_notices_go_out_once_each_to_saa_and_cco(directory: Directory) -> None:
    directory.open_certification("100001", CertificationPeriod(PERIOD.start, PERIOD.due), T0)
    assert directory.certification_notices(T0) == []
    opened = directory.certification_notices(local_ns(dt.date(2021, 4, 5), 9))
    assert [(org.org_id, kind) for org, kind, _ in opened] == [("100001", "initial")]
    reminder = directory.certification_notices(local_ns(dt.date(2021, 5, 20), 9))
    assert [(kind, to) for _, kind, to in reminder] == [
        ("reminder", ["saa@acme.example", "cco@acme.example"])
    ]
    assert directory.certification_notices(local_ns(dt.date(2021, 5, 21), 9)) == []
    past = directory.certification_notices(local_ns(dt.date(2021, 6, 5), 0))
    assert [kind for _, kind, _ in past] == ["past-due"]
    assert directory.certification_notices(local_ns(dt.date(2021, 6, 6), 0)) == []
