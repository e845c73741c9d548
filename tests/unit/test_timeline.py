"""The timeline: which login each site takes on each date, UAT windows and registration, and the
dated facility facts (hours, precision) it joins from the profiles."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError, UserInputError
from simulator.timeline import Auth, SiteStatus, Timeline
from simulator.timestamps import parse_iso8601

DATA = Path(__file__).resolve().parents[2] / "simulator" / "facilities" / "data"
LAST = "T23:59:59.999999999"


def at(text: str) -> int:
    return parse_iso8601(text)


@pytest.fixture
def timeline() -> Timeline:
    return Timeline.default()


def test_known_sites(timeline: Timeline) -> None:
    assert set(timeline.hosts()) == {
        "mpp.nasdaq.com",
        "beta.finratraqs.org",
        "finratraqs.org",
        "download2.finratraqs.org",
        "download.finratraqs.org",
        "ntf.finratraqs.org",
        "ntf-download.finratraqs.org",
    }


def test_beta_site_lives_only_for_the_parallel_period(timeline: Timeline) -> None:
    before = timeline.at(at("2021-03-07" + LAST)).website_auth("beta.finratraqs.org")
    assert (before.status, before.auth, before.live) == (SiteStatus.NOT_YET_LIVE, None, False)
    assert before.notice and "2021-03-08" in before.notice
    first = timeline.at(at("2021-03-08")).website_auth("beta.finratraqs.org")
    assert (first.status, first.auth) == (SiteStatus.LIVE, Auth.MFA)
    last = timeline.at(at("2021-04-16" + LAST)).website_auth("beta.finratraqs.org")
    assert last.auth is Auth.MFA
    moved = timeline.at(at("2021-04-17")).website_auth("beta.finratraqs.org")
    assert (moved.status, moved.moved_to, moved.auth) == (SiteStatus.MOVED, "finratraqs.org", None)
    assert moved.notice and "finratraqs.org" in moved.notice


def test_traqs_moves_from_certificates_to_mfa_on_2021_04_19(timeline: Timeline) -> None:
    old = timeline.at(at("2021-04-18" + LAST)).website_auth("finratraqs.org")
    new = timeline.at(at("2021-04-19")).website_auth("finratraqs.org")
    assert (old.auth, new.auth) == (Auth.CERTIFICATE, Auth.MFA)
    assert old.accepts("certificate") and not old.accepts("mfa")
    assert new.accepts(Auth.MFA) and not new.accepts("certificate")


@pytest.mark.parametrize(
    ("when", "production", "ntf"),
    [
        ("2020-11-11", Auth.CERTIFICATE, Auth.CERTIFICATE),
        ("2020-11-12", Auth.CERTIFICATE, Auth.EITHER),
        ("2021-03-07T23:59:59.999999999", Auth.CERTIFICATE, Auth.EITHER),
        ("2021-03-08", Auth.EITHER, Auth.EITHER),
        ("2021-03-20T09:30", Auth.EITHER, Auth.EITHER),
        ("2021-04-16T23:59:59.999999999", Auth.EITHER, Auth.EITHER),
        ("2021-04-17T12:00", Auth.CERTIFICATE, Auth.EITHER),
        ("2021-04-19", Auth.MFA, Auth.MFA),
        ("2025-01-02", Auth.MFA, Auth.MFA),
    ],
)
def test_traqs_login_by_region(timeline: Timeline, when: str, production: Auth, ntf: Auth) -> None:
    state = timeline.at(at(when))
    assert state.traqs_auth() is production
    assert state.traqs_auth(Region.NTF) is ntf
    assert state.traqs_auth("ntf") is ntf


@pytest.mark.parametrize(
    ("when", "production", "ntf"),
    [
        ("2021-03-10", Auth.CERTIFICATE_PASSWORD, Auth.CERTIFICATE_PASSWORD),
        ("2024-04-30T23:59:59.999999999", Auth.CERTIFICATE_PASSWORD, Auth.CERTIFICATE_PASSWORD),
        ("2024-05-01", Auth.CERTIFICATE_PASSWORD, Auth.MFA),
        ("2024-09-29T23:59:59.999999999", Auth.CERTIFICATE_PASSWORD, Auth.MFA),
        ("2024-09-30", Auth.MFA, Auth.MFA),
    ],
)
def test_api_login_until_and_after_its_mfa_dates(
    timeline: Timeline, when: str, production: Auth, ntf: Auth
) -> None:
    state = timeline.at(at(when))
    assert (state.api_auth(), state.api_auth(Region.NTF)) == (production, ntf)


def test_api_hosts(timeline: Timeline) -> None:
    parallel = timeline.at(at("2021-03-10"))
    assert parallel.website_auth("download2.finratraqs.org").auth is Auth.CERTIFICATE_PASSWORD
    permanent_host = parallel.website_auth("download.finratraqs.org")
    assert permanent_host.status is SiteStatus.NOT_YET_LIVE
    assert permanent_host.notice and "download2.finratraqs.org" in permanent_host.notice
    later = timeline.at(at("2021-04-19"))
    assert later.website_auth("download.finratraqs.org").accepts("certificate+password")
    assert later.website_auth("download2.finratraqs.org").accepts("certificate+password")
    mfa = timeline.at(at("2024-09-30"))
    assert mfa.website_auth("download.finratraqs.org").auth is Auth.MFA
    assert not timeline.at(at("2021-03-07")).website_auth("download2.finratraqs.org").live


def test_ntf_site_accepts_either_login_during_its_beta(timeline: Timeline) -> None:
    access = timeline.at(at("2021-01-15")).website_auth("ntf.finratraqs.org")
    assert access.auth is Auth.EITHER
    assert access.accepts("certificate") and access.accepts("mfa")
    assert not access.accepts("certificate+password")
    assert access.inferred  # the NTF host name is an inference
    assert not timeline.at(at("2021-04-19")).website_auth("finratraqs.org").inferred


def test_mfa_setup_site(timeline: Timeline) -> None:
    assert timeline.at(at("2021-03-04")).website_auth("mpp.nasdaq.com").auth is Auth.MFA
    assert not timeline.at(at("2020-06-01")).website_auth("mpp.nasdaq.com").live


@pytest.mark.parametrize(
    "host", ["BETA.finratraqs.org", "https://beta.finratraqs.org/login", "beta.finratraqs.org.:443"]
)
def test_hosts_may_be_written_as_urls(timeline: Timeline, host: str) -> None:
    assert timeline.at(at("2021-03-10")).website_auth(host).host == "beta.finratraqs.org"


def test_unknown_region_product_or_method_is_a_user_error(timeline: Timeline) -> None:
    state = timeline.at(at("2021-03-10"))
    with pytest.raises(UserInputError, match="unknown region 'uat'; valid: production, ntf"):
        state.api_auth("uat")
    with pytest.raises(UserInputError, match="unknown product"):
        timeline.auth_at("workx", "production", at("2021-03-10"))
    with pytest.raises(UserInputError, match="unknown login method 'password'"):
        state.website_auth("finratraqs.org").accepts("password")
    assert state.traqs_auth(" NTF ") is Auth.EITHER


def test_unknown_host_lists_the_known_ones(timeline: Timeline) -> None:
    with pytest.raises(UserInputError) as info:
        timeline.at(at("2021-03-10")).website_auth("traqs.finra.org")
    assert "traqs.finra.org" in str(info.value) and "beta.finratraqs.org" in str(info.value)


# -- UAT -----------------------------------------------------------------------------------------


def test_the_2021_03_20_uat_window(timeline: Timeline) -> None:
    uat = timeline.uat_on(dt.date(2021, 3, 20))
    assert uat is not None
    assert (uat.start_ns, uat.end_ns) == (at("2021-03-20T13:00:00Z"), at("2021-03-20T17:00:00Z"))
    assert uat.registration_deadline_ns == at("2021-03-17T16:00:00Z")  # noon EDT
    assert timeline.uat_on(dt.date(2021, 3, 21)) is None
    assert any("Monday" in note for note in uat.notes)
    assert timeline.at(at("2021-03-20T08:59:59.999999999")).active_uat is None
    assert timeline.at(at("2021-03-20T09:00")).active_uat == uat
    assert timeline.at(at("2021-03-20T12:59:59.999999999")).active_uat == uat
    assert timeline.at(at("2021-03-20T13:00")).active_uat is None


def test_registration_closes_at_noon_on_wednesday(timeline: Timeline) -> None:
    uat = timeline.uat("2021-03-20")
    assert timeline.registration_open(uat, at("2021-03-17T12:00:00"))
    assert not timeline.registration_open(uat, at("2021-03-17T12:00:00") + 1)
    assert timeline.registration_open("2021-03-20", at("2021-03-12T10:00"))
    assert [u.key for u in timeline.at(at("2021-03-16")).registration_deadlines_ahead] == [
        "2021-03-20"
    ]
    after = timeline.at(at("2021-03-18"))
    assert after.registration_deadlines_ahead == []
    assert [u.key for u in after.upcoming_uats] == ["2021-03-20"]
    with pytest.raises(UserInputError, match="unknown UAT window"):
        timeline.uat("2021-03-27")


def test_facilities_open_for_the_uat_only_if_they_take_part(timeline: Timeline) -> None:
    state = timeline.at(at("2021-03-20T10:00"))
    trace = state.facility("trace-ca")
    assert (trace.open, trace.open_for_uat, trace.closed_reason) == (False, True, "Saturday")
    nyse = state.facility("nyse-trf")
    assert (nyse.open, nyse.open_for_uat) == (False, False)
    assert nyse.next_open_ns == at("2021-03-22T08:00")


def test_add_uat_window(timeline: Timeline) -> None:
    added = timeline.add_uat_window(
        "2021-04-10T09:00",
        "2021-04-10T12:00",
        registration_deadline="2021-04-07T12:00",
        facilities=["trace-ca", "NYSE_TRF"],
        notes=["Bring MFA devices."],
    )
    assert added.key == "2021-04-10"
    assert added.facilities == (FacilityId.TRACE_CA, FacilityId.NYSE_TRF)
    assert [u.key for u in timeline.uat_windows()] == ["2021-03-20", "2021-04-10"]
    assert timeline.uat_on(dt.date(2021, 4, 10)) == added
    assert timeline.at(at("2021-04-10T10:00")).facility("nyse-trf").open_for_uat
    assert not timeline.at(at("2021-04-10T10:00")).facility("adf").open_for_uat
    assert any(e.key == "uat-2021-04-10" for e in timeline.events())
    # a fresh default timeline does not see it
    assert Timeline.default().uat_on(dt.date(2021, 4, 10)) is None
    every = timeline.add_uat_window(at("2021-05-01T09:00"), at("2021-05-01T10:00"), key="may")
    assert every.facilities == tuple(FacilityId) and every.registration_deadline_ns is None
    assert every.registration_open(at("2021-05-01T08:59")) and not every.registration_open(
        at("2021-05-01T09:00")
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"start": "2021-04-10T12:00", "end": "2021-04-10T09:00"}, "ends"),
        ({"start": "2021-04-10T09:00", "end": "2021-04-10T09:00"}, "ends"),
        (
            {
                "start": "2021-04-10T09:00",
                "end": "2021-04-10T12:00",
                "registration_deadline": "2021-04-10T10:00",
            },
            "after the test starts",
        ),
        ({"start": "2021-03-20T09:00", "end": "2021-03-20T10:00"}, "already exists"),
        ({"start": "soon", "end": "2021-04-10T12:00"}, "UAT start"),
        (
            {"start": "2021-04-10T09:00", "end": "2021-04-10T12:00", "facilities": ["nasdaq"]},
            "unknown facility",
        ),
    ],
)
def test_bad_uat_windows_are_refused(
    timeline: Timeline, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(UserInputError, match=fragment):
        timeline.add_uat_window(**kwargs)  # type: ignore[arg-type]
    assert [u.key for u in timeline.uat_windows()] == ["2021-03-20"]


# -- facility facts through the timeline ---------------------------------------------------------


def test_facility_status_on_the_2026_hours_change(timeline: Timeline) -> None:
    state = timeline.at(at("2026-03-30T04:30"))
    facilities = state.facilities
    assert [f for f, s in facilities.items() if s.open] == [
        FacilityId.NASDAQ_TRF_CARTERET,
        FacilityId.NASDAQ_TRF_CHICAGO,
        FacilityId.NYSE_TRF,
    ]
    assert facilities[FacilityId.ADF].next_open_ns == at("2026-03-30T08:00")
    assert not timeline.at(at("2026-03-27T04:30")).facility("nyse-trf").open


def test_precision_through_the_timeline(timeline: Timeline) -> None:
    before, after = timeline.at(at("2021-11-14" + LAST)), timeline.at(at("2021-11-15"))
    assert before.precision("nasdaq-trf-carteret", "native-fix42").inbound == 3
    assert after.precision("nasdaq-trf-carteret", PortType.NATIVE_FIX42).inbound == 9
    assert after.precision("nasdaq-trf-carteret", "legacy-fix42").inbound == 3
    table = after.precision_table(Region.NTF)
    assert table[FacilityId.TRACE_TS][PortType.FIX44].outbound == 3
    assert set(table) == set(FacilityId)


def test_events_come_from_the_data_and_the_profiles(timeline: Timeline) -> None:
    events = timeline.events()
    assert [e.start_ns for e in events] == sorted(e.start_ns for e in events)
    keys = {e.key for e in events}
    assert {
        "traqs-parallel-period",
        "traqs-mfa-only",
        "api-mfa-production",
        "uat-2021-03-20",
        "nyse-trf-hours-2026-03-30",
        "nasdaq-trf-carteret-native-fix42-production-precision-2021-11-15",
        "nasdaq-trf-carteret-native-fix42-ntf-precision-2021-08-16",
        "trace-ts-fix44-all-regions-precision-2023-07-10",
        "nasdaq-trf-chicago-launch",
    } <= keys
    in_force = [e.key for e in timeline.at(at("2021-03-10")).events_in_force]
    assert in_force == ["traqs-ntf-beta", "traqs-parallel-period"]
    assert timeline.at(at("2021-03-21")).next_events(1)[0].key == "traqs-mfa-only"


def test_to_json(timeline: Timeline) -> None:
    data = timeline.at(at("2021-03-20T09:30")).to_json()
    json.dumps(data)  # plain JSON
    assert data["at"] == "2021-03-20T09:30:00.000000000-04:00"
    assert data["facilities"]["trace-ca"]["uat"] == "2021-03-20"
    assert data["facilities"]["nyse-trf"]["open"] is False
    assert data["precision"]["production"]["nasdaq-trf-carteret"]["native-fix42"] == {
        "inbound": 3,
        "outbound": 3,
    }
    assert data["traqs_auth"] == {"production": "either", "ntf": "either"}
    assert data["api_auth"] == {"production": "certificate+password", "ntf": "certificate+password"}
    assert data["sites"]["beta.finratraqs.org"]["auth"] == "mfa"
    assert data["active_uat"]["registration_deadline"] == "2021-03-17T12:00:00.000000000-04:00"


# -- loading -------------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "timeline.toml"
    shutil.copy(DATA / "timeline.toml", target)
    return target


def test_a_copied_timeline_loads(copy: Path) -> None:
    timeline = Timeline.from_file(copy)
    assert timeline.uat_on(dt.date(2021, 3, 20)) is not None


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('moved_to = "finratraqs.org"', 'moved_to = "elsewhere.org"', "unknown 'elsewhere.org'"),
        ('since = "2021-04-19"\nauth = "mfa"', 'since = "2021-03-01"\nauth = "mfa"', "increasing"),
        ('auth = "either"', 'auth = "both"', "must be one of certificate, mfa"),
        ('start = "2021-03-20T09:00"', 'start = "2021-03-20T14:00"', "must be after start"),
        ('registration_deadline = "2021-03-17T12:00"', 'registration_deadline = "tomorrow"', "ISO"),
        ('facilities = ["trace-ca",', 'facilities = ["trace-xx",', "field 'uat[0].facilities'"),
    ],
)
def test_broken_timelines_name_the_file_and_field(
    copy: Path, old: str, new: str, fragment: str
) -> None:
    text = copy.read_text()
    assert old in text
    copy.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        Timeline.from_file(copy)
    assert fragment in str(info.value)
    assert str(copy) in str(info.value)


def test_not_live_phases_need_a_notice(copy: Path) -> None:
    text = copy.read_text()
    old = (
        'notice = "The new TRAQS infrastructure opens here for the production parallel period '
        'on Monday 2021-03-08."\n'
    )
    assert old in text
    copy.write_text(text.replace(old, ""))
    with pytest.raises(ConfigError, match="is needed for a 'not-yet-live' phase"):
        Timeline.from_file(copy)


def test_unreadable_and_invalid_files(copy: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        Timeline.from_file(copy.parent / "absent.toml")
    copy.write_text("[[sites]\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        Timeline.from_file(copy)
