"""Field validation shared by every dialect: CUSIPs, decimals, timestamps, identifiers."""

from __future__ import annotations

import datetime as dt
import random
import string
from decimal import Decimal

import pytest

from simulator.fakes import cusip_check_digit
from simulator.fix.dialects import base
from simulator.fix.dialects.base import INVALID_PRICE, INVALID_TIME, DialectReject
from simulator.fix.dialects.layout import Record


@pytest.mark.parametrize(
    ("cusip", "valid"),
    [
        ("037833100", True),  # Apple
        ("594918104", True),  # Microsoft
        ("38259P508", True),  # letters in the issue number
        ("037833101", False),  # wrong check digit
        ("03783310", False),  # too short
        ("0378331000", False),  # too long
        ("03783310A", False),  # the check character is a digit
        ("037833 00", False),
    ],
)
def test_cusip_check_digit(cusip, valid):
    assert base.cusip_valid(cusip) is valid


def test_cusip_agrees_with_the_fake_data_generator():
    rng = random.Random(11)
    alphabet = string.digits + string.ascii_uppercase + "*@#"
    for _ in range(500):
        stem = "".join(rng.choice(alphabet) for _ in range(8))
        good = stem + cusip_check_digit(stem)
        assert base.cusip_valid(good)
        wrong = stem + str((int(good[8]) + 1) % 10)
        assert not base.cusip_valid(wrong)


def price(text: str, **kwargs) -> Decimal:
    options = {"reason": INVALID_PRICE, "int_digits": 4, "frac_digits": 6} | kwargs
    return base.decimal_field(Record().set(31, text), 31, "LastPx", **options)


@pytest.mark.parametrize(
    ("text", "value"),
    [("101.250000", "101.250000"), ("9999.999999", "9999.999999"), ("0100.5", "100.5")],
)
def test_decimals_within_the_format(text, value):
    assert str(price(text)) == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10000", "exceeds the format nnnn.nnnnnn"),
        ("1.0000001", "exceeds the format"),
        ("1e5", "is not a decimal number"),
        ("-5", "is not a decimal number"),
        ("0.000", "must be greater than zero"),
        ("", "is required"),
    ],
)
def test_decimals_refused(text, problem):
    with pytest.raises(DialectReject, match=problem) as raised:
        price(text)
    assert raised.value.reason == INVALID_PRICE and raised.value.tag == 31


def test_whole_numbers():
    options = {"int_digits": 10, "frac_digits": 0, "whole": True}
    assert str(price("100", **options)) == "100"
    assert str(price("100.000", **options)) == "100.000"
    with pytest.raises(DialectReject, match="must be a whole number"):
        price("100.5", **options)


def stamp(text: str, digits: int) -> int:
    record = Record().set(60, text)
    return base.timestamp_field(
        record, 60, "TransactTime", max_digits=digits, port="Test port", on=dt.date(2021, 1, 4)
    ).digits


def test_timestamps_up_to_the_ports_precision():
    assert stamp("20210104-15:00:00", 3) == 0
    assert stamp("20210104-15:00:00.123", 3) == 3
    assert stamp("20210104-15:00:00.123456789", 9) == 9
    with pytest.raises(DialectReject, match=r"this port \(Test port\) accepts whole seconds"):
        stamp("20210104-15:00:00.123", 0)
    with pytest.raises(DialectReject, match="0, 3, 6 or 9 are allowed") as raised:
        stamp("20210104-15:00:00.12", 9)
    assert raised.value.reason == INVALID_TIME
    with pytest.raises(DialectReject, match="not a UTCTimestamp"):
        stamp("2021-01-04T15:00:00", 9)


def test_identifiers_and_flags():
    record = Record().set(571, "A" * 21).set(1015, "2").set(22009, "25:00:00").set(1003, "2x")
    with pytest.raises(DialectReject, match="1 to 20 printable characters"):
        base.identifier(record, 571, "TradeReportID", max_len=20)
    with pytest.raises(DialectReject, match="must be one of 0, 1"):
        base.flag_field(record, 1015, "AsOfIndicator", "01")
    with pytest.raises(DialectReject, match="is not HH:MM:SS"):
        base.time_only_field(record, 22009, "PreparationTime")
    with pytest.raises(DialectReject, match="is not a control number") as raised:
        base.control_number_field(record)
    assert raised.value.reason.code == "302"
    assert base.identifier(record, 572, "TradeReportRefID", max_len=20) is None


def test_mpids_and_symbols():
    assert base.mpid_valid("ABCD") and not base.mpid_valid("ABC") and not base.mpid_valid("abcd")
    assert base.symbol_valid("BRK.B") and base.symbol_valid("BRK B")
    assert not base.symbol_valid("brk") and not base.symbol_valid("A" * 15)


def test_reject_reasons_are_the_trace_native_table():
    assert base.REASONS["060"].text == "INVALID CUSIP"
    assert base.REASONS["138"].text == "EXECUTION TIME GREATER THAN TRADE REPORT TIME"
    assert base.REASONS["313"].text == "RPID MISMATCH"
    assert all(len(code) == 3 for code in base.REASONS if code != "4069")
