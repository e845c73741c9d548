"""``[[faults]]`` and ``secondary_port`` in the ``facsim serve`` config: read, checked, located."""

from __future__ import annotations

import pytest

from simulator.config import parse_config, session_id
from simulator.errors import ConfigError
from simulator.faults.spec import FaultKind
from simulator.timestamps import parse_iso8601

BASE = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]

[[sessions]]
name = "trace-ca"
facility = "trace-ca"
port = 9101
firms = ["ACME"]
"""


def test_faults_are_read_in_order_with_toml_instants() -> None:
    config = parse_config(
        BASE
        + """
[[faults]]
kind = "outage"
facility = "trace-ca"
at = 2021-11-15T10:00:00
duration = "15m"

[[faults]]
kind = "disconnect"
session = "trace-ca:ACMEFIX"
on_message = 3
logout = true
""",
        "serve.toml",
    )
    outage, disconnect = config.faults
    assert outage.kind is FaultKind.OUTAGE
    assert outage.trigger.at_ns == parse_iso8601("2021-11-15T10:00:00-05:00")
    assert (disconnect.trigger.on_message, disconnect.logout) == (3, True)
    assert config.sections["faults"][0]["kind"] == "outage"  # the raw table is still there


def test_no_faults_section_means_no_faults() -> None:
    assert parse_config(BASE).faults == ()


@pytest.mark.parametrize(
    ("entry", "line", "field", "words"),
    [
        ('kind = "disconnect"\nport = "nyse-trf"', 15, "faults[0].port", "no port named"),
        ('kind = "delay"', 13, "faults[0]", "delay: is required"),
        ('kind = "withhold"\nfirm = "BETA"', 15, "faults[0].firm", "matches no session"),
        ('kind = "delay"\ndelay = "soon"', 15, "faults[0].delay", "not a duration"),
        ('kind = "silence"\nlouder = true', 15, "faults[0].louder", "not a setting"),
    ],
)
def test_a_bad_fault_names_file_line_and_field(
    entry: str, line: int, field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + "\n[[faults]]\n" + entry + "\n", "serve.toml")
    error = caught.value
    assert (error.path, error.line, error.field) == ("serve.toml", line, field), str(error)
    assert words in str(error)


def test_faults_must_be_an_array_of_tables() -> None:
    with pytest.raises(ConfigError, match="array of tables"):
        parse_config(BASE.replace("[[firms]]", 'faults = "x"\n[[firms]]', 1))


def test_a_secondary_port_and_its_conflicts() -> None:
    config = parse_config(BASE.replace("port = 9101", "port = 9101\nsecondary_port = 9111"))
    assert config.port("trace-ca").secondary_port == 9111
    assert parse_config(BASE).port("trace-ca").secondary_port is None
    auto = parse_config(BASE.replace("port = 9101", "port = 9101\nsecondary_port = 0"))
    assert auto.port("trace-ca").secondary_port == 0
    with pytest.raises(ConfigError, match="already used"):
        parse_config(BASE.replace("port = 9101", "port = 9101\nsecondary_port = 9101"))
    with pytest.raises(ConfigError, match="between 0 and 65535"):
        parse_config(BASE.replace("port = 9101", "port = 9101\nsecondary_port = 70000"))


def test_session_ids_are_port_comp_id_and_sub_id() -> None:
    assert session_id("trace-ca", "ACMEFIX") == "trace-ca:ACMEFIX"
    assert session_id("trace-ca", "BETATRACE", "DESK1") == "trace-ca:BETATRACE:DESK1"
    config = parse_config(BASE)
    assert config.port("trace-ca").session_ids() == ["trace-ca:ACMEFIX"]
    (ref,) = config.session_refs()
    assert (ref.session_id, ref.firm, ref.comp_id, ref.mpids) == (
        "trace-ca:ACMEFIX",
        "ACME",
        "ACMEFIX",
        ("ACME",),
    )
