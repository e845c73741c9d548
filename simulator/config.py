"""The ``facsim serve`` configuration: TOML, validated, with an embedded default.

A config lists the firms (name, CompID, MPIDs, UAT registration) and the FIX ports
(``[[sessions]]``: one facility port each, with the firms that may log on to it); every firm listed
on a port gets its own FIX session with its own sequence numbers. ``docs/configuration.md``
documents every key with an example; :data:`DEFAULT_CONFIG` (``simulator/default_config.toml``)
is what ``facsim serve`` runs with no ``--config``.

Every mistake is a :class:`~simulator.errors.ConfigError` naming the file, the line and the
field. :mod:`tomllib` gives line numbers only for syntax errors, so for a semantic error (an
unknown facility, a port used twice) the line of the offending key is found by
:class:`_Lines`, a small scan of the text that tracks ``[table]`` and ``[[array]]`` headers.

``[[faults]]`` tables arm fault injection at start (``docs/faults.md``): each is read by
:func:`simulator.faults.spec.parse_fault`, and the ports, sessions and firms it names are checked
against this config, so ``facsim serve --check`` catches a fault aimed at nothing. A session's
``secondary_port`` opens its hot-hot secondary (same sessions, same store) next to the primary.

Facility defaults (BeginString, CompIDs, heartbeat, daily sequence reset, unknown-CompID policy)
come from :data:`FACILITY_DEFAULTS`, which mirrors the ``[fix]`` tables of the facility profiles
(``simulator/facilities/data/*.toml``, sources there; a unit test keeps the two equal).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError
from simulator.faults.plan import FaultPlan, SessionRef
from simulator.faults.spec import FaultSpec, FaultSpecError, parse_fault
from simulator.fix.session import UnknownCompIdPolicy

DEFAULT_CONFIG = "default_config.toml"
DEFAULT_SOURCE = "<embedded default_config.toml>"
BEGIN_STRINGS = ("FIX.4.2", "FIX.4.4")
FIX_PORT_TYPES = (PortType.NATIVE_FIX42, PortType.LEGACY_FIX42, PortType.FIX44)
_MPID = re.compile(r"[A-Z]{4}")
_COMP_ID = re.compile(r"[\x21-\x7e]{1,64}")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class FacilityDefaults:
    begin_string: str
    facility_comp_id: str
    facility_sub_id: str | None
    heartbeat_min: int
    heartbeat_max: int
    daily_reset: str
    unknown_comp_ids: UnknownCompIdPolicy


#: Per facility: TRACE values are published (TRACE FIX specification, facilities.md 3.1: FNRA,
#: SubID CA/SP/TS, HeartBtInt 30 only, daily reset, unknown CompIDs silently ignored); the others
#: follow their profiles, which mark them INFERENCE. The reset time 06:00 ET is INFERENCE.
FACILITY_DEFAULTS: dict[FacilityId, FacilityDefaults] = {
    FacilityId.TRACE_CA: FacilityDefaults(
        "FIX.4.4", "FNRA", "CA", 30, 30, "06:00", UnknownCompIdPolicy.IGNORE
    ),
    FacilityId.TRACE_SP: FacilityDefaults(
        "FIX.4.4", "FNRA", "SP", 30, 30, "06:00", UnknownCompIdPolicy.IGNORE
    ),
    FacilityId.TRACE_TS: FacilityDefaults(
        "FIX.4.4", "FNRA", "TS", 30, 30, "06:00", UnknownCompIdPolicy.IGNORE
    ),
    FacilityId.ORF: FacilityDefaults(
        "FIX.4.4", "FNRA", "ORF", 30, 30, "06:00", UnknownCompIdPolicy.IGNORE
    ),
    FacilityId.ADF: FacilityDefaults(
        "FIX.4.4", "FNRA", "ADF", 30, 30, "06:00", UnknownCompIdPolicy.IGNORE
    ),
    FacilityId.NASDAQ_TRF_CARTERET: FacilityDefaults(
        "FIX.4.2", "NTRFC", None, 5, 120, "06:00", UnknownCompIdPolicy.LOGOUT
    ),
    FacilityId.NASDAQ_TRF_CHICAGO: FacilityDefaults(
        "FIX.4.2", "NTRFCHI", None, 5, 120, "06:00", UnknownCompIdPolicy.LOGOUT
    ),
    FacilityId.NYSE_TRF: FacilityDefaults(
        "FIX.4.4", "NYSETRF", None, 5, 120, "06:00", UnknownCompIdPolicy.LOGOUT
    ),
}


@dataclass(frozen=True)
class FirmConfig:
    name: str
    comp_id: str
    mpids: tuple[str, ...]
    uat_registered: bool = False


@dataclass(frozen=True)
class FirmLogin:
    """A firm allowed on a port, with the CompID (and optional SubID) it logs on with."""

    firm: str
    comp_id: str
    sub_id: str | None = None


@dataclass(frozen=True)
class PortConfig:
    """One ``[[sessions]]`` entry: a facility port and the firms that may log on to it."""

    name: str
    facility: FacilityId
    port_type: PortType
    region: Region
    begin_string: str
    port: int
    facility_comp_id: str
    facility_sub_id: str | None
    logins: tuple[FirmLogin, ...]
    heartbeat_min: int
    heartbeat_max: int
    drop_copy: bool = False
    unknown_comp_ids: UnknownCompIdPolicy = UnknownCompIdPolicy.LOGOUT
    daily_reset: dt.time | None = None
    max_latency: int | str = "auto"  # seconds, "off", or "auto" (on the system clock only)
    dictionary: str | None = None
    validate_fields: bool = True
    logon_timeout: int = 10
    max_message_size: int = 1 << 20
    host: str = "127.0.0.1"
    secondary_port: int | None = None  # the hot-hot secondary (0: any free port; None: none)

    def session_ids(self) -> list[str]:
        return [session_id(self.name, login.comp_id, login.sub_id) for login in self.logins]


def session_id(port: str, comp_id: str, sub_id: str | None = None) -> str:
    """A FIX session's id: ``<port>:<CompID>[:<SubID>]`` (``trace-ca:ACMEFIX``)."""
    return f"{port}:{comp_id}" + (f":{sub_id}" if sub_id else "")


