"""Organisations, accounts and roles from TOML files (``scenarios/orgs/*.toml``).

One file describes one organisation, as FINRA's Entitlement Group would have set it up from the
New Organization SAA Agreement plus what the SAA did afterwards::

    [organisation]
    org_id = "100001"
    name = "Acme Securities LLC"
    mpids = ["ACME", "ACMX"]
    cco_email = "cco@acme.example"

    [certification]            # optional: an annual certification period (Q42-Q63)
    start = 2021-04-05
    due = 2021-06-04

    [[roles]]
    name = "TRAQS trader"
    description = "Report, cancel and correct trades; see the trade journal"
    privileges = ["traqs.report", "traqs.view"]

    [[accounts]]
    username = "sam.saa@acme.example"   # user names are email addresses (seed 000)
    name = "Sam Saa"
    kind = "saa"                        # saa | aa | user; exactly one saa per file (Q4)
    phone = "+1 212 555 0100"
    password = "Welcome2021"            # optional: the account is already activated
    privileges = ["traqs.view"]         # direct "User" privileges (Q19, Q20)
    admin_privileges = []               # AA only: what it administers (Q88)
    roles = ["TRAQS trader"]
    mpids = ["ACME"]                    # MPIDs are granted directly, never in a role (Q84)
    regions = ["production", "ntf"]
    certificate = true                  # issue a client certificate (old infrastructure, API)
    totp_secret = "JBSWY3DPEHPK3PXP"    # optional: already enrolled in an authenticator app
    security_answers = ["Main Street", "Rex", "Boston"]   # optional, for the first 3 questions

A mistake gives a :class:`~simulator.errors.ConfigError` naming the file, the line and the field
(``tomllib`` reports lines only for syntax errors, so the line of a bad value is looked up in
the text).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.domain.facility import Region
from simulator.entitlement.directory import Directory, EntitlementError, valid_mpid
from simulator.entitlement.model import AccountKind, CertificationPeriod
from simulator.entitlement.questions import QUESTION_CATALOGUE
from simulator.errors import ConfigError, UserInputError

_ORG_KEYS = {"org_id", "name", "mpids", "cco_email", "cat_access"}
_ACCOUNT_KEYS = {
    "username",
    "name",
    "kind",
    "phone",
    "password",
    "privileges",
    "admin_privileges",
    "roles",
    "mpids",
    "regions",
    "certificate",
    "totp_secret",
    "security_answers",
    "mfa_invitation",
}
_ROLE_KEYS = {"name", "description", "privileges"}
_SINGLE_TABLES = {"organisation", "certification"}


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """What a file says about one account beyond the directory (certificate, second factor)."""

    username: str
    name: str
    kind: AccountKind
    phone: str | None
    certificate: bool
    totp_secret: str | None
    mfa_invitation: bool
    org_id: str


@dataclass
class OrgFile:
    path: Path
    org_id: str
    accounts: list[AccountSpec] = field(default_factory=list)


class _Source:
    """The file's text, to find the line of a key for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, key: str, table: str | None = None, index: int = 0) -> int | None:
        start = 0
        if table is not None:
            seen = -1
            for number, line in enumerate(self.lines):
                stripped = line.strip()
                if stripped in (f"[[{table}]]", f"[{table}]"):
                    seen += 1
                    if seen == index:
                        start = number
                        break
            else:
                return None
        for number in range(start, len(self.lines)):
            stripped = self.lines[number].strip()
            if number > start and table is not None and stripped.startswith("["):
                break
            if stripped.startswith(f"{key} ") or stripped.startswith(f"{key}="):
                return number + 1
        return start + 1 if table is not None else None

    def error(
        self, message: str, key: str, table: str | None = None, index: int = 0
    ) -> ConfigError:
        if table is None:
            where = key
        elif table in _SINGLE_TABLES:
            where = f"{table}.{key}"
        else:
            where = f"{table}[{index}].{key}"
        return ConfigError(
            str(self.path), message, line=self.line_of(key, table, index), field=where
        )


