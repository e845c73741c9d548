"""Organisation files: the samples load, mistakes name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.entitlement import AccountKind, Directory
from simulator.entitlement.config import load_org_file, load_org_files
from simulator.errors import ConfigError
from simulator.timestamps import parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")
ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "scenarios" / "orgs"
PACKAGED = ROOT / "simulator" / "web" / "data" / "orgs"

GOOD = """\
[organisation]
org_id = "900001"
name = "Test Firm"
mpids = ["TSTA"]

[[accounts]]
username = "saa@test.example"
kind = "saa"
password = "Saa-pass-1"

[[accounts]]
username = "user@test.example"
mpids = ["TSTA"]
regions = ["ntf"]
privileges = ["traqs.view"]
"""


def load(tmp_path: Path, text: str) -> Directory:
    path = tmp_path / "firm.toml"
    path.write_text(text)
    directory = Directory(kdf_cost=2**8)
    load_org_file(path, directory, T0)
    return directory


def test_sample_organisations_load() -> None:
    directory = Directory(kdf_cost=2**8)
    files = load_org_files([SAMPLES], directory, T0)
    assert {f.org_id for f in files} == {"100001", "100002"}
    for org in directory.organisations():
        saas = [a for a in directory.accounts(org.org_id) if a.kind is AccountKind.SAA]
        assert len(saas) == 1
    tom = directory.account("tom.trader@acme.example")
    assert tom.mpids == {"ACME", "ACMX"}
    assert {s.username for f in files for s in f.accounts if s.certificate} >= {
        "tina.trader@acme.example",
        "bob.trader@bravo.example",
    }


def test_packaged_defaults_are_the_samples() -> None:
    names = sorted(p.name for p in SAMPLES.glob("*.toml"))
    assert names == sorted(p.name for p in PACKAGED.glob("*.toml"))
    for name in names:
        assert (SAMPLES / name).read_text() == (PACKAGED / name).read_text(), name


def test_a_good_file_loads(tmp_path: Path) -> None:
    directory = load(tmp_path, GOOD)
    assert directory.account("user@test.example").mpids == {"TSTA"}


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return caught.value


def test_second_saa_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace(
        'username = "user@test.example"', 'username = "u@test.example"\nkind = "saa"'
    )
    error = _error(tmp_path, text)
    assert error.line == 13
    assert error.field == "accounts[1].kind"
    assert "only one Super Account Administrator" in str(error)
    assert str(error).startswith(str(tmp_path / "firm.toml") + ":13")


def test_bad_mpid_and_foreign_mpid(tmp_path: Path) -> None:
    error = _error(tmp_path, GOOD.replace('mpids = ["TSTA"]\n\n', 'mpids = ["TS1"]\n\n', 1))
    assert error.field == "organisation.mpids"
    assert error.line == 4
    foreign = _error(
        tmp_path, GOOD.replace('mpids = ["TSTA"]\nregions', 'mpids = ["ZZZZ"]\nregions')
    )
    assert foreign.field == "accounts[1].mpids"
    assert foreign.line == 13


def test_unknown_key_syntax_error_and_bad_password(tmp_path: Path) -> None:
    unknown = _error(tmp_path, GOOD.replace('regions = ["ntf"]', 'region = ["ntf"]'))
    assert unknown.field == "accounts[1].region"
    syntax = _error(tmp_path, GOOD.replace('name = "Test Firm"', "name = Test Firm"))
    assert syntax.line == 3
    weak = _error(tmp_path, GOOD.replace("Saa-pass-1", "short"))
    assert weak.field == "accounts[0].password"
    assert weak.line == 9
