"""The MFA service, the captured outbox, the test PKI and the reference-data files."""

from __future__ import annotations

import datetime as dt
import json
import ssl

import pyotp
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from simulator.clock import MINUTE, SECOND
from simulator.mfa import FactorKind, MfaError, MfaService
from simulator.outbox import Channel, Outbox
from simulator.refdata import (
    RefDataError,
    cusip_check_digit,
    get_file,
    is_valid_cusip,
    list_files,
)
from simulator.timestamps import parse_iso8601
from simulator.tls import P12_PASSWORD, ensure_pki, peer_identity

NOW = parse_iso8601("2021-03-20T09:00:00-04:00")
USER = "tom@x.example"


def test_totp_codes_follow_the_simulated_clock_with_one_step_of_tolerance() -> None:
    mfa = MfaService(Outbox(), seed=7)
    factor = mfa.begin_totp(USER, NOW)
    totp = pyotp.TOTP(factor.secret)
    mfa.confirm_totp(USER, totp.at(NOW // SECOND), NOW)
    # a code from two steps ago is outside the window
    with pytest.raises(MfaError) as old:
        mfa.verify(USER, FactorKind.TOTP, totp.at(NOW // SECOND - 60), NOW + 30 * SECOND)
    assert old.value.code == "code-wrong"
    # the next step's code is accepted once, then refused on replay
    later = NOW + 30 * SECOND
    mfa.verify(USER, FactorKind.TOTP, totp.at(later // SECOND), later)
    with pytest.raises(MfaError) as replay:
        mfa.verify(USER, FactorKind.TOTP, totp.at(later // SECOND), later + SECOND)
    assert replay.value.code == "code-reused"
    with pytest.raises(MfaError) as fmt:
        mfa.verify(USER, FactorKind.TOTP, "12ab56", later)
    assert fmt.value.code == "code-format"


def test_secrets_and_codes_are_reproducible_from_the_seed() -> None:
    first = MfaService(Outbox(), seed=3).begin_totp(USER, NOW).secret
    second = MfaService(Outbox(), seed=3).begin_totp(USER, NOW).secret
    other = MfaService(Outbox(), seed=4).begin_totp(USER, NOW).secret
    assert first == second != other


def test_sms_and_voice_codes_go_to_the_outbox_once_and_are_withdrawn_after_three_misses() -> None:
    outbox = Outbox()
    mfa = MfaService(outbox)
    mfa.add_phone(USER, FactorKind.VOICE, "+1 212 555 0100", NOW)
    call = outbox.latest(channel=Channel.VOICE)
    assert call is not None and " ".join(call.code) in call.body
    mfa.confirm_phone(USER, FactorKind.VOICE, call.code, NOW + MINUTE)
    assert mfa.enrolled(USER)
    mfa.send_code(USER, FactorKind.VOICE, NOW + 2 * MINUTE)
    code = outbox.latest(channel="voice").code
    for _ in range(2):
        with pytest.raises(MfaError):
            mfa.verify(USER, FactorKind.VOICE, "000000" if code != "000000" else "111111", NOW)
    with pytest.raises(MfaError) as withdrawn:
        mfa.verify(USER, FactorKind.VOICE, "999999" if code != "999999" else "888888", NOW)
    assert withdrawn.value.code == "code-withdrawn"
    with pytest.raises(MfaError) as gone:
        mfa.verify(USER, FactorKind.VOICE, code, NOW)
    assert gone.value.code == "no-code-sent"
    with pytest.raises(MfaError) as sms:
        mfa.send_code(USER, FactorKind.SMS, NOW)
    assert sms.value.code == "factor-not-enrolled"
    with pytest.raises(MfaError):
        mfa.add_phone(USER, FactorKind.SMS, "call me", NOW)


def test_outbox_filters_and_json() -> None:
    outbox = Outbox()
    outbox.send_email("A@x.example", "hi", "body", sent_ns=NOW, tags={"kind": "k"})
    outbox.send_code(Channel.SMS, "+1 555", "123456", sent_ns=NOW + 1)
    assert [m.to for m in outbox.messages(to="a@X.example")] == ["A@x.example"]
    assert outbox.messages(since_ns=NOW + 1)[0].code == "123456"
    assert outbox.messages(tag=("kind", "k"))[0].subject == "hi"
    assert json.loads(json.dumps(outbox.latest().to_json()))["channel"] == "sms"
    with pytest.raises(ValueError):
        outbox.send_code(Channel.EMAIL, "a@x", "1", sent_ns=NOW)
    outbox.clear()
    assert len(outbox) == 0


def test_pki_is_created_reused_and_identifies_users(tmp_path) -> None:
    pki = ensure_pki(tmp_path, ["finratraqs.org"], [USER])
    again = ensure_pki(tmp_path, ["finratraqs.org"], [USER])
    assert (tmp_path / "ca.pem").read_bytes() == again.ca_pem.read_bytes()
    assert pki.client(USER).fingerprint == again.client(USER).fingerprint
    assert (tmp_path / "clients" / f"{USER}.pem").exists()
    bundle = (tmp_path / "clients" / f"{USER}.p12").read_bytes()
    _, certificate, _ = pkcs12.load_key_and_certificates(bundle, P12_PASSWORD.encode())
    assert certificate is not None and USER in certificate.subject.rfc4514_string()
    assert oct((tmp_path / "ca.key").stat().st_mode)[-3:] == "600"
    wider = ensure_pki(tmp_path, ["finratraqs.org", "beta.finratraqs.org"], [USER])
    assert "beta.finratraqs.org" in wider.server_names
    context = wider.server_context()
    assert context.verify_mode is ssl.CERT_OPTIONAL
    peer = {"subject": ((("commonName", USER),),), "subjectAltName": (("email", USER),)}
    identity = peer_identity(peer, b"der")
    assert identity is not None and identity.username == USER
    assert peer_identity(None, None) is None and peer_identity({}, b"x") is None


@pytest.mark.parametrize("cusip", ["037833100", "912828ZT0", "594918104", "38259P508"])
def test_known_cusips_have_valid_check_digits(cusip: str) -> None:
    assert cusip_check_digit(cusip[:8]) == cusip[8]
    assert is_valid_cusip(cusip)
    assert not is_valid_cusip(cusip[:8] + str((int(cusip[8]) + 1) % 10))


def test_reference_files_are_published_by_business_day_and_stable() -> None:
    saturday = parse_iso8601("2021-03-20T09:00:00-04:00")
    names = {info.name for info in list_files(saturday)}
    assert "CAMASTER_20210319.txt" in names and "OTCEQUITY_20210319.txt" in names
    assert not any("20210320" in name for name in names)
    monday_early = parse_iso8601("2021-03-22T05:59:59-04:00")
    assert not any("20210322" in info.name for info in list_files(monday_early))
    monday = parse_iso8601("2021-03-22T06:00:00-04:00")
    assert "DAILYLISTCA_20210322.txt" in {info.name for info in list_files(monday)}
    first = get_file("DAILYLISTCA_20210319.txt", 1, saturday).content
    assert first == get_file("DAILYLISTCA_20210319.txt", 1, saturday).content
    assert first != get_file("DAILYLISTCA_20210319.txt", 2, saturday).content
    rows = first.splitlines()
    assert rows[0] == "ACTION|CUSIP|SYMBOL|ISSUER_NAME|COUPON|MATURITY"
    assert {row.split("|")[0] for row in rows[1:-1]} == {"A", "D"}
    # Columbus Day: the bond market (SIFMA) is closed, the stock market open
    columbus = parse_iso8601("2021-10-12T09:00:00-04:00")
    with pytest.raises(RefDataError):
        get_file("CAMASTER_20211011.txt", 1, columbus)
    assert get_file("OTCEQUITY_20211011.txt", 1, columbus).info.date == dt.date(2021, 10, 11)
