"""Throughput and acknowledgement latency against many concurrent FIX sessions (issue 6 item 3).

::

    python bench/load_sessions.py [--sessions 1,10,100,500] [--reports 20000] [--single 4000]
                                  [--mix mixed] [--repeat 2] [--json FILE] [--plot PNG]
    python bench/load_sessions.py --plot-only RESULTS.json OUT.png

For each session count N the script writes a temporary ``facsim serve`` configuration with N firms
(CompIDs ``L0001FIX`` ..., MPIDs ``LAAA`` ...), half of them on the TRACE CA port (FIX 4.4) and
half on the FINRA/Nasdaq TRF Carteret native port (FIX 4.2), and starts two servers in turn, each
in its own process:

* the minimal asyncio reference server (``bench/reference_server.py``: frames, checks the
  checksum, writes a fixed acknowledgement), with the same N connections;
* the simulator as ``facsim serve`` builds it (``bench/sim_server.py``: the facility dialects, the
  durable file journal and FIX message store, WAL with ``synchronous=NORMAL``), on that
  configuration.

The firms are driven from a third process (the load generator must not steal the server's event
loop): every session logs on, warms up, then all N sessions stream ``--reports`` reports between
them pipelined (each at most ``--window`` unacknowledged), then ``--single`` reports between them
one at a time (each session waits for its acknowledgement before its next report, so N reports
are in flight). The ``mixed`` day is 90% new reports, 5% cancels and 5% corrections, each
referring to a report of the same firm (``bench/fixwire.py``). Every simulator answer must be an
acknowledgement; a reject fails the run.

The aggregate rate is acknowledgements divided by the wall time from the first write to the last
acknowledgement of all sessions; latencies are pooled over all sessions. Target (issue 6): with
100 sessions the aggregate pipelined rate is at least 80% of the single-session pipelined rate.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import multiprocessing
import os
import signal
import string
import sys
import tempfile
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fix_throughput import HERE, machine, start
from fixwire import DEFAULT_START_NS, TARGETS, BenchClient, RunResult, Target, logon, percentile
from fixwire import reports as fixwire_reports

from simulator.fix.codec import encode

#: Issue 6: with 100 sessions, the aggregate rate is at least this share of one session's.
SCALING_TARGET = 0.80
SCALING_SESSIONS = 100
#: The two facilities the sessions alternate between (TRACE CA and Nasdaq TRF, issue 6).
FACILITIES = ("trace-ca", "nasdaq-trf-carteret")
#: The MPID fixwire's reports carry; each firm's copy gets the firm's own (config.py: an MPID
#: belongs to one firm only).
TEMPLATE_MPID = "ACME"
CONTRA_FIRM = ("BETA", "BETAFIX")  # the contra party of every report, a configured firm
#: Allocation sites a traced memory reading lists (``serve_with_config``).
TOP_SITES = 8


# --- pure parts: firms, configuration, messages, statistics -------------------------------------


def firm_mpid(index: int) -> str:
    """A distinct four-capital-letter MPID per firm index: ``LAAA``, ``LAAB``, ... (17,576 of
    them, far more than any run needs). ``L`` keeps them clear of the sample firms' MPIDs."""
    if not 0 <= index < 26**3:
        raise ValueError(f"firm index {index} is out of range")
    letters = string.ascii_uppercase
    return "L" + letters[index // 676] + letters[index // 26 % 26] + letters[index % 26]


def firm_comp_id(index: int) -> str:
    return f"L{index + 1:04d}FIX"


def facility_of(index: int) -> str:
    """Sessions alternate between the facilities, so any N >= 2 loads both."""
    return FACILITIES[index % len(FACILITIES)]


def config_text(sessions: int) -> str:
    """A ``facsim serve`` configuration (docs/configuration.md) with ``sessions`` firms, each
    with one session on its facility's port (:func:`facility_of`)."""
    if sessions < 1:
        raise ValueError("at least one session")
    lines = ['[server]\nhost = "127.0.0.1"\n']
    for name, comp_id in (CONTRA_FIRM,):
        lines.append(f'[[firms]]\nname = "{name}"\ncomp_id = "{comp_id}"\nmpids = ["{name}"]\n')
    on: dict[str, list[str]] = {name: [] for name in FACILITIES}
    for index in range(sessions):
        name = f"LOAD{index + 1:04d}"
        lines.append(
            f'[[firms]]\nname = "{name}"\ncomp_id = "{firm_comp_id(index)}"\n'
            f'mpids = ["{firm_mpid(index)}"]\n'
        )
        on[facility_of(index)].append(name)
    trace = TARGETS["trace-ca"]
    nasdaq = TARGETS["nasdaq-trf-carteret"]
    ports = {
        "trace-ca": (
            'facility = "trace-ca"\nport_type = "fix44"\n'
            f'begin_string = "{trace.begin_string}"\nfacility_comp_id = "{trace.target}"\n'
            f'facility_sub_id = "{trace.target_sub}"\nheartbeat_min = 30\nheartbeat_max = 30\n'
        ),
        "nasdaq-trf-carteret": (
            'facility = "nasdaq-trf-carteret"\nport_type = "native-fix42"\n'
            f'begin_string = "{nasdaq.begin_string}"\nfacility_comp_id = "{nasdaq.target}"\n'
            "heartbeat_min = 5\nheartbeat_max = 120\n"
        ),
    }
    for port_name, firms in on.items():
        if firms:
            listed = ", ".join(f'"{firm}"' for firm in firms)
            lines.append(
                f'[[sessions]]\nname = "{port_name}"\n{ports[port_name]}port = 0\n'
                f"firms = [{listed}]\n"
            )
    return "\n".join(lines)


def split_fields(raw: bytes) -> list[tuple[int, str]]:
    """The fields between BodyLength and CheckSum of one encoded message."""
    body = raw.split(b"\x01")[2:-2]  # 8=, 9= ... 10=, and the empty tail after the last SOH
    out = []
    for item in body:
        tag, _, value = item.partition(b"=")
        out.append((int(tag), value.decode("ascii")))
    return out


def for_firm(raw: bytes, begin_string: str, comp_id: str, mpid: str) -> bytes:
    """``raw`` re-encoded as sent by firm ``comp_id`` reporting for ``mpid``: SenderCompID (49)
    and the template firm's PartyID (448) replaced; BodyLength and CheckSum recomputed."""
    fields = []
    for tag, value in split_fields(raw):
        if tag == 49:
            value = comp_id
        elif tag == 448 and value == TEMPLATE_MPID:
            value = mpid
        fields.append((tag, value))
    return encode(begin_string, fields)


def session_messages(index: int, count: int, mix: str) -> tuple[Target, bytes, list[bytes]]:
    """Session ``index``'s target, Logon and ``count`` reports (MsgSeqNum from 2)."""
    base = TARGETS[facility_of(index)]
    target = dataclasses.replace(base, sender=firm_comp_id(index))
    mpid = firm_mpid(index)
    raw = fixwire_reports(base, count, start_ns=DEFAULT_START_NS, mix=mix)
    messages = [for_firm(data, base.begin_string, target.sender, mpid) for data in raw]
    return target, logon(target, DEFAULT_START_NS), messages


def kinds(messages: Sequence[bytes]) -> dict[str, int]:
    """How many of ``messages`` are new reports, cancels and corrections (TradeReportTransType
    487 = 0, 1, 2), for the record of what a run sent."""
    names = {b"0": "new", b"1": "cancel", b"2": "correct"}
    counts = {"new": 0, "cancel": 0, "correct": 0}
    for data in messages:
        at = data.find(b"\x01487=") + 5
        counts[names[data[at : at + 1]]] += 1
    return counts


def shares(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as integers allow."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


@dataclass
class Aggregate:
    """All sessions of one mode of one run, pooled."""

    mode: str
    sessions: int
    reports: int = 0
    acks: int = 0
    rejects: int = 0
    seconds: float = 0.0
    latencies_ns: array[int] = dataclasses.field(default_factory=lambda: array("q"))
    reject_samples: list[str] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.acks / self.seconds if self.seconds else 0.0

    def add(self, result: RunResult) -> None:
        self.reports += result.reports
        self.acks += result.acks
        self.rejects += result.rejects
        self.latencies_ns.extend(result.latencies_ns)
        self.reject_samples.extend(result.reject_samples[: max(0, 3 - len(self.reject_samples))])

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "sessions": self.sessions,
            "reports": self.reports,
            "acks": self.acks,
            "rejects": self.rejects,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.rate, 1),
            "p50_us": round(percentile(self.latencies_ns, 50) / 1000, 1),
            "p99_us": round(percentile(self.latencies_ns, 99) / 1000, 1),
            "p99_9_us": round(percentile(self.latencies_ns, 99.9) / 1000, 1),
        }


