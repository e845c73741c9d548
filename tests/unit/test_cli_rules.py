"""``facsim timeliness`` and ``facsim timeline``: answers, JSON shape and exit codes."""

from __future__ import annotations

import json
import re

import pytest

from simulator.cli import main
from simulator.facilities import facility_names

ISO_NS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}[+-]\d{2}:\d{2}$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def timeliness_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = run(capsys, "timeliness", *argv, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


# -- timeliness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "executed", "reported", "expected"),
    [
        (
            "nasdaq-trf-carteret",
            "2021-03-15T10:00:00-04:00",
            "2021-03-15T10:00:10-04:00",
            ("on_time", None, False, "2021-03-15T10:00:10.000000000-04:00"),
        ),
        (
            "nasdaq-trf-carteret",
            "2021-03-15T10:00:00-04:00",
            "2021-03-15T10:00:10.000000001-04:00",
            ("late", "Z", False, "2021-03-15T10:00:10.000000000-04:00"),
        ),
        (
            "nyse-trf",
            "2021-03-19T20:30:00-04:00",
            "2021-03-22T08:16:00-04:00",
            ("late", "U", True, "2021-03-22T08:15:00.000000000-04:00"),
        ),
        (
            "trace-ca",
            "2021-11-05T18:20:00-04:00",
            "2021-11-08T13:15:00Z",
            ("on_time", None, True, "2021-11-08T08:15:00.000000000-05:00"),
        ),
        (
            "trace-sp",
            "2021-03-15T10:00",
            "2021-03-15T10:15:00.000000001",
            ("late", "Z", False, "2021-03-15T10:15:00.000000000-04:00"),
        ),
        (
            "nasdaq-trf-chicago",
            "2026-03-30T03:00",
            "2026-03-30T04:15",
            ("on_time", "T", False, "2026-03-30T04:15:00.000000000-04:00"),
        ),
    ],
)
def test_timeliness_json(
    capsys: pytest.CaptureFixture[str],
    facility: str,
    executed: str,
    reported: str,
    expected: tuple[object, ...],
) -> None:
    data = timeliness_json(
        capsys, "--facility", facility, "--executed", executed, "--reported", reported
    )
    assert (data["status"], data["modifier"], data["as_of"], data["deadline"]) == expected
    assert isinstance(data["rule"], str) and data["rule"].startswith("FINRA Rule")
    assert ISO_NS.match(str(data["deadline"]))
    assert data["facility"] == facility
    assert isinstance(data["explanation"], str) and len(data["explanation"]) > 40


def test_timeliness_json_carries_the_facility_code(capsys: pytest.CaptureFixture[str]) -> None:
    data = timeliness_json(
        capsys,
        "--facility",
        "nasdaq-trf-carteret",
        "--executed",
        "2021-03-15T10:00",
        "--reported",
        "2021-03-15T10:01",
    )
    assert (data["modifier"], data["facility_code"]) == ("Z", "I")
    assert data["executed"] == "2021-03-15T10:00:00.000000000-04:00"
    assert data["reported"] == data["received"] == "2021-03-15T10:01:00.000000000-04:00"


def test_timeliness_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "timeliness",
        "--facility",
        "trace-ca",
        "--executed",
        "2021-03-19T18:20",
        "--reported",
        "2021-03-22T08:15:00.000000001",
    )
    assert (code, err) == (0, "")
    assert out.startswith("LATE, modifier Z, as/of")
    assert "deadline  2021-03-22T08:15:00.000000000-04:00" in out
    assert "FINRA Rule 6730(a)(1)(C)" in out
    code, out, _ = run(
        capsys,
        "timeliness",
        "--facility",
        "nasdaq-trf-carteret",
        "--executed",
        "2021-03-15T10:00",
        "--reported",
        "2021-03-15T10:00:05",
    )
    assert code == 0 and out.startswith("ON TIME, modifier none\n")


