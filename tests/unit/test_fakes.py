"""The fake-data provider: valid CUSIPs and MPIDs, and exact replay from a seed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.fakes import (
    cusip_check_digit,
    fake_firm,
    is_mpid,
    is_valid_cusip,
    make_faker,
)


@pytest.mark.parametrize(
    "cusip",
    [
        "037833100",  # Apple Inc. common stock
        "38259P508",  # Google Inc. class A (2004), a letter in the issuer part
        "594918104",  # Microsoft Corp.
        "912828ZT0",  # a US Treasury note: letters in the issue part
    ],
)
def test_known_cusips_have_valid_check_digits(cusip: str) -> None:
    assert cusip_check_digit(cusip[:8]) == cusip[8]
    assert is_valid_cusip(cusip)


def test_a_wrong_check_digit_is_detected() -> None:
    assert not is_valid_cusip("037833101")
    assert not is_valid_cusip("03783310")  # too short
    assert not is_valid_cusip("0378331!0")  # a character no CUSIP has


def test_check_digit_rejects_bad_bases() -> None:
    with pytest.raises(ValueError, match="8 characters"):
        cusip_check_digit("0378331")
    with pytest.raises(ValueError, match="cannot appear"):
        cusip_check_digit("03783$10")


def test_special_characters_have_their_values() -> None:
    # '*', '@' and '#' count 36, 37 and 38 (ANSI X9.6); check against a hand computation.
    base = "ABC*@#12"
    values = [10, 11 * 2, 12, 36 * 2, 37, 38 * 2, 1, 2 * 2]
    total = sum(v // 10 + v % 10 for v in values)
    assert cusip_check_digit(base) == str((10 - total % 10) % 10)


def test_generated_cusips_and_mpids_are_valid() -> None:
    fake = make_faker(7)
    for _ in range(500):
        assert is_valid_cusip(fake.cusip())
        assert is_mpid(fake.mpid())
        symbol = fake.symbol()
        assert 1 <= len(symbol) <= 4 and symbol.isalpha() and symbol.isupper()


def test_prices_and_quantities_are_decimals() -> None:
    fake = make_faker(7)
    price = fake.price()
    assert isinstance(price, Decimal) and price == price.quantize(Decimal("0.01"))
    assert fake.quantity() % 100 == 0


def test_the_same_seed_replays_the_same_firm() -> None:
    first = fake_firm(make_faker(20210320), mpids=3, traders=2)
    again = fake_firm(make_faker(20210320), mpids=3, traders=2)
    other = fake_firm(make_faker(20210321), mpids=3, traders=2)
    assert first == again
    assert first != other


def test_a_firm_has_distinct_mpids_each_mapped_to_a_desk_and_supervisor() -> None:
    firm = fake_firm(make_faker(3), mpids=4, traders=3)
    assert len(set(firm.mpids)) == 4
    assert all(is_mpid(code) for code in firm.mpids)
    assert set(firm.desks) == set(firm.mpids)
    assert set(firm.supervisors) == set(firm.desks.values())
    assert len(firm.traders) == 3
    for trader in firm.traders:
        assert "@" in trader.username and trader.username.endswith(".example")
        assert trader.desk in firm.desks.values()


def test_a_firm_needs_an_mpid() -> None:
    with pytest.raises(ValueError, match="at least one MPID"):
        fake_firm(make_faker(1), mpids=0)