# --- the load generator (its own process) ---------------------------------------------------------


async def _drive(
    port_of: dict[str, int],
    sessions: int,
    *,
    warmup: int,
    pipelined: int,
    single: int,
    window: int,
    chunk: int,
    mix: str,
) -> dict[str, Any]:
    piped_counts = shares(pipelined, sessions)
    single_counts = shares(single, sessions)
    plans = []
    sent_kinds = {"new": 0, "cancel": 0, "correct": 0}
    for index in range(sessions):
        total = warmup + piped_counts[index] + single_counts[index]
        target, logon_bytes, messages = session_messages(index, total, mix)
        for kind, count in kinds(messages[warmup:]).items():
            sent_kinds[kind] += count
        plans.append((target, logon_bytes, messages))
    clients: list[BenchClient] = []
    try:
        for index in range(sessions):
            clients.append(await BenchClient.connect("127.0.0.1", port_of[facility_of(index)]))
        answers = await asyncio.gather(
            *(
                client.logon(plan[1], timeout=60)
                for client, plan in zip(clients, plans, strict=True)
            )
        )
        for answer in answers:
            if b"\x0135=A\x01" not in answer and b"\x0135=AE\x01" not in answer:
                raise SystemExit(f"logon refused: {answer!r}")
        await asyncio.gather(
            *(
                client.pipelined(plan[2][:warmup], window=window, chunk=chunk, timeout=120)
                for client, plan in zip(clients, plans, strict=True)
            )
        )
        out: dict[str, Any] = {"kinds": sent_kinds}
        for mode in ("pipelined", "one-at-a-time"):
            aggregate = Aggregate(mode, sessions)
            runs = []
            for index, (client, plan) in enumerate(zip(clients, plans, strict=True)):
                first = warmup if mode == "pipelined" else warmup + piped_counts[index]
                upto = first + (piped_counts if mode == "pipelined" else single_counts)[index]
                batch = plan[2][first:upto]
                if not batch:
                    continue
                if mode == "pipelined":
                    runs.append(client.pipelined(batch, window=window, chunk=chunk, timeout=120))
                else:
                    runs.append(client.one_at_a_time(batch, timeout=120))
            started = time.perf_counter()
            results = await asyncio.gather(*runs)
            aggregate.seconds = time.perf_counter() - started
            for result in results:
                aggregate.add(result)
            out[mode] = aggregate
        return out
    finally:
        for client in clients:
            client.close()