@dataclass(frozen=True)
class ServeConfig:
    source: str
    host: str
    firms: Mapping[str, FirmConfig]
    ports: tuple[PortConfig, ...]
    sections: Mapping[str, Any] = field(default_factory=dict)  # [web], [control], [faults]
    faults: tuple[FaultSpec, ...] = ()

    def session_refs(self) -> list[SessionRef]:
        """Every session this config serves, as the fault plan sees it."""
        refs = []
        for port in self.ports:
            for login in port.logins:
                firm = self.firms[login.firm]
                refs.append(
                    SessionRef(
                        session_id(port.name, login.comp_id, login.sub_id),
                        port.name,
                        port.facility,
                        firm.name,
                        login.comp_id,
                        firm.mpids,
                    )
                )
        return refs

    def port(self, name: str) -> PortConfig:
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(name)


# -- finding the line of a key --


class _Lines:
    """Where each key of each ``[table]`` / ``[[array]]`` entry is, by line number (1-based)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]+\")\s*=")

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[str, int | None, str], int] = {}
        self.headers: dict[tuple[str, int | None], int] = {}
        counts: dict[str, int] = {}
        table, index = "", None
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                table = header.group(2).strip().strip("\"'")
                if header.group(1) == "[[":
                    index = counts.get(table, -1) + 1
                    counts[table] = index
                else:
                    index = None
                self.headers[(table, index)] = number
                continue
            key = self._KEY.match(line)
            if key:
                name = key.group(1).strip('"')
                self.keys.setdefault((table, index, name), number)

    def line(self, table: str, index: int | None, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        if (table, index) in self.headers:
            return self.headers[(table, index)]
        if table == "" and key is not None:
            return self.keys.get(("", None, key))
        return None


class _Reader:
    """Typed access to one table, raising ConfigError with file, line and field."""

    def __init__(
        self, source: str, lines: _Lines, table: str, index: int | None, data: Mapping[str, Any]
    ) -> None:
        self.source = source
        self.lines = lines
        self.table = table
        self.index = index
        self.data = data

    def where(self, key: str | None) -> str:
        if key is None:
            return self.table if self.index is None else f"{self.table}[{self.index}]"
        return key

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(
            self.source,
            message,
            line=self.lines.line(self.table, self.index, key),
            field=self._field(key),
        )

    def _field(self, key: str | None) -> str | None:
        prefix = self.table if self.index is None else f"{self.table}[{self.index}]"
        if key is None:
            return prefix or None
        return f"{prefix}.{key}" if prefix else key

    def allow(self, *keys: str) -> None:
        for key in self.data:
            if key not in keys:
                allowed = ", ".join(keys)
                raise self.error(key, f"unknown key {key!r} (allowed here: {allowed})")

    def has(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.error(None, f"missing required key {key!r}")
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def optional_string(self, key: str, default: str | None = None) -> str | None:
        if key not in self.data:
            return default
        value = self.data[key]
        if value == "" or value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {value!r}")
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise self.error(key, f"must be between {low} and {high}, not {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, kind: Any, default: Any = None) -> Any:
        value = self.data.get(key, default)
        if value is None:
            raise self.error(None, f"missing required key {key!r}")
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(v.value) for v in kind)
            raise self.error(key, f"{value!r} is not one of: {allowed}") from None

    def list_of(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            raise self.error(None, f"missing required key {key!r}")
        if not isinstance(value, list) or not value:
            raise self.error(key, f"must be a non-empty list, not {value!r}")
        return value


# -- loading --


def default_config_text() -> str:
    return resources.files("simulator").joinpath(DEFAULT_CONFIG).read_text(encoding="utf-8")


def load_config(path: str | Path | None = None) -> ServeConfig:
    """Read and validate a config file (``None``: the embedded default)."""
    if path is None:
        return parse_config(default_config_text(), DEFAULT_SOURCE)
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(shown, "no such file") from None
    except IsADirectoryError:
        raise ConfigError(shown, "is a directory, not a config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, f"cannot read the file: {exc}") from None
    return parse_config(text, shown)


_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def parse_config(text: str, source: str = "<config>") -> ServeConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) if found else None
        raise ConfigError(
            source, f"not valid TOML: {_TOML_LINE.sub('', message).strip()}", line=line
        ) from None
    lines = _Lines(text)
    top = _Reader(source, lines, "", None, data)
    top.allow("server", "firms", "sessions", "web", "control", "faults")

    server_data = data.get("server", {})
    if not isinstance(server_data, dict):
        raise top.error("server", "must be a table: [server]")
    server = _Reader(source, lines, "server", None, server_data)
    server.allow("host")
    host = server.string("host", "127.0.0.1")

    firms = _firms(source, lines, data, top)
    ports = _ports(source, lines, data, top, firms, host)
    sections: dict[str, Any] = {k: data[k] for k in ("web", "control", "faults") if k in data}
    config = ServeConfig(source, host, firms, ports, sections)
    faults = _faults(source, lines, data, top, config)
    return ServeConfig(source, host, firms, ports, sections, faults)


def _faults(
    source: str, lines: _Lines, data: Mapping[str, Any], top: _Reader, config: ServeConfig
) -> tuple[FaultSpec, ...]:
    """``[[faults]]``: each a fault as ``POST /faults`` takes it, checked against the ports."""
    entries = data.get("faults")
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise top.error("faults", "must be an array of tables: [[faults]]")
    plan = FaultPlan(config.session_refs(), {port.name: port.facility for port in config.ports})
    specs = []
    for index, entry in enumerate(entries):
        reader = _Reader(source, lines, "faults", index, entry)
        try:
            spec = parse_fault(entry)
            plan.resolve(spec)
        except FaultSpecError as exc:
            if exc.field in entry:
                raise reader.error(exc.field, exc.detail) from None
            raise reader.error(None, f"{exc.field}: {exc.detail}") from None
        specs.append(spec)
    return tuple(specs)


def _array(top: _Reader, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = data.get(key)
    if entries is None:
        raise top.error(None, f"no [[{key}]] entries: at least one is needed")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise top.error(key, f"must be an array of tables: [[{key}]]")
    return entries


def _firms(
    source: str, lines: _Lines, data: Mapping[str, Any], top: _Reader
) -> dict[str, FirmConfig]:
    firms: dict[str, FirmConfig] = {}
    comp_ids: dict[str, str] = {}
    for index, entry in enumerate(_array(top, data, "firms")):
        reader = _Reader(source, lines, "firms", index, entry)
        reader.allow("name", "comp_id", "mpids", "uat_registered")
        name = reader.string("name")
        if name in firms:
            raise reader.error("name", f"firm {name!r} is listed twice")
        comp_id = reader.string("comp_id")
        if not _COMP_ID.fullmatch(comp_id):
            raise reader.error("comp_id", f"{comp_id!r} is not a usable CompID (no spaces)")
        if comp_id in comp_ids:
            owner = comp_ids[comp_id]
            raise reader.error("comp_id", f"CompID {comp_id!r} is already firm {owner!r}'s")
        mpids = reader.list_of("mpids")
        for mpid in mpids:
            if not isinstance(mpid, str) or not _MPID.fullmatch(mpid):
                raise reader.error("mpids", f"{mpid!r} is not an MPID (four capital letters)")
        if len(set(mpids)) != len(mpids):
            raise reader.error("mpids", "an MPID is listed twice")
        firms[name] = FirmConfig(
            name, comp_id, tuple(mpids), reader.boolean("uat_registered", False)
        )
        comp_ids[comp_id] = name
    owners: dict[str, str] = {}
    for index, firm in enumerate(firms.values()):
        for mpid in firm.mpids:
            if mpid in owners:
                reader = _Reader(source, lines, "firms", index, {})
                raise reader.error("mpids", f"MPID {mpid} also belongs to firm {owners[mpid]!r}")
            owners[mpid] = firm.name
    return firms


_SESSION_KEYS = (
    "name",
    "facility",
    "port_type",
    "region",
    "begin_string",
    "port",
    "host",
    "facility_comp_id",
    "facility_sub_id",
    "firms",
    "heartbeat_min",
    "heartbeat_max",
    "drop_copy",
    "unknown_comp_ids",
    "daily_reset",
    "max_latency",
    "dictionary",
    "validate_fields",
    "logon_timeout",
    "max_message_size",
    "secondary_port",
)


def _ports(
    source: str,
    lines: _Lines,
    data: Mapping[str, Any],
    top: _Reader,
    firms: Mapping[str, FirmConfig],
    host: str,
) -> tuple[PortConfig, ...]:
    ports: list[PortConfig] = []
    names: dict[str, int] = {}
    numbers: dict[int, str] = {}
    for index, entry in enumerate(_array(top, data, "sessions")):
        r = _Reader(source, lines, "sessions", index, entry)
        r.allow(*_SESSION_KEYS)
        facility: FacilityId = r.choice("facility", FacilityId)
        defaults = FACILITY_DEFAULTS[facility]
        port_type: PortType = r.choice(
            "port_type", PortType, "fix44" if defaults.begin_string == "FIX.4.4" else "native-fix42"
        )
        if port_type not in FIX_PORT_TYPES:
            allowed = ", ".join(p.value for p in FIX_PORT_TYPES)
            raise r.error("port_type", f"{port_type.value!r} is not a FIX port type ({allowed})")
        region: Region = r.choice("region", Region, "production")
        begin_string = r.string("begin_string", defaults.begin_string)
        if begin_string not in BEGIN_STRINGS:
            raise r.error("begin_string", f"{begin_string!r} is not FIX.4.2 or FIX.4.4")
        wanted = "FIX.4.4" if port_type is PortType.FIX44 else "FIX.4.2"
        if begin_string != wanted:
            raise r.error("begin_string", f"a {port_type.value} port speaks {wanted}")
        drop_copy = r.boolean("drop_copy", False)
        default_name = facility.value + ("-ntf" if region is Region.NTF else "")
        default_name += "-legacy" if port_type is PortType.LEGACY_FIX42 else ""
        default_name += "-dropcopy" if drop_copy else ""
        name = r.string("name", default_name)
        if name in names:
            raise r.error("name", f"name {name!r} is already used by sessions[{names[name]}]")
        names[name] = index
        port = r.integer("port", 0, 0, 65535)
        if port and port in numbers:
            raise r.error("port", f"port {port} is already used by session {numbers[port]!r}")
        if port:
            numbers[port] = name
        secondary: int | None = None
        if "secondary_port" in entry:
            secondary = r.integer("secondary_port", 0, 0, 65535)
            if secondary and secondary in numbers:
                used = numbers[secondary]
                raise r.error("secondary_port", f"port {secondary} is already used by {used!r}")
            if secondary:
                numbers[secondary] = f"{name} (secondary)"
        heartbeat_min = r.integer("heartbeat_min", defaults.heartbeat_min, 1, 3600)
        high = max(defaults.heartbeat_max, heartbeat_min)
        heartbeat_max = r.integer("heartbeat_max", high, 1, 3600)
        if heartbeat_max < heartbeat_min:
            raise r.error("heartbeat_max", f"is below heartbeat_min ({heartbeat_min})")
        logins = _logins(r, firms)
        reset_text = r.string("daily_reset", defaults.daily_reset)
        if reset_text == "none":
            daily_reset = None
        else:
            match = _TIME.fullmatch(reset_text)
            if match is None:
                raise r.error("daily_reset", f"{reset_text!r} is not HH:MM (New York time) or none")
            daily_reset = dt.time(int(match.group(1)), int(match.group(2)))
        latency = entry.get("max_latency", "auto")
        if not (latency in ("auto", "off") or (type(latency) is int and 1 <= latency <= 86400)):
            wrong = f"must be seconds (1-86400), 'auto' or 'off', not {latency!r}"
            raise r.error("max_latency", wrong)
        dictionary = r.optional_string("dictionary")
        if dictionary is not None and not Path(dictionary).is_file():
            raise r.error("dictionary", f"no such data dictionary file: {dictionary}")
        ports.append(
            PortConfig(
                name=name,
                facility=facility,
                port_type=port_type,
                region=region,
                begin_string=begin_string,
                port=port,
                facility_comp_id=r.string("facility_comp_id", defaults.facility_comp_id),
                facility_sub_id=r.optional_string("facility_sub_id", defaults.facility_sub_id),
                logins=logins,
                heartbeat_min=heartbeat_min,
                heartbeat_max=heartbeat_max,
                drop_copy=drop_copy,
                unknown_comp_ids=r.choice(
                    "unknown_comp_ids", UnknownCompIdPolicy, defaults.unknown_comp_ids
                ),
                daily_reset=daily_reset,
                max_latency=latency,
                dictionary=dictionary,
                validate_fields=r.boolean("validate_fields", True),
                logon_timeout=r.integer("logon_timeout", 10, 1, 3600),
                max_message_size=r.integer("max_message_size", 1 << 20, 1024, 64 << 20),
                host=r.string("host", host),
                secondary_port=secondary,
            )
        )
    return tuple(ports)


def _logins(r: _Reader, firms: Mapping[str, FirmConfig]) -> tuple[FirmLogin, ...]:
    logins: list[FirmLogin] = []
    seen: set[tuple[str, str | None]] = set()
    for item in r.list_of("firms"):
        if isinstance(item, str):
            firm_name, comp_id, sub_id = item, None, None
        elif isinstance(item, dict):
            unknown = set(item) - {"firm", "comp_id", "sub_id"}
            if unknown or not isinstance(item.get("firm"), str):
                raise r.error("firms", f"{item!r}: use a firm name or {{firm=, comp_id=, sub_id=}}")
            firm_name, comp_id, sub_id = item["firm"], item.get("comp_id"), item.get("sub_id")
        else:
            raise r.error("firms", f"{item!r} is not a firm name")
        firm = firms.get(firm_name)
        if firm is None:
            known = ", ".join(firms) or "none"
            raise r.error("firms", f"unknown firm {firm_name!r} (firms: {known})")
        comp_id = comp_id or firm.comp_id
        if not isinstance(comp_id, str) or not _COMP_ID.fullmatch(comp_id):
            raise r.error("firms", f"{comp_id!r} is not a usable CompID")
        if sub_id is not None and not isinstance(sub_id, str):
            raise r.error("firms", f"sub_id {sub_id!r} must be a string")
        key = (comp_id, sub_id)
        if key in seen:
            raise r.error("firms", f"CompID {comp_id!r} is listed twice on this port")
        seen.add(key)
        logins.append(FirmLogin(firm.name, comp_id, sub_id))
    return tuple(logins)
