"""The annual User Accounts Certification period as a pure function of dates and ``now``.

FINRA Entitlement FAQ (seed 003):

* Q47: the period is approximately 60 calendar days (:data:`TYPICAL_LENGTH_DAYS`).
* Q45/Q46: an organisation with only its SAA account need not certify (unless it has CAT
  access); one that had more than one account on the start date must certify even if it drops
  to one during the period.
* Q50/Q53: messages -- initial (period underway), reminder "if certification is not completed as
  of 10 business days prior to due date", past due "if certification is not completed by the
  deadline", successfully completed. The reminder and past-due emails go to the SAA and the
  Chief Compliance Officer.
* Q61: past due -- creating accounts, creating and assigning roles, editing and importing
  entitlements are disabled for all administrators until the SAA certifies, and all user
  accounts of the organisation are suspended. Q63: administrators may still delete or disable
  accounts and reset passwords.

Exact instants used (**INFERENCE**, FINRA gives dates, not times): the period opens at 00:00 ET
on its start date; the reminder is due at 00:00 ET on the 10th business day before the due date;
the organisation is past due from 00:00 ET on the day after the due date (the due date itself is
still in time). Business days are those of the NYSE calendar (simulator.calendar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from simulator.calendar import Market, is_business_day
from simulator.entitlement.model import CertificationPeriod
from simulator.timestamps import local_ns

REMINDER_BUSINESS_DAYS = 10
TYPICAL_LENGTH_DAYS = 60

BusinessDayTest = Callable[[dt.date], bool]


class CertificationPhase(StrEnum):
    NONE = "none"  # no period configured, or not required for this organisation
    UPCOMING = "upcoming"  # configured, not yet started
    OPEN = "open"  # underway (initial message)
    REMINDER = "reminder"  # not completed as of 10 business days before the due date
    PAST_DUE = "past-due"  # not completed by the deadline: Q61 consequences apply
    COMPLETED = "completed"


def default_business_day(day: dt.date) -> bool:
    """NYSE business days from :mod:`simulator.calendar` (**INFERENCE**: FINRA's business
    days for entitlement deadlines are taken to be those of the equity market)."""
    return is_business_day(day, Market.NYSE)


def reminder_date(due: dt.date, is_business_day: BusinessDayTest = default_business_day) -> dt.date:
    """The 10th business day before ``due`` (``due`` itself not counted)."""
    day = due
    counted = 0
    while counted < REMINDER_BUSINESS_DAYS:
        day -= dt.timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def past_due_ns(period: CertificationPeriod) -> int:
    """The first instant at which an uncompleted certification is past due."""
    return local_ns(period.due + dt.timedelta(days=1), 0)


def is_required(period: CertificationPeriod, accounts_now: int, cat_access: bool) -> bool:
    """Q45/Q46: required with CAT access, or with more than one account at the start date
    (the count at the start is kept once the period opens; before that, the current count)."""
    count = period.accounts_at_start if period.accounts_at_start is not None else accounts_now
    return cat_access or count > 1


def phase(
    period: CertificationPeriod | None,
    now_ns: int,
    *,
    required: bool = True,
    is_business_day: BusinessDayTest = default_business_day,
) -> CertificationPhase:
    """Where the organisation stands in its certification period at ``now_ns``."""
    if period is None:
        return CertificationPhase.NONE
    if period.completed_ns is not None and period.completed_ns <= now_ns:
        return CertificationPhase.COMPLETED
    if now_ns < local_ns(period.start, 0):
        return CertificationPhase.UPCOMING
    if not required:
        return CertificationPhase.NONE
    if now_ns >= past_due_ns(period):
        return CertificationPhase.PAST_DUE
    if now_ns >= local_ns(reminder_date(period.due, is_business_day), 0):
        return CertificationPhase.REMINDER
    return CertificationPhase.OPEN


def banner(current: CertificationPhase, period: CertificationPeriod | None) -> str | None:
    """The Account Management banner text for the phase (Q53), or ``None``."""
    if period is None:
        return None
    due = period.due.isoformat()
    start = period.start.isoformat()
    return {
        CertificationPhase.OPEN: (
            f"The FINRA Entitlement User Accounts Certification Period is underway "
            f"(start date {start}, due date {due})."
        ),
        CertificationPhase.REMINDER: (
            f"Reminder: your organisation has not completed the User Accounts Certification; "
            f"it is due on {due}."
        ),
        CertificationPhase.PAST_DUE: (
            f"Past due: the User Accounts Certification was due on {due}. Creating accounts, "
            "creating and assigning roles and editing entitlements are disabled, and user "
            "accounts are suspended, until your Super Account Administrator certifies."
        ),
        CertificationPhase.COMPLETED: (
            "Your organisation has successfully completed the User Accounts Certification."
        ),
    }.get(current)