def _client_process(connection: Any, port_of: dict[str, int], sessions: int, options: dict) -> None:
    try:
        out = asyncio.run(_drive(port_of, sessions, **options))
        connection.send(("ok", out))
    except BaseException as error:  # reported to the parent, which prints it
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def drive_in_process(port_of: dict[str, int], sessions: int, **options: Any) -> dict[str, Any]:
    """Run :func:`_drive` in a fresh process and return what it measured."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_client_process, args=(child, port_of, sessions, options))
    process.start()
    child.close()
    status, payload = parent.recv()
    process.join()
    if status != "ok":
        raise SystemExit(f"load generator failed: {payload}")
    return payload


# --- servers ------------------------------------------------------------------------------------


def serve_with_config(config: Path, sim_argv: list[str]) -> int:
    """``bench/sim_server.py`` with the configuration in ``config`` instead of the default.

    On SIGUSR1 it prints ``MEM rss=<bytes> traced=<bytes> peak=<bytes>`` (RSS from
    /proc/self/status; tracemalloc's figures when ``PYTHONTRACEMALLOC`` is set), which is how
    ``bench/session_memory.py`` reads the server's memory between phases. When tracing, the
    ``MEM`` line is preceded by ``TOP <bytes> <blocks> <file>:<line>`` lines: the sites whose
    allocations grew most since the previous reading (where per-session memory goes)."""
    import tracemalloc

    import sim_server

    from simulator.config import load_config

    previous: list[tracemalloc.Snapshot] = []

    def report(signum: int, frame: Any) -> None:
        traced, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
        if tracemalloc.is_tracing():
            snapshot = tracemalloc.take_snapshot()
            if previous:
                for stat in snapshot.compare_to(previous[-1], "lineno")[:TOP_SITES]:
                    where = stat.traceback[0]
                    print(
                        f"TOP {stat.size_diff} {stat.count_diff} {where.filename}:{where.lineno}",
                        flush=True,
                    )
            previous[:] = [snapshot]
        print(f"MEM rss={rss_bytes()} traced={traced} peak={peak}", flush=True)

    signal.signal(signal.SIGUSR1, report)
    sim_server.load_config = functools.partial(load_config, config)
    return sim_server.main(sim_argv)


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of process ``pid`` (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise OSError(f"no VmRSS for process {pid}")


def server_argv(name: str, work: Path, sessions: int) -> list[str]:
    """How to start ``reference`` or ``simulator`` for a run with ``sessions`` firms."""
    if name == "reference":
        return [str(HERE / "reference_server.py")]
    config = work / f"load-{sessions}.toml"
    config.write_text(config_text(sessions))
    data_dir = work / f"data-{sessions}"
    return [__file__, "--serve", str(config), "--data-dir", str(data_dir)]


def run_once(name: str, sessions: int, options: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="facsim-load-") as work:
        server = start(name, server_argv(name, Path(work), sessions), timeout=120)
        try:
            ports = {
                facility: server.ports.get(facility, server.ports.get("default", 0))
                for facility in FACILITIES
            }
            out = drive_in_process(ports, sessions, **options)
        finally:
            server.stop()
        out["data_bytes"] = data_sizes(Path(work) / f"data-{sessions}")
        return out


def data_sizes(data_dir: Path) -> dict[str, int]:
    """Bytes of every file the server left in ``data_dir`` (journal, WAL, FIX message store),
    after it stopped and checkpointed; empty for the reference, which stores nothing."""
    if not data_dir.is_dir():
        return {}
    return {
        str(path.relative_to(data_dir)): path.stat().st_size
        for path in sorted(data_dir.rglob("*"))
        if path.is_file()
    }


# --- command line -------------------------------------------------------------------------------


def row(server: str, aggregate: Aggregate) -> str:
    s = aggregate.summary()
    return (
        f"{aggregate.sessions:>8} {server:<10} {aggregate.mode:<14} {s['acks']:>7} "
        f"{s['per_second']:>9,.0f} {s['p50_us']:>10,.0f} {s['p99_us']:>10,.0f} "
        f"{s['p99_9_us']:>10,.0f}"
    )


HEADER = (
    f"{'sessions':>8} {'server':<10} {'mode':<14} {'acks':>7} {'acks/s':>9} {'p50 us':>10} "
    f"{'p99 us':>10} {'p99.9 us':>10}"
)


def plot(results: dict[str, Any], out: Path) -> None:
    """One picture: left, aggregate pipelined acknowledgements per second by session count,
    simulator beside the reference (log scale), with the 80%-of-one-session target drawn;
    right, one-at-a-time p50 and p99 acknowledgement latency by session count (log scale)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    best: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
    for run in results["runs"]:
        for name in ("reference", "simulator"):
            if name not in run:
                continue
            kept = best.setdefault(name, {}).get(run["sessions"])
            if (
                kept is None
                or run[name]["pipelined"]["per_second"] > kept["pipelined"]["per_second"]
            ):
                best[name][run["sessions"]] = run[name]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"reference": "#7f7f7f", "simulator": "#d62728"}
    counts = sorted({count for runs in best.values() for count in runs})
    width = 0.38
    for offset, name in ((-width / 2, "reference"), (width / 2, "simulator")):
        if name not in best:
            continue
        xs = [i + offset for i, c in enumerate(counts) if c in best[name]]
        rates = [best[name][c]["pipelined"]["per_second"] for c in counts if c in best[name]]
        bars = left.bar(xs, rates, width, label=name, color=colours[name])
        left.bar_label(bars, labels=[f"{r:,.0f}" for r in rates], fontsize=7)
    if "simulator" in best and 1 in best["simulator"]:
        line = SCALING_TARGET * best["simulator"][1]["pipelined"]["per_second"]
        left.axhline(line, color="#d62728", linestyle="--", linewidth=1)
        left.text(
            -0.45,
            line * 0.9,
            "target: 80% of 1 session",
            ha="left",
            va="top",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
        left.set_ylim(bottom=line / 3)
    left.set_yscale("log")
    left.set_ylim(top=left.get_ylim()[1] * 1.6)  # room for the bar labels
    left.set_xticks(range(len(counts)), [str(c) for c in counts])
    left.set_xlabel("concurrent sessions")
    left.set_ylabel("acknowledged reports per second (log)")
    left.set_title("Pipelined throughput, all sessions together")
    left.legend(fontsize=8, loc="center right")
    for name in ("reference", "simulator"):
        if name not in best:
            continue
        present = [c for c in counts if c in best[name]]
        for key, style in (("p50_us", "-o"), ("p99_us", ":s")):
            ys = [best[name][c]["one-at-a-time"][key] / 1000 for c in present]
            right.plot(present, ys, style, color=colours[name], label=f"{name} {key[:-3]}")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("concurrent sessions (log)")
    right.set_ylabel("acknowledgement latency, ms (log)")
    right.set_title("One at a time per session")
    right.legend(fontsize=8)
    machine_info = results.get("machine", {})
    figure.suptitle(
        f"facsim load: {results['settings']['mix']} reports, TRACE CA + Nasdaq TRF, durable "
        f"journal; {machine_info.get('cores', '?')} shared cores, best of "
        f"{results['settings']['repeat']}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--serve"]:
        return serve_with_config(Path(argv[1]), argv[2:])
    if argv[:1] == ["--plot-only"] and len(argv) == 3:
        plot(json.loads(Path(argv[1]).read_text()), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,10,100,500", help="session counts (1,10,100,500)")
    parser.add_argument("--reports", type=int, default=20000, help="pipelined, all sessions")
    parser.add_argument("--single", type=int, default=4000, help="one at a time, all sessions")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured reports per session")
    parser.add_argument("--window", type=int, default=1000, help="most unacked per session")
    parser.add_argument("--chunk", type=int, default=100, help="reports per write (100)")
    parser.add_argument("--mix", choices=("new", "mixed"), default="mixed")
    parser.add_argument("--servers", default="reference,simulator")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each configuration this many times (all kept)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--plot", metavar="PNG", help="also draw the results (matplotlib)")
    args = parser.parse_args(argv)
    try:
        counts = [int(item) for item in args.sessions.split(",") if item]
    except ValueError:
        parser.error(f"--sessions: {args.sessions!r} is not a comma-separated list of numbers")
    if not counts or min(counts) < 1 or max(counts) > 5000:
        parser.error("--sessions: each count must be between 1 and 5000")
    servers = [name for name in args.servers.split(",") if name]
    if not servers or any(name not in ("reference", "simulator") for name in servers):
        parser.error("--servers: a comma-separated choice of reference, simulator")
    if min(args.reports, args.single, args.repeat, args.window, args.chunk) < 1:
        parser.error("--reports, --single, --repeat, --window and --chunk must be at least 1")
    options = {
        "warmup": args.warmup,
        "pipelined": args.reports,
        "single": args.single,
        "window": args.window,
        "chunk": args.chunk,
        "mix": args.mix,
    }
    info = machine()
    info["load_average_at_start"] = round(os.getloadavg()[0], 2)
    print(
        f"machine: {info['cpu']}, {info['cores']} cores (shared), Python {info['python']}, "
        f"SQLite {info['sqlite']}; load average {info['load_average_at_start']} at start"
    )
    print(
        f"mix {args.mix}: {args.reports} pipelined + {args.single} one at a time between all "
        f"sessions after {args.warmup} warm-up each; window {args.window}, chunk {args.chunk}"
    )
    print(HEADER, flush=True)
    runs = []
    failed = 0
    for round_ in range(args.repeat):
        for sessions in counts:
            run: dict[str, Any] = {"sessions": sessions, "round": round_ + 1}
            for name in servers:
                out = run_once(name, sessions, options)
                run["kinds"] = out["kinds"]
                for mode in ("pipelined", "one-at-a-time"):
                    aggregate: Aggregate = out[mode]
                    print(row(name, aggregate), flush=True)
                    if name == "simulator" and aggregate.rejects:
                        failed += aggregate.rejects
                        print(f"  rejected, e.g. {aggregate.reject_samples[:1]}", file=sys.stderr)
                run[name] = {mode: out[mode].summary() for mode in ("pipelined", "one-at-a-time")}
            runs.append(run)
    results: dict[str, Any] = {"machine": info, "settings": vars(args), "runs": runs}
    best: dict[int, float] = {}
    for run in runs:
        if "simulator" in run:
            rate = run["simulator"]["pipelined"]["per_second"]
            best[run["sessions"]] = max(best.get(run["sessions"], 0.0), rate)
    if 1 in best and SCALING_SESSIONS in best:
        share = best[SCALING_SESSIONS] / best[1]
        results["scaling_share_100"] = round(share, 4)
        verdict = "MET" if share >= SCALING_TARGET else "NOT MET"
        print(
            f"{SCALING_SESSIONS} sessions pipelined: {share:.0%} of the single-session rate "
            f"(best of each; target >= {SCALING_TARGET:.0%}): {verdict}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.plot:
        plot(results, Path(args.plot))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
