"""The serve config: the embedded default, facility defaults, and errors naming file/line/field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simulator.config import FACILITY_DEFAULTS, load_config, parse_config
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError
from simulator.fix.session import UnknownCompIdPolicy

FIRMS = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]
"""


def test_the_embedded_default_serves_every_facility() -> None:
    config = load_config()
    assert config.source == "<embedded default_config.toml>"
    assert {p.facility for p in config.ports} == set(FacilityId)
    numbers = [p.port for p in config.ports]
    assert all(numbers) and len(set(numbers)) == len(numbers)  # fixed, distinct ports
    assert config.host == "127.0.0.1"
    by_name = {p.name: p for p in config.ports}
    assert by_name["trace-ca"].port == 9101
    assert (by_name["trace-ca"].facility_comp_id, by_name["trace-ca"].facility_sub_id) == (
        "FNRA",
        "CA",
    )
    assert by_name["nasdaq-trf-carteret"].begin_string == "FIX.4.2"
    assert by_name["nasdaq-trf-carteret-legacy"].port_type is PortType.LEGACY_FIX42
    assert by_name["nasdaq-trf-carteret-ntf"].region is Region.NTF
    drops = [p for p in config.ports if p.drop_copy]
    assert [d.name for d in drops] == ["nasdaq-trf-carteret-dropcopy"]
    assert [(x.firm, x.comp_id) for x in drops[0].logins] == [("ACME", "ACMEDC")]
    assert not config.firms["GAMMA"].uat_registered  # seed 000: one firm not registered
    assert config.firms["ACME"].uat_registered
    for port in config.ports:
        if port.facility.is_trace:
            assert (port.heartbeat_min, port.heartbeat_max) == (30, 30)
            assert port.unknown_comp_ids is UnknownCompIdPolicy.IGNORE
            assert port.daily_reset == dt.time(6, 0)


def test_a_minimal_config_takes_the_facility_defaults() -> None:
    config = parse_config(FIRMS + '[[sessions]]\nfacility = "trace-ts"\nfirms = ["ACME"]\n')
    [port] = config.ports
    assert (port.name, port.port, port.begin_string) == ("trace-ts", 0, "FIX.4.4")
    assert (port.facility_comp_id, port.facility_sub_id) == ("FNRA", "TS")
    assert port.max_latency == "auto"
    config = parse_config(
        FIRMS + '[[sessions]]\nfacility = "nasdaq-trf-chicago"\nfirms = ["ACME"]\n'
    )
    [port] = config.ports
    assert (port.port_type, port.begin_string, port.facility_comp_id) == (
        PortType.NATIVE_FIX42,
        "FIX.4.2",
        "NTRFCHI",
    )


def test_facility_defaults_agree_with_the_facility_profiles() -> None:
    profiles = pytest.importorskip("simulator.facilities.profiles")
    for facility, defaults in FACILITY_DEFAULTS.items():
        fix = profiles.get_profile(facility).fix
        assert fix.begin_string == defaults.begin_string, facility
        assert fix.target_comp_id == defaults.facility_comp_id, facility
        assert fix.target_sub_id == defaults.facility_sub_id, facility
        assert defaults.heartbeat_min <= fix.heartbeat_seconds <= defaults.heartbeat_max
        assert (fix.sequence_reset == "daily") == (defaults.daily_reset != "none"), facility


def expect_error(text: str, *, line: int | None, field: str | None, says: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "serve.toml")
    error = caught.value
    assert (error.path, error.line, error.field) == ("serve.toml", line, field), str(error)
    assert says in str(error)
    where = "serve.toml" if line is None else f"serve.toml:{line}"
    assert str(error).startswith(where)
    return error


SESSION = (
    FIRMS
    + """
[[sessions]]
name = "ca"
facility = "trace-ca"
port = 9101
firms = ["ACME"]
"""
)  # the [[sessions]] header is on line 7


