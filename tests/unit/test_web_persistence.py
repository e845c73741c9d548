"""The web front's state saved and read back: each component's snapshot/restore, the state file,
and the rules for a restart on the same data directory (issue 6, item 2).

Round trips go through the real JSON text (``dumps`` then ``json.loads``), as the state file
does, and check behaviour after the restore -- a used TOTP code still refused, a session found by
its cookie token, a lock still holding -- not only that the data came back.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pyotp
import pytest

from simulator.clock import HOUR, MINUTE, SECOND, ManualClock
from simulator.domain.facility import Region
from simulator.entitlement import AccountKind, AccountStatus, CertificationPeriod, Directory
from simulator.entitlement.lockout import is_locked
from simulator.errors import ConfigError
from simulator.journal import open_memory_journal
from simulator.journal.sqlite import SqliteJournal
from simulator.mfa import FactorKind, MfaError, MfaService
from simulator.outbox import Outbox
from simulator.snapshot import SnapshotError
from simulator.timeline import Timeline
from simulator.timestamps import parse_iso8601
from simulator.web.component import default_org_files
from simulator.web.persistence import (
    STATE_FILENAME,
    StateNotSaved,
    WebStateStore,
    dumps,
    state_path,
)
from simulator.web.sessions import IDLE_TIMEOUT_NS, SessionStore, token_key
from simulator.web.state import WebState
from simulator.web.tokens import ACCESS_TTL_NS, ApiTokens, TokenError
from simulator.web.uat import UatRegistry

T0 = parse_iso8601("2021-03-15T10:00:00-04:00")
FAST_KDF = 2**4
SAA = "saa@acme.example"
TINA = "tina@acme.example"


def through_json(data: Any) -> Any:
    """What the state file gives back: the canonical text, parsed again."""
    return json.loads(dumps(data))


# -- the entitlement directory ---------------------------------------------------------------


def acme() -> Directory:
    d = Directory(kdf_cost=FAST_KDF)
    d.add_organisation("100001", "Acme Securities LLC", mpids=["ACME", "ACMX"], cco_email="c@a.x")
    d.designate_saa("100001", SAA, "Sam Saa", T0)
    d.activate(SAA, "Saa-pass-1", T0)
    d.create_role(SAA, "Trader", "trade reporting", ["traqs.report", "traqs.view"], T0)
    d.create_role(SAA, "Old", "retired", ["traqs.view"], T0)
    d.delete_role(SAA, "Old", "no longer used", T0)
    d.create_account(SAA, TINA, "Tina", T0)
    d.activate(TINA, "Tina-pass-1", T0)
    d.entitle(SAA, TINA, T0, mpids=["ACME"], regions=[Region.PRODUCTION, Region.NTF])
    d.assign_role(SAA, TINA, "Trader", T0)
    d.set_security_questions(
        TINA,
        [
            "What is the name of the street you grew up on?",
            "What was the name of your first pet?",
            "In what city were you born?",
        ],
        ["Main Street", "Buddy", "Newark"],
        T0,
    )
    d.register_certificate(TINA, "AB" * 32)
    d.create_account(SAA, "gone@acme.example", "Gone", T0)
    d.set_status(SAA, "gone@acme.example", AccountStatus.DELETED, T0)
    d.open_certification(
        "100001", CertificationPeriod(start=dt.date(2021, 3, 1), due=dt.date(2021, 4, 30)), T0
    )
    return d


def test_directory_round_trip_keeps_every_field_and_behaves_the_same() -> None:
    original = acme()
    # state that only use creates: failures, a lock, questions answered wrong, a login
    for minute in range(3):
        original.verify_password(TINA, "wrong-pass-1", T0 + minute * MINUTE)
    original.verify_answer(TINA, 0, "wrong", T0)
    original.record_login(SAA, T0 + HOUR)
    for _ in range(5):
        original.verify_password(SAA, "bad-pass-1", T0 + 2 * HOUR)
    original.certification_notices(T0 + 2 * HOUR)

    restored = Directory(kdf_cost=FAST_KDF)
    restored.restore(through_json(original.snapshot()))

    assert dumps(restored.snapshot()) == dumps(original.snapshot())
    tina = restored.account(TINA)
    assert len(tina.password_failures) == 3 and tina.question_failures == 1
    assert tina.regions == {Region.PRODUCTION, Region.NTF} and tina.roles == {"Trader"}
    assert "ab" * 32 in tina.certificate_fingerprints
    # two more wrong passwords within the hour lock her: the three before the restart counted
    restored.verify_password(TINA, "wrong-pass-1", T0 + 10 * MINUTE)
    outcome = restored.verify_password(TINA, "wrong-pass-1", T0 + 11 * MINUTE)
    assert outcome.verdict.code == "account-locked"
    # the SAA's lock holds until exactly one hour after it started
    saa = restored.account(SAA)
    assert is_locked(saa.locked_until_ns, T0 + 3 * HOUR - 1)
    assert not is_locked(saa.locked_until_ns, T0 + 3 * HOUR)
    assert restored.verify_password(SAA, "Saa-pass-1", T0 + 3 * HOUR).verdict.allowed
    # the deleted role and account stay deleted; the org keeps its SAA and certification
    org = restored.organisation("100001")
    assert org.roles["Old"].deleted and org.roles["Old"].deleted_reason == "no longer used"
    assert restored.find("gone@acme.example").status is AccountStatus.DELETED
    assert org.saa_username == SAA and org.certification is not None
    assert org.certification.initial_sent and org.certification.accounts_at_start == 2
    # no clear password or answer is in the saved text
    text = dumps(original.snapshot())
    assert "Tina-pass-1" not in text and "Buddy" not in text and "scrypt$" in text


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda s: s["accounts"][0].__setitem__("kind", "emperor"), "accounts[0].kind"),
        (lambda s: s["accounts"][1].__setitem__("password_failures", ["x"]), "password_failures"),
        (lambda s: s["accounts"][1].__setitem__("org_id", "999"), "organisation '999'"),
        (lambda s: s["organisations"][0].__setitem__("mpids", "ACME"), "organisations[0].mpids"),
        (lambda s: s["accounts"][1].__setitem__("regions", ["mars"]), "regions[0]"),
        (lambda s: s.pop("accounts"), "directory.accounts: missing"),
    ],
)
def test_a_damaged_directory_snapshot_is_refused_naming_the_field(damage: Any, named: str) -> None:
    snapshot = through_json(acme().snapshot())
    damage(snapshot)
    target = acme()
    before = dumps(target.snapshot())
    with pytest.raises(SnapshotError, match=named.replace("[", r"\[").replace("]", r"\]")):
        target.restore(snapshot)
    assert dumps(target.snapshot()) == before  # nothing changed


def test_adopt_missing_adds_what_is_new_in_the_files_and_keeps_the_rest() -> None:
    saved = acme()
    saved.activate(TINA, "Changed-pass-2", T0)  # changed at run time
    files = acme()  # the files read again: tina's configured password, plus new things
    files.create_role(SAA, "Viewer", "view only", ["traqs.view"], T0)
    files.create_account(SAA, "new@acme.example", "New", T0)
    files.add_organisation("200002", "Bravo LLC", mpids=["BRAV"])
    files.designate_saa("200002", "saa@bravo.example", "Beth", T0)
    intruder = files.create_account(SAA, "second.saa@acme.example", "Second", T0)
    intruder.kind = AccountKind.SAA  # a file that names a second SAA for Acme

    added = saved.adopt_missing(files)

    assert sorted(added) == [
        "account new@acme.example",
        "account saa@bravo.example",
        "account second.saa@acme.example",
        "organisation 200002",
        "role Viewer of 100001",
    ]
    assert saved.verify_password(TINA, "Changed-pass-2", T0).verdict.allowed  # saved wins
    assert saved.organisation("200002").saa_username == "saa@bravo.example"
    assert saved.organisation("100001").saa_username == SAA
    assert saved.account("second.saa@acme.example").kind is AccountKind.USER  # one SAA (Q4)
    assert saved.organisation("100001").roles["Old"].deleted  # not brought back
    assert saved.adopt_missing(files) == []  # a second read adds nothing


# -- the MFA service --------------------------------------------------------------------------


def restored_mfa(original: MfaService, outbox: Outbox) -> MfaService:
    copy = MfaService(outbox, seed=1)
    copy.restore(through_json(original.snapshot()))
    return copy


def test_mfa_round_trip_keeps_factors_replay_protection_codes_and_invitations() -> None:
    outbox = Outbox()
    mfa = MfaService(outbox, seed=1)
    factor = mfa.begin_totp(TINA, T0)
    assert factor.secret is not None
    mfa.confirm_totp(TINA, pyotp.TOTP(factor.secret).at(T0 // SECOND), T0)
    mfa.add_phone(TINA, FactorKind.SMS, "+1 212 555 0102", T0)
    code = outbox.latest(to="+1 212 555 0102")
    assert code is not None and code.code is not None
    mfa.confirm_phone(TINA, FactorKind.SMS, code.code, T0)
    mfa.send_code(TINA, FactorKind.SMS, T0 + MINUTE)  # pending when the simulator stops
    pending = outbox.latest(to="+1 212 555 0102")
    assert pending is not None and pending.code is not None
    invitation = mfa.invite("new@acme.example", "New", "https://mpp.nasdaq.com/enrol", T0)
    used = mfa.invite("old@acme.example", "Old", "https://mpp.nasdaq.com/enrol", T0)
    mfa.complete_invitation(used.token, T0)

    copy = restored_mfa(mfa, outbox)

    assert dumps(copy.snapshot()) == dumps(mfa.snapshot())
    assert [f.kind for f in copy.factors(TINA)] == [FactorKind.TOTP, FactorKind.SMS]
    assert copy.secret_for(TINA) == factor.secret
    # the code used before the restart is still refused (RFC 6238 5.2)
    with pytest.raises(MfaError) as reused:
        copy.verify(TINA, FactorKind.TOTP, pyotp.TOTP(factor.secret).at(T0 // SECOND), T0)
    assert reused.value.code == "code-reused"
    # the SMS code sent before the restart works once, until its 5 minutes are up
    assert copy.verify(TINA, FactorKind.SMS, pending.code, T0 + 2 * MINUTE).kind is FactorKind.SMS
    with pytest.raises(MfaError):
        copy.verify(TINA, FactorKind.SMS, pending.code, T0 + 2 * MINUTE)
    assert copy.invitation(invitation.token, T0 + MINUTE).username == "new@acme.example"
    with pytest.raises(MfaError) as again:
        copy.invitation(used.token, T0 + MINUTE)
    assert again.value.code == "invitation-used"
    # the seeded source continues: the next token is the one the original would have issued
    assert (
        copy.invite("a@x.example", "A", "l", T0).token
        == mfa.invite("a@x.example", "A", "l", T0).token
    )
    assert copy.invite("b@x.example", "B", "l", T0).token not in {invitation.token, used.token}


def test_a_damaged_mfa_snapshot_is_refused() -> None:
    mfa = MfaService(Outbox(), seed=1)
    mfa.enrol_totp_secret(TINA, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", T0)
    snapshot = through_json(mfa.snapshot())
    snapshot["random"] = [3, "not numbers", None]
    with pytest.raises(SnapshotError, match=r"mfa\.random"):
        MfaService(Outbox()).restore(snapshot)
    snapshot = through_json(mfa.snapshot())
    snapshot["users"][TINA]["factors"][0]["kind"] = "carrier pigeon"
    with pytest.raises(SnapshotError, match="factors"):
        MfaService(Outbox()).restore(snapshot)


# -- sessions, tokens, UAT registrations -------------------------------------------------------


def test_sessions_round_trip_by_digest_and_are_found_by_their_cookie_token() -> None:
    store = SessionStore()
    session = store.new("beta.finratraqs.org", T0)
    session.username, session.stage, session.route = TINA, "done", "mfa"
    session.say("ok", "Logged in.")
    session.data["role"] = "traqs"
    other = store.new("finratraqs.org", T0)

    copy = SessionStore()
    copy.restore_settings(through_json(store.settings()))
    copy.restore(through_json(store.snapshot()))

    text = dumps(store.snapshot())
    assert session.token not in text and token_key(session.token) in text
    found = copy.get(session.token, "beta.finratraqs.org", T0 + MINUTE)
    assert found is not None and found.logged_in and found.csrf == session.csrf
    assert found.token == session.token and found.take_flash() == [("ok", "Logged in.")]
    assert found.data == {"role": "traqs"}
    assert copy.get(session.token, "finratraqs.org", T0 + MINUTE) is None  # per site
    assert copy.get(other.token, "finratraqs.org", T0 + IDLE_TIMEOUT_NS) is None  # idle
    # "Remember this computer" cookies signed before the restart are still good
    assert copy.remembered(store.remember_token(TINA, T0), TINA, T0)


def test_session_changes_are_the_sessions_a_request_touched() -> None:
    store = SessionStore()
    first = store.new("h", T0)
    second = store.new("h", T0)
    changes = store.take_changes()
    assert set(changes.put) == {token_key(first.token), token_key(second.token)}
    assert store.take_changes().empty
    store.get(first.token, "h", T0 + SECOND)
    store.drop(second.token)
    changes = store.take_changes()
    assert set(changes.put) == {token_key(first.token)}
    assert changes.gone == {token_key(second.token)} and not changes.replace_all
    store.clear()
    changes = store.take_changes()
    assert changes.replace_all and changes.put == {}
    third = store.new("h", T0)
    store.take_changes()
    store.save_failed()
    assert set(store.take_changes().put) == {token_key(third.token)}


def test_a_damaged_session_is_refused() -> None:
    store = SessionStore()
    store.new("h", T0)
    saved = through_json(store.snapshot())
    for value in saved.values():
        value["flash"] = ["not a pair"]
    with pytest.raises(SnapshotError, match="flash"):
        SessionStore().restore(saved)
    with pytest.raises(SnapshotError, match="remember_key"):
        SessionStore().restore_settings({"remember_key": "!!"})


def test_api_tokens_round_trip_keep_expiry_and_never_a_token() -> None:
    tokens = ApiTokens()
    refresh = tokens.issue_refresh(TINA, T0)
    access = tokens.exchange(refresh.token, T0)
    copy = ApiTokens()
    copy.restore(through_json(tokens.snapshot()))
    text = dumps(tokens.snapshot())
    assert refresh.token not in text and access.token not in text
    assert copy.user_for(access.token, T0 + ACCESS_TTL_NS - 1) == TINA
    with pytest.raises(TokenError) as expired:
        copy.user_for(access.token, T0 + ACCESS_TTL_NS)
    assert expired.value.code == "expired-access-token"
    assert copy.exchange(refresh.token, T0 + HOUR).username == TINA
    with pytest.raises(SnapshotError):
        ApiTokens().restore({"refresh": {"short": [TINA, 1]}, "access": {}})


def test_uat_registrations_round_trip() -> None:
    timeline = Timeline.default()
    uat = timeline.uat("2021-03-20")
    registry = UatRegistry()
    registry.register(
        uat,
        org_id="100001",
        org_mpids={"ACME", "ACMX"},
        org_usernames={TINA},
        firm_name="Acme Securities LLC",
        mpids=["ACME", "ACMX"],
        testers=["Tina Trader"],
        web_usernames=[TINA],
        registered_by=TINA,
        now_ns=T0,
    )
    copy = UatRegistry()
    copy.restore(through_json(registry.snapshot()))
    assert copy.registrations() == registry.registrations()
    assert copy.is_registered("2021-03-20", mpid="ACMX")
    with pytest.raises(SnapshotError, match=r"uat\[0\].mpids"):
        UatRegistry().restore([{**registry.snapshot()[0], "mpids": "ACME"}])


# -- the state file ----------------------------------------------------------------------------


def test_the_store_writes_in_one_transaction_and_reads_back(tmp_path: Path) -> None:
    store = WebStateStore.open(tmp_path)
    assert store.path == tmp_path / STATE_FILENAME == state_path(tmp_path)
    assert store.load().empty
    stats = store.write({"uat": "[]", "web": '{"a":1}'}, {"k" * 64: '{"x":1}'})
    assert stats.components == ("uat", "web") and stats.sessions_written == 1
    store.write({"web": '{"a":2}'}, {}, ["k" * 64])
    store.close()
    again = WebStateStore.open(tmp_path)
    saved = again.load()
    assert saved.components == {"uat": [], "web": {"a": 2}} and saved.sessions == {}
    assert again.counts() == {"web_component": 2, "web_session": 0}
    again.clear()
    assert again.load().empty
    again.close()
    with pytest.raises(StateNotSaved):
        again.write({"web": "{}"})


def test_a_file_that_is_not_a_state_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    garbage = tmp_path / STATE_FILENAME
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError) as error:
        WebStateStore.open(tmp_path)
    assert str(garbage) in str(error.value) and "not a facsim web-state file" in str(error.value)

    other = tmp_path / "other" / STATE_FILENAME
    other.parent.mkdir()
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE reports (id INTEGER)")
    with pytest.raises(ConfigError, match="SQLite database but not a facsim web-state file"):
        WebStateStore.open(other)

    newer = tmp_path / "newer"
    WebStateStore.open(newer).close()
    with sqlite3.connect(state_path(newer)) as connection:
        connection.execute("PRAGMA user_version=99")
    with pytest.raises(ConfigError, match="newer facsim"):
        WebStateStore.open(newer)


def test_a_saved_part_that_is_not_json_is_named(tmp_path: Path) -> None:
    store = WebStateStore.open(tmp_path)
    store.write({"mfa": "{not json"})
    with pytest.raises(ConfigError, match=r"the saved mfa is not readable JSON") as error:
        store.load()
    assert str(state_path(tmp_path)) in str(error.value)
    store.close()


# -- WebState: restart, organisation files, reset --------------------------------------------


def web_state(
    org_files: list[Path],
    clock: ManualClock,
    outbox: Outbox | None = None,
    journal: SqliteJournal | None = None,
) -> WebState:
    state = WebState(
        clock=clock,
        journal=journal or open_memory_journal(),
        timeline=Timeline.default(),
        outbox=outbox or Outbox(),
        seed=3,
        org_files=org_files,
        kdf_cost=FAST_KDF,
    )
    state.load(clock.now_ns())
    return state


def copied_org_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "orgs"
    folder.mkdir()
    for path in default_org_files():
        shutil.copy(path, folder / path.name)
    return sorted(folder.glob("*.toml"))


def test_a_restart_reads_back_the_saved_state_over_the_organisation_files(tmp_path: Path) -> None:
    files = copied_org_files(tmp_path)
    clock = ManualClock(T0)
    journal = SqliteJournal.open(tmp_path / "journal.sqlite3")
    first = web_state(files, clock, journal=journal)
    first.attach_store(WebStateStore.open(tmp_path / "data"), T0)
    first.tick(T0)  # the 2021-03-04 invitations are due: sent, and no longer pending
    first.directory.activate("tina.trader@acme.example", "Changed-2021", T0)
    first.mfa.enrol_totp_secret("tina.trader@acme.example", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", T0)
    session = first.sessions.new("beta.finratraqs.org", T0)
    session.username = "tom.trader@acme.example"
    ref = first.next_client_ref()
    stats = first.persist()
    assert stats is not None and set(stats.components) >= {"directory", "mfa", "web"}
    assert first.persist() is None  # nothing changed: nothing written
    first.close_store()

    # between the runs: tom's phone changes in the file, and a new account appears
    acme = next(p for p in files if p.name == "acme.toml")
    text = acme.read_text()
    acme.write_text(
        text.replace("+1 212 555 0103", "+1 999 999 9999")
        + '\n[[accounts]]\nusername = "newbie@acme.example"\nname = "New Bie"\n'
        'password = "Newbie-2021"\nregions = ["production"]\n'
        'totp_secret = "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"\n'
    )

    second = web_state(files, ManualClock(T0 + MINUTE), journal=journal)
    added = second.attach_store(WebStateStore.open(tmp_path / "data"), T0 + MINUTE)
    assert added == ["account newbie@acme.example"]
    directory = second.directory
    assert directory.verify_password("tina.trader@acme.example", "Changed-2021", T0).verdict
    assert second.mfa.enrolled("tina.trader@acme.example")
    assert directory.account("tom.trader@acme.example").phone == "+1 212 555 0103"  # saved wins
    assert second.mfa.secret_for("newbie@acme.example") == "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"
    found = second.sessions.get(session.token, "beta.finratraqs.org", T0 + MINUTE)
    assert found is not None and found.username == "tom.trader@acme.example"
    assert second.next_client_ref() == f"WEB{int(ref[3:]) + 1:08d}"
    # the invitations already sent are not sent again after the restart
    outbox = second.outbox
    second.tick(T0 + MINUTE)
    assert outbox.messages(tag=("kind", "mfa-invitation")) == []

    # POST /reset: back to the files, and the saved state follows
    second.reset()
    assert not second.mfa.enrolled("tina.trader@acme.example")
    assert len(second.sessions) == 0
    second.close_store()
    third = web_state(files, ManualClock(T0 + 2 * MINUTE))
    third.attach_store(WebStateStore.open(tmp_path / "data"), T0 + 2 * MINUTE)
    assert not third.mfa.enrolled("tina.trader@acme.example")
    journal.close()
    assert third.sessions.get(session.token, "beta.finratraqs.org", T0 + 2 * MINUTE) is None
    assert third.directory.verify_password("tina.trader@acme.example", "Trader-2021", T0).verdict
    third.close_store()


def test_saved_state_that_does_not_read_back_names_the_file(tmp_path: Path) -> None:
    files = copied_org_files(tmp_path)
    store = WebStateStore.open(tmp_path / "data")
    store.write({"directory": json.dumps({"organisations": [], "accounts": "?"})})
    state = web_state(files, ManualClock(T0))
    with pytest.raises(ConfigError) as error:
        state.attach_store(store, T0)
    message = str(error.value)
    assert str(state_path(tmp_path / "data")) in message and "directory.accounts" in message
    assert state.store is None and state.directory.find("tom.trader@acme.example") is not None
    store.close()


def test_a_web_reference_is_never_handed_out_twice_however_the_simulator_stopped(
    tmp_path: Path,
) -> None:
    """The ``WEB`` number is committed in the journal before the trade that uses it: a kill
    before the web state is saved (here: never saved at all) cannot hand it out again."""
    files = copied_org_files(tmp_path)
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal.open(path)
    first = web_state(files, ManualClock(T0), journal=journal)
    first.attach_store(WebStateStore.open(tmp_path / "data"), T0)
    refs = [first.next_client_ref(), first.next_client_ref()]
    assert refs == ["WEB00000001", "WEB00000002"]
    with journal.batch():  # a number taken inside a batch that fails is given back
        try:
            with journal.transaction():
                taken = first.next_client_ref()
                raise RuntimeError("the trade failed")
        except RuntimeError:
            pass
    assert taken == "WEB00000003"
    journal.close()  # the process dies: the web state was never saved after the first refs

    reopened = SqliteJournal.open(path)
    second = web_state(files, ManualClock(T0 + MINUTE), journal=reopened)
    second.attach_store(WebStateStore.open(tmp_path / "data"), T0 + MINUTE)
    assert second.next_client_ref() == "WEB00000003"
    second.reset()  # POST /reset returns to the files; the references go on
    assert second.next_client_ref() == "WEB00000004"
    second.close_store()
    reopened.close()


def test_a_web_reference_saved_by_an_older_version_is_carried_over(tmp_path: Path) -> None:
    store = WebStateStore.open(tmp_path / "data")
    store.write({"web": json.dumps({"next_client_ref": 42, "pending_invitations": []})})
    store.close()
    journal = open_memory_journal()
    state = web_state(copied_org_files(tmp_path), ManualClock(T0), journal=journal)
    state.attach_store(WebStateStore.open(tmp_path / "data"), T0)
    assert state.next_client_ref() == "WEB00000042"
    journal.advance_sequence("traqs-client-ref", 5)  # never backwards
    assert state.next_client_ref() == "WEB00000043"
    state.close_store()
