"""Draw ``bench/fix_throughput.py --json`` results as one picture for docs/performance.md.

::

    python bench/plot_results.py bench/results/fix_throughput.json bench/results/throughput.png

Left: acknowledged reports per second, pipelined (log scale), each server beside the minimal
reference, with the 20% target drawn as a line. Right: one-at-a-time acknowledgement latency
p50 and p99 (log scale) with the 3x-reference target.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

COLOURS = {
    "reference": "#7f7f7f",
    "reference-batched": "#bbbbbb",
    "session-only": "#1f77b4",
    "simulator": "#d62728",
    "simulator-memory": "#ff9896",
}


def plot(results_path: Path, out: Path) -> None:
    data = json.loads(results_path.read_text())
    results: dict[str, list[dict[str, float]]] = data["results"]
    names = list(results)
    colours = [COLOURS.get(name, "#2ca02c") for name in names]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))

    rates = [results[name][0]["per_second"] for name in names]
    left.bar(names, rates, color=colours)
    left.set_yscale("log")
    left.set_ylim(bottom=100, top=max(rates) * 3)
    left.set_ylabel("acknowledged reports per second")
    left.set_title("one session, pipelined")
    reference = results["reference"][0]["per_second"]
    left.axhline(0.2 * reference, color="black", linestyle="--", linewidth=1)
    left.text(len(names) - 0.5, 0.2 * reference * 1.1, "target: 20% of reference", ha="right")
    for index, rate in enumerate(rates):
        left.text(index, rate * 1.1, f"{rate:,.0f}", ha="center")

    width = 0.38
    p50 = [results[name][1]["p50_us"] for name in names]
    p99 = [results[name][1]["p99_us"] for name in names]
    positions = range(len(names))
    right.bar([p - width / 2 for p in positions], p50, width, color=colours, label="p50")
    right.bar(
        [p + width / 2 for p in positions], p99, width, color=colours, alpha=0.45, label="p99"
    )
    right.set_xticks(list(positions), names)
    right.set_yscale("log")
    right.set_ylabel("acknowledgement latency, microseconds")
    right.set_title("one at a time (p50 solid, p99 pale)")
    ref_p50 = results["reference"][1]["p50_us"]
    right.axhline(3 * ref_p50, color="black", linestyle="--", linewidth=1)
    right.text(len(names) - 0.5, 3 * ref_p50 * 1.1, "target: p50 3x reference", ha="right")
    for axis in (left, right):
        axis.tick_params(axis="x", labelrotation=15)
    machine = data["machine"]
    figure.suptitle(
        f"FIX trade reports, {data['settings']['port']}, durable journal - {machine['cpu']}, "
        f"{machine['cores']} cores, Python {machine['python']}",
        fontsize=10,
    )
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python bench/plot_results.py RESULTS.json OUT.png", file=sys.stderr)
        return 2
    source = Path(args[0])
    try:
        plot(source, Path(args[1]))
    except (OSError, ValueError, KeyError) as exc:
        print(f"plot_results: {source}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
