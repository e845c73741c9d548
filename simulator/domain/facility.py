"""The facilities the simulator emulates, by the names used on the CLI, in configs and docs."""

from __future__ import annotations

from enum import StrEnum


class FacilityId(StrEnum):
    """Stable facility names (``facsim timeliness --facility NAME``)."""

    NASDAQ_TRF_CARTERET = "nasdaq-trf-carteret"
    NASDAQ_TRF_CHICAGO = "nasdaq-trf-chicago"
    NYSE_TRF = "nyse-trf"
    ADF = "adf"
    ORF = "orf"
    TRACE_CA = "trace-ca"
    TRACE_SP = "trace-sp"
    TRACE_TS = "trace-ts"

    @property
    def is_trace(self) -> bool:
        return self.value.startswith("trace-")

    @property
    def is_equity(self) -> bool:
        return not self.is_trace


class PortType(StrEnum):
    """Access methods whose timestamp precision differs by date (Nasdaq ETA 2020-81, seed 002)."""

    NATIVE_FIX42 = "native-fix42"  # FINRA/Nasdaq TRF (native) FIX 4.2, incl. its drop copy
    LEGACY_FIX42 = "legacy-fix42"  # Legacy TRF FIX 4.2: never nanoseconds
    CTCI = "ctci"  # never nanoseconds (retired Nov 2021)
    FIX44 = "fix44"  # NYSE TRF, ADF, ORF and TRACE FIX 4.4 sessions
    WEB = "web"  # TRAQS / WorkX screens


class Region(StrEnum):
    """Where a session or login points: production, or the Nasdaq Test Facility (NTF)."""

    PRODUCTION = "production"
    NTF = "ntf"
