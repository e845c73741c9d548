"""Dormant accounts (FINRA Entitlement FAQ Q38-Q41, seed 003).

Q38: "Accounts are considered dormant if they are not used for a defined period of time. For
security reasons, FINRA deletes dormant accounts." Q39: if the SAA's account is deleted for
dormancy, every account of the organisation loses access until FINRA recreates the SAA. Q41: a
user whose account was deleted needs a new account from the SAA or an AA.

FINRA does not publish the period in the seed. **INFERENCE**: 180 days without a login; it is a
parameter of :class:`~simulator.entitlement.directory.Directory` (``dormancy_ns``) so a firm can
set the period it was told. An account that never logged in counts from its creation.
"""

from __future__ import annotations

from simulator.clock import DAY

DEFAULT_DORMANCY_NS = 180 * DAY


def last_used_ns(last_activity_ns: int | None, created_ns: int) -> int:
    return last_activity_ns if last_activity_ns is not None else created_ns


def is_dormant(
    last_activity_ns: int | None,
    created_ns: int,
    now_ns: int,
    dormancy_ns: int = DEFAULT_DORMANCY_NS,
) -> bool:
    """True once ``dormancy_ns`` has fully elapsed since the account was last used."""
    return now_ns - last_used_ns(last_activity_ns, created_ns) >= dormancy_ns
