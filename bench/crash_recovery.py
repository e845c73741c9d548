"""Kill ``facsim serve`` with SIGKILL mid-burst, again and again, and count what survived.

    python bench/crash_recovery.py                    # 10 rounds, 2,000 reports per session
    python bench/crash_recovery.py --rounds 50 --burst 5000 --json crash.json

Each round (:class:`simulator.faults.drill.CrashDrill`): ``facsim serve`` starts on the same data
directory, three firms pipeline ``--burst`` trade reports each on a TRACE CA and a Nasdaq TRF
Carteret port at full speed, the server is SIGKILLed once a random share of the acknowledgements
(10-90 %) has arrived, restarted, every firm logs on again without a sequence reset, recovery
runs (ResendRequests both ways), one firm asks for everything from 1 again, and the journal is
read after a clean stop. The journal and the message store accumulate across rounds, as a
facility's would across crashes.

The guarantees checked each round (``docs/resilience.md``): acknowledged => journaled exactly
once; no report without its lifecycle event; both SQLite files pass ``integrity_check``; every
session resumes its numbers; the store answers a ResendRequest from 1 with every acknowledgement
of that session. A round that breaks one prints FAIL and the run exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator.faults.drill import DEFAULT_FIRMS, DEFAULT_PORTS, CrashDrill, RoundResult

COLUMNS = (
    ("round", "round"),
    ("sent", "sent"),
    ("acked_before_kill", "acked@kill"),
    ("journaled", "journaled"),
    ("acked_total", "acked"),
    ("duplicates", "dupes"),
    ("acked_not_journaled", "ack-lost"),
    ("journaled_never_acked", "ack-unsent"),
    ("lost_unacknowledged", "unacked-lost"),
    ("resent_from_store", "resent"),
    ("kill_after_seconds", "kill@s"),
    ("restart_seconds", "restart-s"),
)


def line(result: RoundResult) -> str:
    body = result.to_json()
    cells = [f"{body[key]!s:>{max(len(title), 6)}}" for key, title in COLUMNS]
    return " ".join(cells) + ("  ok" if result.ok else "  FAIL: " + "; ".join(result.problems))


async def run(args: argparse.Namespace, data_dir: Path) -> list[RoundResult]:
    rng = random.Random(args.seed)
    drill = CrashDrill(data_dir, check_web=not args.no_web)
    sessions = len(DEFAULT_FIRMS) * len(DEFAULT_PORTS)
    total = sessions * args.burst
    print(" ".join(f"{title:>{max(len(title), 6)}}" for _, title in COLUMNS), flush=True)
    results = []
    for _ in range(args.rounds):
        kill_after = rng.randint(total // 10, total * 9 // 10)
        result = await drill.round(burst=args.burst, kill_after=kill_after)
        results.append(result)
        print(line(result), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=2000, help="reports per session per round")
    parser.add_argument("--seed", type=int, default=20210320, help="where each round is killed")
    parser.add_argument("--data-dir", type=Path, help="default: a temporary directory")
    parser.add_argument("--no-web", action="store_true", help="skip the web account check")
    parser.add_argument("--json", type=Path, help="also write every round's counts here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        results = asyncio.run(run(args, args.data_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="facsim-crash-") as tmp:
            results = asyncio.run(run(args, Path(tmp)))
    totals: dict[str, Any] = {
        key: sum(getattr(r, key) for r in results)
        for key in (
            "sent",
            "acked_before_kill",
            "journaled",
            "acked_total",
            "duplicates",
            "acked_not_journaled",
            "journaled_never_acked",
            "lost_unacknowledged",
            "half_written",
        )
    }
    totals["rounds"] = len(results)
    totals["failed_rounds"] = sum(1 for r in results if not r.ok)
    totals["wall_seconds"] = round(time.perf_counter() - started, 1)
    print("totals: " + json.dumps(totals))
    if args.json:
        args.json.write_text(
            json.dumps({"totals": totals, "rounds": [r.to_json() for r in results]}, indent=2)
            + "\n"
        )
    return 0 if totals["failed_rounds"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