@pytest.mark.parametrize(
    ("change", "line", "field", "says"),
    [
        (('facility = "trace-ca"', 'facility = "trace-xx"'), 9, "sessions[0].facility", "trace-xx"),
        (("port = 9101", "port = 70000"), 10, "sessions[0].port", "between 0 and 65535"),
        (("port = 9101", 'port = "9101"'), 10, "sessions[0].port", "whole number"),
        (('firms = ["ACME"]', 'firms = ["WILE"]'), 11, "sessions[0].firms", "unknown firm 'WILE'"),
        (('firms = ["ACME"]', "firms = []"), 11, "sessions[0].firms", "non-empty list"),
        (('name = "ca"', 'nmae = "ca"'), 8, "sessions[0].nmae", "unknown key 'nmae'"),
        (('mpids = ["ACME"]', 'mpids = ["acme"]'), 5, "firms[0].mpids", "four capital letters"),
        (('comp_id = "ACMEFIX"', 'comp_id = "ACME FIX"'), 4, "firms[0].comp_id", "CompID"),
        (('comp_id = "ACMEFIX"\n', ""), 2, "firms[0]", "missing required key 'comp_id'"),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\nbegin_string = "FIX.4.2"'),
            12,
            "sessions[0].begin_string",
            "a fix44 port speaks FIX.4.4",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\nheartbeat_min = 40\nheartbeat_max = 30'),
            13,
            "sessions[0].heartbeat_max",
            "below heartbeat_min",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\ndaily_reset = "6am"'),
            12,
            "sessions[0].daily_reset",
            "HH:MM",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\nmax_latency = 0'),
            12,
            "sessions[0].max_latency",
            "seconds",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\nunknown_comp_ids = "shrug"'),
            12,
            "sessions[0].unknown_comp_ids",
            "ignore, logout, disconnect",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\nport_type = "web"'),
            12,
            "sessions[0].port_type",
            "not a FIX port type",
        ),
        (
            ('firms = ["ACME"]', 'firms = ["ACME"]\ndictionary = "/nope/trace.xml"'),
            12,
            "sessions[0].dictionary",
            "no such data dictionary",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_field(
    change: tuple[str, str], line: int, field: str, says: str
) -> None:
    old, new = change
    assert old in SESSION
    expect_error(SESSION.replace(old, new, 1), line=line, field=field, says=says)


def test_a_port_used_twice_points_at_the_second_use() -> None:
    text = (
        SESSION
        + '\n[[sessions]]\nname = "sp"\nfacility = "trace-sp"\nport = 9101\nfirms = ["ACME"]\n'
    )
    expect_error(text, line=16, field="sessions[1].port", says="already used by session 'ca'")


def test_a_name_used_twice_and_a_firm_listed_twice() -> None:
    text = SESSION + '\n[[sessions]]\nname = "ca"\nfacility = "trace-sp"\nfirms = ["ACME"]\n'
    expect_error(text, line=14, field="sessions[1].name", says="already used")
    text = SESSION.replace('firms = ["ACME"]', 'firms = ["ACME", "ACME"]')
    expect_error(text, line=11, field="sessions[0].firms", says="listed twice")
    twice = (
        FIRMS
        + FIRMS.replace('"ACMEFIX"', '"OTHER"')
        + '[[sessions]]\nfacility="adf"\nfirms=["ACME"]\n'
    )
    expect_error(twice, line=8, field="firms[1].name", says="listed twice")


def test_syntax_errors_carry_the_line_from_toml() -> None:
    error = expect_error(SESSION + "\nport = = 3\n", line=13, field=None, says="not valid TOML")
    assert "(at line" not in str(error)


def test_sections_and_arrays_are_required_and_checked() -> None:
    expect_error(FIRMS, line=None, field=None, says="no [[sessions]] entries")
    expect_error(
        SESSION + "\n[extra]\nx = 1\n", line=None, field="extra", says="unknown key 'extra'"
    )
    config = parse_config(SESSION + "\n[web]\nport = 8444\n")
    assert config.sections["web"] == {"port": 8444}


def test_load_config_names_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file") as caught:
        load_config(tmp_path / "missing.toml")
    assert str(tmp_path / "missing.toml") in str(caught.value)
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    good = tmp_path / "serve.toml"
    good.write_text(SESSION)
    assert load_config(good).port("ca").port == 9101
