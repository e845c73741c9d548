"""``facsim serve``: options, clear one-line errors, and a real start/stop (in-process, port 0)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.cli.serve import build_clock, serve_async
from simulator.clock import SECOND, ManualClock, OffsetClock, SystemClock
from simulator.config import parse_config
from simulator.domain.facility import FacilityId
from simulator.errors import UserInputError
from simulator.fix.application import SessionInfo
from simulator.fix.codec import encode
from simulator.fix.session import FixSession, Role, SessionConfig
from simulator.fix.store import STORE_FILENAME, MemoryStore
from simulator.fix.transport import FixClient
from simulator.journal.sqlite import JOURNAL_FILENAME
from simulator.timestamps import parse_iso8601

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
[[firms]]
name = "ACME"
comp_id = "ACMEFIX"
mpids = ["ACME"]

[[sessions]]
name = "orf"
facility = "orf"
port = 0
firms = ["ACME"]

[web]
enabled = false

[control]
enabled = false
"""


def test_check_prints_every_default_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--check"]) == 0
    out = capsys.readouterr().out
    assert "11 ports, 3 firms" in out
    assert "127.0.0.1:9101  trace-ca" in out
    assert "facility FNRA/CA  firms ACMEFIX,BETAFIX,GAMMAFIX" in out
    assert "nasdaq-trf-carteret-dropcopy" in out and "ACMEDC" in out


def test_check_applies_the_port_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--check", "--port-offset", "1000"]) == 0
    assert "127.0.0.1:10101 trace-ca" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--at", "yesterday-ish"], "--at: "),
        (["--speed", "fast"], "--speed: 'fast' is not a number"),
        (["--speed", "-2"], "--speed: -2 must be above 0"),
        (["--port-offset", "x"], "--port-offset: 'x' is not a whole number"),
        (["--port-offset", "60000"], "--port-offset: moves port 9101 of trace-ca out of range"),
        (["--seed", "-1"], "--seed: -1 must be between"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["serve", "--data-dir", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("facsim serve: ")
    assert says in err


def test_a_bad_config_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "serve.toml"
    path.write_text(CONFIG.replace('facility = "orf"', 'facility = "otc"'))
    assert main(["serve", "--config", str(path), "--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"facsim serve: {path}:9: field 'sessions[0].facility': 'otc' is not one of: "
        "nasdaq-trf-carteret, nasdaq-trf-chicago, nyse-trf, adf, orf, trace-ca, trace-sp, trace-ts"
    )


def test_a_data_dir_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("")
    assert main(["serve", "--data-dir", str(blocker)]) == 2
    assert "--data-dir: " in capsys.readouterr().err


def test_clock_options() -> None:
    assert isinstance(build_clock(None, None), SystemClock)
    clock = build_clock("2021-03-20T09:00", "60")
    assert isinstance(clock, OffsetClock)
    assert clock.speed == 60
    assert clock.now_ns() >= parse_iso8601("2021-03-20T09:00")
    assert isinstance(build_clock(None, "2"), OffsetClock)
    with pytest.raises(UserInputError, match="--at"):
        build_clock("20210320", None)


def firm_session(facility_sub_id: str = "ORF") -> FixSession:
    info = SessionInfo(
        session_id="firm",
        facility=FacilityId.ORF,
        begin_string="FIX.4.4",
        facility_comp_id="FNRA",
        firm_comp_id="ACMEFIX",
        firm="ACME",
        facility_sub_id=facility_sub_id,
    )
    return FixSession(SessionConfig(info=info, role=Role.INITIATOR, heartbeat_s=30), MemoryStore())


@pytest.mark.asyncio
async def test_serve_starts_accepts_a_logon_and_stops_cleanly(tmp_path: Path) -> None:
    clock = ManualClock(parse_iso8601("2021-03-20T09:00"))
    stop = asyncio.Event()
    out = io.StringIO()
    started: list[int] = []

    def ready(simulator) -> None:  # type: ignore[no-untyped-def]
        started.append(simulator.endpoint("orf").port)

    task = asyncio.create_task(
        serve_async(
            parse_config(CONFIG, "test.toml"),
            clock=clock,
            data_dir=tmp_path,
            auto_ports=True,
            stop=stop,
            out=out,
            ready=ready,
        )
    )
    for _ in range(200):
        if started:
            break
        await asyncio.sleep(0.01)
    assert started, out.getvalue()
    client = await FixClient.connect("127.0.0.1", started[0], firm_session(), clock)
    await client.logon(timeout=5)
    clock.advance(30 * SECOND)
    assert (await client.next_admin("0", 5)).get(50) == "ORF"
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0
    await client.close()
    text = out.getvalue()
    assert "manual clock at 2021-03-20T09:00:00.000-04:00" in text
    assert f"127.0.0.1:{started[0]}" in text and "facility FNRA/ORF" in text
    assert text.rstrip().endswith("stopped; journal closed")
    with sqlite3.connect(tmp_path / JOURNAL_FILENAME) as db:  # the store is in the journal
        numbers = dict(db.execute("SELECT session_id, next_target FROM fix_session"))
    assert numbers["orf:ACMEFIX"] == 3  # the Logon and the Heartbeat were counted
    assert not (tmp_path / STORE_FILENAME).exists()


@pytest.mark.asyncio
async def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        config = parse_config(CONFIG.replace("port = 0", f"port = {port}"), "busy.toml")
        with pytest.raises(UserInputError, match=r"cannot listen.*--port-offset"):
            await serve_async(config, clock=ManualClock(0), data_dir=tmp_path, out=io.StringIO())
    finally:
        blocker.close()
        await blocker.wait_closed()


@pytest.mark.slow
def test_the_command_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    config = tmp_path / "serve.toml"
    config.write_text(CONFIG)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "serve", "--config", str(config),
         "--ports", "auto", "--data-dir", str(tmp_path / "data"), "--at", "2021-03-20T09:00"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("ready"):
                break
        [orf] = [line for line in lines if "facility FNRA/ORF" in line]
        port = int(orf.split()[1].split(":")[1])
        logon = encode(
            "FIX.4.4",
            [(35, "A"), (49, "ACMEFIX"), (56, "FNRA"), (34, "1"), (52, "20210320-13:00:00"),
             (98, "0"), (108, "30")],
        )  # fmt: skip
        with socket.create_connection(("127.0.0.1", port), timeout=10) as firm:
            firm.sendall(logon)
            answer = firm.recv(4096)
        assert b"\x0135=A\x01" in answer and b"\x0149=FNRA\x01" in answer
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped; journal closed" in out
    assert "Traceback" not in err
    assert "2021-03-20T09:00" in err and "orf:ACMEFIX: logged on" in err, err


def test_a_corrupt_legacy_message_store_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "serve.toml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    data.mkdir()
    (data / STORE_FILENAME).write_bytes(b"this is not an SQLite database" * 100)
    assert main(["serve", "--config", str(config), "--data-dir", str(data), "--ports", "auto"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{data / STORE_FILENAME}: cannot read the FIX message store" in err
