"""Fuzz the FIX framer and session layer for a million inputs: no exception, no hang, flat memory.

    python bench/fuzz_session.py                      # 1,000,000 inputs, 2 workers, atheris
    python bench/fuzz_session.py --inputs 20000       # a quick look
    python bench/fuzz_session.py --engine hypothesis  # without atheris

The target is :class:`simulator.faults.fuzz.SessionFuzzTarget` (the one the CI test runs a few
hundred times): one acceptor port, a victim connection fed the input with a fault of the plan
armed on it, and a bystander session on the same port that must stay logged on and answer a
TestRequest after every input.

Engines:

* ``atheris`` (default when installed: ``pip install atheris``) -- coverage-guided libFuzzer over
  the instrumented ``simulator.fix`` and ``simulator.faults`` packages, seeded with valid and odd
  conversations. Each worker is a process of its own with its own seed; libFuzzer's ``-timeout``
  catches a hang (seconds per input) and its ``-rss_limit_mb`` a runaway memory.
* ``hypothesis`` -- ``@given`` over mutated conversations and random bytes, in batches of a few
  thousand examples up to ``--inputs`` (no coverage guidance).

Each worker samples its resident memory (``/proc/self/statm``) after the warm-up (a tenth of its
inputs, at least 10,000 where there are that many: bounded caches fill first) and at the end; the
run fails if any input raised, hung, or memory grew by more than ``--max-growth`` (default 10 %)
after warm-up. The summary is printed and, with ``--json``, written to a file. Results of the
recorded run are in ``docs/resilience.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
HYPOTHESIS_BATCH = 2000


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * PAGE / (1 << 20)


# -- worker side ----------------------------------------------------------------------------------


class Progress:
    """Counts inputs, samples memory, writes the worker's summary when its budget is spent."""

    def __init__(self, budget: int, summary: Path) -> None:
        self.budget = budget
        self.summary = summary
        self.runs = 0
        self.started = time.perf_counter()
        self.warm_rss: float | None = None
        self.slowest = 0.0
        # bounded caches (parsed SendingTimes, dictionary checks) fill in the first few thousand
        # inputs: the warm-up is a tenth of the budget, at least 10,000 inputs where there are
        self.warm_up = max(1, budget // 10, min(budget // 2, 10_000))

    def tick(self, elapsed: float) -> bool:
        self.runs += 1
        self.slowest = max(self.slowest, elapsed)
        if self.warm_rss is None and self.runs >= self.warm_up:
            self.warm_rss = rss_mb()
        return self.runs >= self.budget

    def write(self, engine: str, finding: str | None = None, target: Any = None) -> None:
        seconds = time.perf_counter() - self.started
        end_rss = rss_mb()
        warm = self.warm_rss or end_rss
        self.summary.write_text(
            json.dumps(
                {
                    "engine": engine,
                    "inputs": self.runs,
                    "seconds": round(seconds, 1),
                    "inputs_per_second": round(self.runs / seconds) if seconds else 0,
                    "slowest_input_ms": round(self.slowest * 1000, 2),
                    "rss_after_warmup_mb": round(warm, 1),
                    "rss_end_mb": round(end_rss, 1),
                    "growth_percent": round((end_rss - warm) / warm * 100, 2) if warm else 0.0,
                    "victim_logged_on_in": getattr(target, "logged_on_runs", None),
                    "victim_messages_processed": getattr(target, "messages_processed", None),
                    "faults_recorded": getattr(target, "faults_recorded", None),
                    "finding": finding,
                }
            )
        )


def seed_corpus(directory: Path) -> None:
    from simulator.faults.fuzz import FAULTS, SEED_STREAM, firm_message

    logon = firm_message("A", 1, (98, "0"), (108, "30"))
    odd = [
        firm_message("AE", 50, (571, "ahead")),
        firm_message("4", 2, (123, "Y"), (36, "9")),
        firm_message("2", 2, (7, "1"), (16, "0")),
        firm_message("1", 2, (112, "X")),
        b"8=FIX.4.4\x019=99999999\x01",
    ]
    directory.mkdir(parents=True, exist_ok=True)
    for fault in range(len(FAULTS)):
        (directory / f"valid-{fault}").write_bytes(bytes([60, fault]) + SEED_STREAM)
        (directory / f"odd-{fault}").write_bytes(bytes([7, fault]) + logon + b"".join(odd))


def worker_atheris(budget: int, seed: int, summary: Path, corpus: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["simulator.fix", "simulator.faults"]):
        from simulator.faults.fuzz import SessionFuzzTarget

    target = SessionFuzzTarget(max_seconds=5.0)
    progress = Progress(budget, summary)

    def one(data: bytes) -> None:
        started = time.perf_counter()
        try:
            target.run(data)
        except BaseException as exc:
            progress.write("atheris", f"{type(exc).__name__}: {exc} (input {data[:200]!r})", target)
            raise
        if progress.tick(time.perf_counter() - started):
            progress.write("atheris", target=target)
            sys.stdout.flush()
            os._exit(0)  # the budget is spent; libFuzzer would otherwise go on

    argv = [
        sys.argv[0],
        f"-seed={seed}",
        "-max_len=4096",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-print_final_stats=0",
        "-close_fd_mask=3",  # libFuzzer's own chatter is not the result
        str(corpus),
    ]
    atheris.Setup(argv, one)
    atheris.Fuzz()


def worker_hypothesis(budget: int, seed: int, summary: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from simulator.faults.fuzz import FAULTS, SEED_STREAM, SessionFuzzTarget

    target = SessionFuzzTarget(max_seconds=5.0)
    progress = Progress(budget, summary)
    mutated = st.lists(
        st.tuples(st.integers(0, len(SEED_STREAM) - 1), st.integers(0, 255)), max_size=12
    ).map(lambda edits: _apply(SEED_STREAM, edits))
    stream = st.one_of(mutated, st.binary(max_size=4000))

    def batch(number: int, size: int) -> None:
        @hseed(seed * 1000 + number)
        @settings(
            max_examples=size,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(chunk=st.integers(0, 255), fault=st.integers(0, len(FAULTS) - 1), data=stream)
        def one(chunk: int, fault: int, data: bytes) -> None:
            started = time.perf_counter()
            target.run(bytes([chunk, fault]) + data)
            progress.tick(time.perf_counter() - started)

        one()

    # hypothesis keeps what it learns for the length of one run: batches of a few thousand
    # examples keep its own memory flat, so the check measures the session layer's
    number = 0
    try:
        while progress.runs < budget:
            batch(number, min(HYPOTHESIS_BATCH, budget - progress.runs))
            number += 1
    except BaseException as exc:
        progress.write("hypothesis", f"{type(exc).__name__}: {exc}", target)
        raise
    progress.write("hypothesis", target=target)


def _apply(base: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(base)
    for position, byte in edits:
        data[position] = byte
    return bytes(data)


# -- driver ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="total inputs (default 1e6)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default=None)
    parser.add_argument("--seed", type=int, default=20210320)
    parser.add_argument("--max-growth", type=float, default=10.0, help="percent after warm-up")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "BUDGET", "SUMMARY"),
                        help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        engine, budget, summary = args.worker[0], int(args.worker[1]), Path(args.worker[2])
        if engine == "atheris":
            worker_atheris(budget, args.seed, summary, args.corpus)
        else:
            worker_hypothesis(budget, args.seed, summary)
        return 0

    engine = args.engine
    if engine is None:
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    workers = max(1, args.workers)
    share = -(-args.inputs // workers)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="facsim-fuzz-") as tmp:
        corpus = Path(tmp) / "corpus"
        seed_corpus(corpus)
        procs = []
        for index in range(workers):
            summary = Path(tmp) / f"worker-{index}.json"
            command = [
                sys.executable,
                __file__,
                "--worker", engine, str(share), str(summary),
                "--seed", str(args.seed + index),
                "--corpus", str(Path(tmp) / f"corpus-{index}"),
            ]  # fmt: skip
            worker_corpus = Path(tmp) / f"corpus-{index}"
            worker_corpus.mkdir()
            for seed_file in corpus.iterdir():
                (worker_corpus / seed_file.name).write_bytes(seed_file.read_bytes())
            log = open(Path(tmp) / f"worker-{index}.log", "wb")  # noqa: SIM115
            procs.append(
                (subprocess.Popen(command, stdout=log, stderr=log, cwd=ROOT), summary, log)
            )
        results: list[dict[str, Any]] = []
        failed = False
        for proc, summary, log in procs:
            code = proc.wait()
            log.close()
            found = json.loads(summary.read_text()) if summary.exists() else None
            if found is None:
                tail = Path(log.name).read_text(errors="replace")[-2000:]
                found = {"engine": engine, "inputs": 0, "finding": f"worker exit {code}: {tail}"}
            found["exit"] = code
            results.append(found)
            failed = failed or code != 0 or found.get("finding") is not None
    total = sum(r.get("inputs", 0) for r in results)
    growth = max((r.get("growth_percent", 0.0) for r in results), default=0.0)
    summary_all = {
        "engine": engine,
        "inputs": total,
        "workers": workers,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "unhandled_exceptions": sum(1 for r in results if r.get("finding")),
        "hangs": sum(1 for r in results if "took over" in str(r.get("finding") or "")),
        "max_rss_growth_percent_after_warmup": growth,
        "slowest_input_ms": max((r.get("slowest_input_ms", 0.0) for r in results), default=0.0),
        "victim_logged_on_in": sum(r.get("victim_logged_on_in") or 0 for r in results),
        "victim_messages_processed": sum(r.get("victim_messages_processed") or 0 for r in results),
        "workers_detail": results,
    }
    ok = not failed and total >= args.inputs and growth <= args.max_growth
    summary_all["result"] = "PASS" if ok else "FAIL"
    text = json.dumps(summary_all, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