def _strings(source: _Source, value: Any, key: str, table: str, index: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise source.error("must be a list of strings", key, table, index)
    return list(value)


def _text(
    source: _Source, data: dict[str, Any], key: str, table: str, index: int, required: bool = True
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise source.error("is required", key, table, index)
        return None
    if not isinstance(value, str) or not value.strip():
        raise source.error("must be a non-empty string", key, table, index)
    return value.strip()


def load_org_file(path: Path, directory: Directory, now_ns: int) -> OrgFile:
    """Read one organisation file into ``directory``; returns the per-account extras."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise ConfigError(str(path), f"is not valid TOML: {exc}", line=line) from None
    source = _Source(path, text)
    org_data = data.get("organisation")
    if not isinstance(org_data, dict):
        raise ConfigError(str(path), "needs an [organisation] table", field="organisation")
    unknown = sorted(set(org_data) - _ORG_KEYS)
    if unknown:
        raise source.error(f"unknown key (known: {', '.join(sorted(_ORG_KEYS))})", unknown[0])
    org_id = _text(source, org_data, "org_id", "organisation", 0)
    name = _text(source, org_data, "name", "organisation", 0)
    assert org_id is not None and name is not None
    mpids = _strings(source, org_data.get("mpids"), "mpids", "organisation", 0)
    for mpid in mpids:
        if not valid_mpid(mpid):
            raise source.error(
                f"{mpid!r} is not an MPID (four uppercase letters)", "mpids", "organisation"
            )
    try:
        directory.add_organisation(
            org_id,
            name,
            mpids=mpids,
            cco_email=_text(source, org_data, "cco_email", "organisation", 0, required=False),
            cat_access=bool(org_data.get("cat_access", False)),
        )
    except UserInputError as exc:
        raise source.error(str(exc), exc.source or "org_id", "organisation") from None
    result = OrgFile(path=path, org_id=org_id)
    accounts = data.get("accounts", [])
    if not isinstance(accounts, list) or not accounts:
        raise ConfigError(str(path), "needs at least one [[accounts]] table", field="accounts")
    saas = [i for i, a in enumerate(accounts) if isinstance(a, dict) and a.get("kind") == "saa"]
    if len(saas) != 1:
        index = saas[1] if len(saas) > 1 else 0
        message = (
            "an organisation may designate only one Super Account Administrator (FAQ Q4)"
            if len(saas) > 1
            else 'one account must be the organisation\'s SAA (kind = "saa")'
        )
        raise source.error(message, "kind", "accounts", index)
    # The SAA first: it creates everything else.
    order = saas + [i for i in range(len(accounts)) if i not in saas]
    specs: dict[int, AccountSpec] = {}
    for index in order:
        specs[index] = _load_account(source, accounts[index], index, directory, org_id, now_ns)
    saa_username = specs[saas[0]].username
    roles = data.get("roles", [])
    if not isinstance(roles, list):
        raise ConfigError(str(path), "[[roles]] must be tables", field="roles")
    for index, role in enumerate(roles):
        if not isinstance(role, dict):
            raise source.error("must be a table", "name", "roles", index)
        unknown = sorted(set(role) - _ROLE_KEYS)
        if unknown:
            raise source.error("unknown key", unknown[0], "roles", index)
        role_name = _text(source, role, "name", "roles", index)
        assert role_name is not None
        try:
            directory.create_role(
                saa_username,
                role_name,
                str(role.get("description", "")),
                _strings(source, role.get("privileges"), "privileges", "roles", index),
                now_ns,
            )
        except (EntitlementError, UserInputError) as exc:
            raise source.error(str(exc), "privileges", "roles", index) from None
    for index in order:
        _entitle(source, accounts[index], index, directory, saa_username, now_ns)
    # Last: a period already past due must not stop the set-up itself (Q61).
    _load_certification(source, data.get("certification"), directory, org_id, now_ns)
    result.accounts = [specs[i] for i in range(len(accounts))]
    return result


def _load_certification(
    source: _Source, data: Any, directory: Directory, org_id: str, now_ns: int
) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        raise source.error("must be a table", "certification")
    start, due = data.get("start"), data.get("due")
    for key, value in (("start", start), ("due", due)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise source.error("must be a date (YYYY-MM-DD)", key, "certification")
    assert isinstance(start, dt.date) and isinstance(due, dt.date)
    try:
        directory.open_certification(org_id, CertificationPeriod(start=start, due=due), now_ns)
    except UserInputError as exc:
        raise source.error(str(exc), "due", "certification") from None


def _load_account(
    source: _Source,
    data: Any,
    index: int,
    directory: Directory,
    org_id: str,
    now_ns: int,
) -> AccountSpec:
    if not isinstance(data, dict):
        raise source.error("must be a table", "username", "accounts", index)
    unknown = sorted(set(data) - _ACCOUNT_KEYS)
    if unknown:
        raise source.error(
            f"unknown key (known: {', '.join(sorted(_ACCOUNT_KEYS))})",
            unknown[0],
            "accounts",
            index,
        )
    username = _text(source, data, "username", "accounts", index)
    assert username is not None
    name = _text(source, data, "name", "accounts", index, required=False) or username
    kind_text = data.get("kind", "user")
    try:
        kind = AccountKind(kind_text)
    except ValueError:
        raise source.error("must be one of saa, aa, user", "kind", "accounts", index) from None
    phone = _text(source, data, "phone", "accounts", index, required=False)
    try:
        if kind is AccountKind.SAA:
            directory.designate_saa(org_id, username, name, now_ns, phone=phone)
        else:
            org = directory.organisation(org_id)
            assert org.saa_username is not None
            directory.create_account(
                org.saa_username, username, name, now_ns, kind=kind, phone=phone
            )
        password = data.get("password")
        if password is not None:
            if not isinstance(password, str):
                raise source.error("must be a string", "password", "accounts", index)
            directory.activate(username, password, now_ns, configured=True)
        answers = data.get("security_answers")
        if answers is not None:
            answers = _strings(source, answers, "security_answers", "accounts", index)
            directory.set_security_questions(
                username,
                list(QUESTION_CATALOGUE[: len(answers)]),
                answers,
                now_ns,
                configured=True,
            )
    except EntitlementError as exc:
        raise source.error(str(exc), "username", "accounts", index) from None
    except UserInputError as exc:
        key = {"password": "password", "security questions": "security_answers"}.get(
            exc.source or "", "username"
        )
        message = str(exc).split(": ", 1)[-1]
        raise source.error(message, key, "accounts", index) from None
    totp = data.get("totp_secret")
    if totp is not None and (not isinstance(totp, str) or not _is_base32(totp)):
        raise source.error("must be a base32 secret", "totp_secret", "accounts", index)
    return AccountSpec(
        username=username,
        name=name,
        kind=kind,
        phone=phone,
        certificate=bool(data.get("certificate", False)),
        totp_secret=totp,
        mfa_invitation=bool(data.get("mfa_invitation", True)),
        org_id=org_id,
    )


def _is_base32(secret: str) -> bool:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    return len(secret) >= 16 and set(secret.rstrip("=")) <= alphabet


def _entitle(
    source: _Source, data: dict[str, Any], index: int, directory: Directory, saa: str, now_ns: int
) -> None:
    username = str(data["username"]).strip()
    regions = _strings(source, data.get("regions"), "regions", "accounts", index)
    for region in regions:
        if region not in {r.value for r in Region}:
            raise source.error("must be production or ntf", "regions", "accounts", index)
    mpids = _strings(source, data.get("mpids"), "mpids", "accounts", index)
    privileges = _strings(source, data.get("privileges"), "privileges", "accounts", index)
    admin = _strings(source, data.get("admin_privileges"), "admin_privileges", "accounts", index)
    try:
        directory.entitle(
            saa,
            username,
            now_ns,
            privileges=privileges,
            admin_privileges=admin,
            mpids=mpids,
            regions=regions,
        )
    except EntitlementError as exc:
        key = "mpids" if "MPID" in str(exc) else "privileges"
        raise source.error(str(exc), key, "accounts", index) from None
    for role in _strings(source, data.get("roles"), "roles", "accounts", index):
        try:
            directory.assign_role(saa, username, role, now_ns)
        except EntitlementError as exc:
            raise source.error(str(exc), "roles", "accounts", index) from None


def load_org_files(paths: list[Path], directory: Directory, now_ns: int) -> list[OrgFile]:
    """Load several files (a directory is read as its ``*.toml`` files, sorted)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        else:
            files.append(path)
    return [load_org_file(file, directory, now_ns) for file in files]
