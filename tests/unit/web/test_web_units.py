"""Pure parts of the web front: trade form parsing, charts, sessions, tokens."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.clock import DAY, MINUTE, NANOSECOND
from simulator.domain.facility import Region
from simulator.domain.trade import Environment, Route, Side
from simulator.timestamps import parse_iso8601
from simulator.web.charts import Bar, stacked_bars
from simulator.web.forms import FormErrors, parse_execution, parse_trade
from simulator.web.sessions import IDLE_TIMEOUT_NS, REMEMBER_NS, SessionStore, cookie_name
from simulator.web.tokens import ACCESS_TTL_NS, ApiTokens, TokenError

NOW = parse_iso8601("2021-03-18T10:00:05-04:00")


def parse(**changes: str):
    form = {
        "facility": "trace-ca",
        "reporting_mpid": "ACME",
        "side": "S",
        "security": "037833100",
        "security_type": "auto",
        "quantity": "1,000.5",
        "price": "99.123456",
        "trade_date": "2021-03-18",
        "execution_time": "10:00:05.000000000",
        "contra_mpid": "",
        "capacity": "A",
        "client_ref": "",
        "memo": "",
    }
    form.update(changes)
    return parse_trade(
        form, allowed_mpids={"ACME"}, now_ns=NOW, user="u@x.example", route=Route.WEB_MFA,
        environment=Environment.PRODUCTION, region=Region.PRODUCTION,
        make_client_ref=lambda: "WEB00000001",
    )  # fmt: skip


def test_a_good_form_becomes_a_trade_report() -> None:
    report = parse()
    assert report.side is Side.SELL and report.security_id_source == "1"
    assert report.quantity == Decimal("1000.5") and report.price == Decimal("99.123456")
    assert report.executed_ns == NOW and report.client_ref == "WEB00000001"
    assert report.route is Route.WEB_MFA and report.capacity == "A"


def test_execution_time_keeps_nanoseconds_and_the_now_boundary() -> None:
    assert parse(execution_time="10:00:05").executed_ns == NOW
    one_ns_later = "10:00:05.000000001"
    with pytest.raises(FormErrors) as future:
        parse(execution_time=one_ns_later)
    assert "later than the facility's current time" in future.value.errors["execution_time"]
    assert parse_execution("2021-03-18", "09:30:00.123456789") % 10**9 == 123_456_789


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"facility": "nasdaq-trf-carteret"}, "facility"),
        ({"reporting_mpid": "BRVO"}, "reporting_mpid"),
        ({"side": "Q"}, "side"),
        ({"side": "X"}, "side"),
        ({"security": "037833101", "security_type": "cusip"}, "security"),
        ({"security": "BAD SYMBOL"}, "security"),
        ({"facility": "orf"}, "security"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.0000001"}, "quantity"),
        ({"quantity": "1234567890123"}, "quantity"),
        ({"price": "NaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"trade_date": "2021-02-30"}, "trade_date"),
        ({"execution_time": "25:00:00"}, "execution_time"),
        ({"execution_time": "10:00:00.1234567890"}, "execution_time"),
        ({"contra_mpid": "AB"}, "contra_mpid"),
        ({"capacity": "Z"}, "capacity"),
        ({"client_ref": "x" * 21}, "client_ref"),
        ({"memo": "line\nbreak"}, "memo"),
    ],
)
def test_each_bad_field_is_named(changes: dict[str, str], field: str) -> None:
    with pytest.raises(FormErrors) as errors:
        parse(**changes)
    assert field in errors.value.errors
    assert errors.value.values["facility"]  # what was typed comes back


def test_symbols_and_customer_contra() -> None:
    assert parse(security="aapl", facility="orf", side="X").security_id_source == "8"
    assert parse(contra_mpid="c").contra_mpid == "C"
    with pytest.raises(FormErrors):
        parse(facility="orf", contra_mpid="C", security="AAPL")


def test_chart_escapes_labels_and_scales_bars() -> None:
    svg = stacked_bars([Bar("<script>", 3, 1), Bar("ACMX", 0, 4)], "Late & on time")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Late &amp; on time" in svg
    assert "1 late of 4 (25%)" in svg and "4 late of 4 (100%)" in svg
    assert 'width="420"' in svg  # the biggest bar fills the width
    assert "No reports" in stacked_bars([], "empty")


def test_sessions_expire_after_idle_time_and_are_per_host() -> None:
    store = SessionStore()
    session = store.new("finratraqs.org", NOW)
    assert store.get(session.token, "beta.finratraqs.org", NOW) is None
    assert store.get(session.token, "finratraqs.org", NOW + IDLE_TIMEOUT_NS - 1) is session
    later = NOW + IDLE_TIMEOUT_NS - 1
    assert store.get(session.token, "finratraqs.org", later + IDLE_TIMEOUT_NS) is None
    assert cookie_name("finratraqs.org") != cookie_name("beta.finratraqs.org")
    assert (
        session.check_csrf(session.csrf)
        and not session.check_csrf("x")
        and not session.check_csrf(None)
    )


def test_remember_this_computer_token() -> None:
    store = SessionStore(remember_key=b"k" * 32)
    token = store.remember_token("Tom@X.example", NOW)
    assert store.remembered(token, "tom@x.example", NOW + REMEMBER_NS - NANOSECOND)
    assert not store.remembered(token, "tom@x.example", NOW + REMEMBER_NS)
    assert not store.remembered(token, "other@x.example", NOW)
    assert not store.remembered(token[:-4] + "AAAA", "tom@x.example", NOW)
    assert not store.remembered("garbage", "tom@x.example", NOW)


def test_api_tokens() -> None:
    tokens = ApiTokens()
    refresh = tokens.issue_refresh("tom@x.example", NOW)
    access = tokens.exchange(refresh.token, NOW)
    assert tokens.user_for(access.token, NOW + ACCESS_TTL_NS - 1) == "tom@x.example"
    with pytest.raises(TokenError) as expired:
        tokens.user_for(access.token, NOW + ACCESS_TTL_NS)
    assert expired.value.code == "expired-access-token"
    with pytest.raises(TokenError):
        tokens.exchange("rt_forged", NOW)
    with pytest.raises(TokenError) as old:
        tokens.exchange(refresh.token, NOW + 91 * DAY)
    assert old.value.code == "expired-refresh-token"
    assert MINUTE < ACCESS_TTL_NS