def test_timeliness_help_lists_every_facility(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["timeliness", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in facility_names():
        assert re.search(rf"^\s+{re.escape(name)}\s", out, re.MULTILINE), name
    assert "--executed" in out and "--reported" in out and "--json" in out


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (
            [
                "--facility",
                "nasdaq",
                "--executed",
                "2021-03-15T10:00",
                "--reported",
                "2021-03-15T10:01",
            ],
            ["--facility", "unknown facility 'nasdaq'", "trace-ts"],
        ),
        (
            ["--facility", "adf", "--executed", "yesterday", "--reported", "2021-03-15T10:01"],
            ["--executed", "'yesterday'"],
        ),
        (
            [
                "--facility",
                "adf",
                "--executed",
                "2021-03-15T10:00",
                "--reported",
                "2021-02-30T10:01",
            ],
            ["--reported", "'2021-02-30T10:01'"],
        ),
        (
            [
                "--facility",
                "adf",
                "--executed",
                "2021-03-15T10:00",
                "--reported",
                "2021-03-15T09:59",
            ],
            ["--reported", "is before --executed"],
        ),
    ],
)
def test_timeliness_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    for flag in ([], ["--json"]):
        code, out, err = run(capsys, "timeliness", *argv, *flag)
        assert code == 2
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("facsim timeliness: ")
        assert "Traceback" not in err
        for fragment in fragments:
            assert fragment in err


def test_timeliness_missing_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["timeliness", "--facility", "adf", "--executed", "2021-03-15T10:00"])
    assert info.value.code == 2
    assert "--reported" in capsys.readouterr().err


# -- timeline ------------------------------------------------------------------------------------


def test_timeline_text_on_the_uat_saturday(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "timeline", "--at", "2021-03-20T09:30:00-04:00")
    assert (code, err) == (0, "")
    assert out.startswith("At 2021-03-20T09:30:00.000000000-04:00 (Saturday 2021-03-20")
    assert re.search(r"trace-ca\s+UAT\s+open for UAT 2021-03-20", out)
    assert re.search(r"nyse-trf\s+closed\s+closed all day: Saturday", out)
    assert re.search(r"nasdaq-trf-carteret\s+native-fix42 3/3, legacy-fix42 3/3", out)
    assert re.search(r"beta\.finratraqs\.org\s+mfa", out)
    assert re.search(r"finratraqs\.org\s+certificate", out)
    assert "TRAQS login (production): either" in out
    assert "reference-data API (production): certificate+password" in out
    assert "running: Second FINRA production UAT" in out


def test_timeline_text_before_the_registration_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "timeline", "--at", "2021-03-16T10:00")
    assert code == 0
    assert "registration open for 2021-03-20" in out
    assert "until 2021-03-17T12:00:00-04:00" in out
    assert re.search(r"nyse-trf\s+OPEN\s+08:00-20:00 ET \(market hours 09:30-16:00\)", out)
    code, out, _ = run(capsys, "timeline", "--at", "2021-03-18T10:00")
    assert "2021-03-20: registration closed" in out


def test_timeline_shows_ntf_precision_where_it_differs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "timeline", "--at", "2021-09-01T12:00")
    assert code == 0
    assert re.search(r"native-fix42 3/3 \(NTF 9/9\)", out)
    assert re.search(r"legacy-fix42 3/3,", out)


def test_timeline_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "timeline", "--at", "2026-03-30T04:30", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["at"] == "2026-03-30T04:30:00.000000000-04:00"
    assert data["facilities"]["nyse-trf"]["open"] is True
    assert data["facilities"]["nyse-trf"]["hours"]["open"] == "2026-03-30T04:00:00.000000000-04:00"
    assert data["facilities"]["adf"]["open"] is False
    assert data["precision"]["production"]["trace-ts"]["fix44"] == {"inbound": 6, "outbound": 6}
    assert data["api_auth"]["production"] == "mfa"
    assert data["sites"]["beta.finratraqs.org"]["status"] == "moved"
    assert data["active_uat"] is None
    assert set(data) >= {"traqs_auth", "registration_deadlines", "events_in_force"}


def test_timeline_defaults_to_now(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "timeline", "--json")
    assert code == 0
    assert ISO_NS.match(json.loads(out)["at"])


def test_timeline_bad_instant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "timeline", "--at", "next saturday")
    assert (code, out) == (2, "")
    assert err == (
        "facsim timeline: --at: 'next saturday' is not an ISO 8601 instant "
        "(e.g. 2021-03-20T09:00:00-04:00)\n"
    )
