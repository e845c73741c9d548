"""Trade entry form validation: strings from a TRAQS form to a :class:`TradeReport`.

Every field is checked and every problem is reported at once, by field, in words a trader
understands (``FormErrors``); nothing the firm typed is lost -- the page is shown again with the
values and the messages. Field rules:

* facility: the FINRA facilities reached through TRAQS -- TRACE (CA, SP, TS), ADF and ORF
  (facilities.md section 5; the TRFs have their own Nasdaq/NYSE screens, not TRAQS);
* reporting MPID: one the user is entitled to (FAQ Q84);
* security: a CUSIP with a valid check digit (sent as ``security_id_source`` 1) or a symbol
  (``8``); TRACE accepts either, the equity facilities a symbol. ``security_type`` may force
  ``cusip`` (then a wrong check digit is an error) or ``symbol``; ``auto`` takes a valid CUSIP
  as a CUSIP;
* quantity and price: positive decimals (up to 6 decimal places, the precision TRACE prices
  carry; quantity up to 12 whole digits);
* execution date and time in New York, to the nanosecond (``HH:MM:SS.fffffffff``), not later
  than the simulated now;
* contra MPID: four letters, or ``C`` for a customer on TRACE; capacity ``P`` or ``A``;
* client reference (TRACE 572 style): up to 20 letters, digits, ``-`` or ``_``; generated
  when left empty.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from simulator.domain.facility import FacilityId, Region
from simulator.domain.trade import Environment, Route, Side, TradeReport
from simulator.errors import UserInputError
from simulator.refdata import is_valid_cusip
from simulator.timestamps import format_iso8601, local_date, local_ns

TRAQS_FACILITIES: tuple[FacilityId, ...] = (
    FacilityId.TRACE_CA,
    FacilityId.TRACE_SP,
    FacilityId.TRACE_TS,
    FacilityId.ADF,
    FacilityId.ORF,
)
FACILITY_LABELS = {
    FacilityId.TRACE_CA: "TRACE corporates and agencies (CA)",
    FacilityId.TRACE_SP: "TRACE securitized products (SP)",
    FacilityId.TRACE_TS: "TRACE Treasuries (TS)",
    FacilityId.ADF: "Alternative Display Facility (ADF)",
    FacilityId.ORF: "OTC Reporting Facility (ORF)",
}
FIELDS = (
    "facility",
    "reporting_mpid",
    "side",
    "security",
    "security_type",
    "quantity",
    "price",
    "trade_date",
    "execution_time",
    "contra_mpid",
    "capacity",
    "client_ref",
    "memo",
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.\-/]{0,13}")
_MPID = re.compile(r"[A-Z]{4}")
_REF = re.compile(r"[A-Za-z0-9_\-]{1,20}")


class FormErrors(UserInputError):
    """One message per field; ``values`` are what the user typed, for the page shown again."""

    def __init__(self, errors: dict[str, str], values: Mapping[str, str]) -> None:
        self.errors = errors
        self.values = dict(values)
        summary = "; ".join(f"{field}: {message}" for field, message in errors.items())
        super().__init__(summary)


def _decimal(text: str, what: str, whole_digits: int) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"enter the {what} as a number, e.g. 100 or 101.25") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"the {what} must be more than zero")
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent < -6:
        raise ValueError(f"the {what} has more than 6 decimal places")
    if len(digits) + exponent > whole_digits:
        raise ValueError(f"the {what} is too large (at most {whole_digits} whole digits)")
    return value


def parse_execution(date_text: str, time_text: str) -> int:
    """Execution date (YYYY-MM-DD) and time (HH:MM[:SS[.fraction]]) in New York -> exact ns."""
    try:
        day = dt.date.fromisoformat(date_text.strip())
    except ValueError:
        raise ValueError("enter the trade date as YYYY-MM-DD") from None
    match = _TIME.fullmatch(time_text.strip())
    if match is None:
        raise ValueError("enter the execution time as HH:MM:SS, optionally with up to 9 decimals")
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("the execution time is not a valid time of day")
    fraction = int((match[4] or "").ljust(9, "0") or 0)
    return local_ns(day, hour, minute, second) + fraction


def parse_trade(
    form: Mapping[str, str],
    *,
    allowed_mpids: set[str],
    now_ns: int,
    user: str,
    route: Route,
    environment: Environment,
    region: Region,
    make_client_ref: Callable[[], str],
    facility_fixed: str | None = None,
    mpid_fixed: str | None = None,
) -> TradeReport:
    """A :class:`TradeReport` from form fields, or :class:`FormErrors` listing every problem.

    ``facility_fixed``/``mpid_fixed`` are used for a correction, which keeps the original's
    facility and reporting MPID."""
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    errors: dict[str, str] = {}

    facility_text = facility_fixed or values["facility"]
    try:
        facility = FacilityId(facility_text)
        if facility not in TRAQS_FACILITIES:
            raise ValueError
    except ValueError:
        errors["facility"] = "choose one of the facilities reported through TRAQS"
        facility = None

    mpid = (mpid_fixed or values["reporting_mpid"]).upper()
    if not mpid:
        errors["reporting_mpid"] = "choose the MPID you report for"
    elif mpid not in allowed_mpids:
        errors["reporting_mpid"] = f"you are not entitled to report for MPID {mpid}"

    side_text = values["side"].upper()
    side: Side | None = None
    try:
        side = Side(side_text)
    except ValueError:
        errors["side"] = "choose buy (B) or sell (S)"
    if side is Side.CROSS and facility is not None and facility.is_trace:
        errors["side"] = "TRACE reports are a buy (B) or a sell (S)"

    security = values["security"].upper()
    kind = (values["security_type"] or "auto").lower()
    id_source = "1" if is_valid_cusip(security) and kind in ("auto", "cusip") else "8"
    if not security:
        errors["security"] = "enter a symbol or a CUSIP"
    elif kind not in ("auto", "cusip", "symbol"):
        errors["security"] = "choose whether this is a symbol or a CUSIP"
    elif kind == "cusip" and id_source != "1":
        errors["security"] = f"{security} is not a valid CUSIP (9 characters, check digit)"
    elif id_source == "8" and _SYMBOL.fullmatch(security) is None:
        errors["security"] = "a symbol has 1 to 14 letters, digits, '.', '-' or '/'"
    elif id_source == "1" and facility is not None and facility.is_equity:
        errors["security"] = "the equity facilities take a symbol, not a CUSIP"

    quantity = price = Decimal(0)
    try:
        quantity = _decimal(values["quantity"], "quantity", 12)
    except ValueError as exc:
        errors["quantity"] = str(exc)
    try:
        price = _decimal(values["price"], "price", 8)
    except ValueError as exc:
        errors["price"] = str(exc)

    executed_ns = now_ns
    try:
        executed_ns = parse_execution(values["trade_date"], values["execution_time"])
        if executed_ns > now_ns:
            errors["execution_time"] = (
                f"the execution time is later than the facility's current time "
                f"({format_iso8601(now_ns)})"
            )
    except ValueError as exc:
        errors["trade_date" if "date" in str(exc) else "execution_time"] = str(exc)

    contra = values["contra_mpid"].upper() or None
    customer = contra == "C" and facility is not None and facility.is_trace
    if contra is not None and _MPID.fullmatch(contra) is None and not customer:
        errors["contra_mpid"] = "four letters (an MPID), or C for a customer on TRACE"

    capacity = values["capacity"].upper() or "P"
    if capacity not in ("P", "A"):
        errors["capacity"] = "principal (P) or agent (A)"

    client_ref = values["client_ref"]
    if client_ref and _REF.fullmatch(client_ref) is None:
        errors["client_ref"] = "up to 20 letters, digits, '-' or '_'"

    memo = values["memo"] or None
    if memo is not None and (len(memo) > 60 or not memo.isprintable()):
        errors["memo"] = "at most 60 printable characters"

    if errors:
        raise FormErrors(errors, values)
    assert facility is not None and side is not None
    return TradeReport(
        facility=facility.value,
        reporting_mpid=mpid,
        side=side,
        security=security,
        quantity=quantity,
        price=price,
        executed_ns=executed_ns,
        trade_date=local_date(executed_ns),
        client_ref=client_ref or make_client_ref(),
        contra_mpid=contra,
        security_id_source=id_source,
        capacity=capacity,
        route=route,
        environment=environment,
        region=region,
        user=user,
        memo=memo,
    )
