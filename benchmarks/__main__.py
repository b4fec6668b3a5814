"""``python -m benchmarks [--quick] [--case NAME ...] [--repeat 5]``: time and peak memory vs torch eager.

Every measurement runs in a fresh subprocess (``benchmarks._worker``, with glibc's mmap threshold at 1 MiB so
that RSS follows the live tensors): a warm-up call on the smallest size, then the inputs are built, the
resident-set high-water mark is reset (Linux ``/proc/self/clear_refs``), and the measured call's wall time,
CPU time and peak memory above the pre-call RSS are recorded. Implementations alternate within each repeat
(and the order flips every repeat) so that load on a shared machine hits both alike. Results go to
``benchmarks/results/`` (``--quick``: ``benchmarks/results/quick/``): ``<case>_raw.csv`` (every run),
``<case>.csv`` (medians, min-max, ratios), ``<case>.md`` (the printed table) and ``<case>.png`` (a plot).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks._harness import BENCH_DIR, Case, discover

REPO = BENCH_DIR.parent


def machine() -> dict:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        with open("/proc/meminfo") as f:
            mem_gib = int(f.readline().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        pass
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "-"
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "mem_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "torch": torch_version,
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
    }


def size_label(size: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in size.items())


def run_one(c: Case, impl: str, size: dict, steady: int = 0) -> dict:
    cmd = [sys.executable, "-m", "benchmarks._worker", c.name, c.module, impl, json.dumps(size)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if steady:
        # a training loop's step: `steady` more calls after the first, timed; glibc's own allocation policy
        # (blocks under 32 MiB recycled from the heap), as in a user's process
        env["ACTLOSS_BENCH_STEADY"] = str(steady)
    else:
        # glibc: every allocation >= 1 MiB gets its own mapping, returned to the OS on free, so that RSS follows
        # the live tensors (by default blocks under 32 MiB may be recycled from the heap, hiding their pages from
        # the peak). Large tensors (> 32 MiB) are mapped this way by default anyway.
        env.setdefault("MALLOC_MMAP_THRESHOLD_", str(1 << 20))
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=c.timeout_s)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr or proc.stdout)[-2000:]
    raise RuntimeError(f"{c.name} [{impl}, {size_label(size)}] failed (rc={proc.returncode}):\n{tail}")


def _stats(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def summarise(c: Case, size: dict, runs: dict[str, list[dict]]) -> list[dict]:
    base = runs[c.baseline]
    unavoidable_mib = (c.unavoidable(**size) / 2**20) if c.unavoidable else 0.0
    base_t = _stats([r["time_s"] for r in base])
    base_extra = statistics.median([r["peak_mib"] for r in base]) - unavoidable_mib
    rows = []
    for impl, rs in runs.items():
        t = _stats([r["time_s"] for r in rs])
        p = _stats([r["peak_mib"] for r in rs])
        extra = p[0] - unavoidable_mib
        pair = [a["time_s"] / b["time_s"] for a, b in zip(rs, base)]
        cpu = [r.get("cpu_s", float("nan")) for r in rs]
        base_cpu = statistics.median([r.get("cpu_s", float("nan")) for r in base])
        rows.append(
            {
                "case": c.name,
                "size": size_label(size),
                "impl": impl,
                "runs": len(rs),
                "time_ms_median": t[0] * 1e3,
                "time_ms_min": t[1] * 1e3,
                "time_ms_max": t[2] * 1e3,
                "peak_mib_median": p[0],
                "peak_mib_min": p[1],
                "peak_mib_max": p[2],
                "unavoidable_mib": unavoidable_mib,
                "extra_mib_median": extra,
                "time_ratio_median": t[0] / base_t[0],
                "time_ratio_pair_min": min(pair),
                "time_ratio_pair_max": max(pair),
                "cpu_s_median": statistics.median(cpu),
                "cpu_ratio_median": statistics.median(cpu) / base_cpu,
                "extra_mem_ratio": (extra / base_extra) if base_extra > 0 else float("nan"),
            }
        )
    return rows


def table(c: Case, rows: list[dict], info: dict, steady: int = 0) -> str:
    head = (
        f"### {c.name}\n\n{c.doc}\n\n{info['cpu']}, {info['cores']} cores, torch {info['torch']}, "
        f"{info['date_utc']} UTC; {rows[0]['runs']} runs per implementation, fresh process each.\n"
    )
    if steady:
        head += (f"Steady state: each run times {steady} calls after the first (median), glibc's default "
                 "allocation policy; memory: see the cold-call table.\n")
    if c.unavoidable:
        head += "'extra' = peak minus the unavoidable bytes (the case's declared gradients).\n"
    lines = [
        "| size | impl | time ms median [min-max] | peak MiB | extra MiB "
        "| time ratio [pair min-max] | CPU-time ratio "
        "| extra-memory ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['impl']} | {r['time_ms_median']:.1f} "
            f"[{r['time_ms_min']:.1f}-{r['time_ms_max']:.1f}]"
            f" | {r['peak_mib_median']:.0f} | {r['extra_mib_median']:.0f}"
            f" | {r['time_ratio_median']:.2f} [{r['time_ratio_pair_min']:.2f}-{r['time_ratio_pair_max']:.2f}]"
            f" | {r.get('cpu_ratio_median', float('nan')):.2f} | {r['extra_mem_ratio']:.3f} |"
        )
    return head + "\n" + "\n".join(lines) + "\n"


def write_csv(path: Path, rows: list[dict], info: dict) -> None:
    """Rows plus the machine info; a row that carries its own info (kept from an earlier run) keeps it."""
    fields = list(rows[0]) + [k for k in info if k not in rows[0]]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({**info, **r})


def merge_sizes(path: Path, rows: list[dict], order: list[str]) -> list[dict]:
    """``rows`` plus the rows of ``path`` (an earlier run) for the sizes not run now, in the case's size order:
    ``--size`` then refreshes some sizes without dropping the others from the results."""
    if not path.exists():
        return rows
    with open(path, newline="") as f:
        old = list(csv.DictReader(f))
    fresh = {r["size"] for r in rows}
    merged = [r for r in old if r["size"] not in fresh] + rows
    rank = {s: i for i, s in enumerate(order)}
    return sorted(merged, key=lambda r: rank.get(r["size"], len(rank)))


def read_summary(path: Path) -> tuple[list[dict], dict]:
    """The rows and machine info of a ``<case>.csv`` written by :func:`write_csv` (numbers parsed back)."""
    info_keys = ("host", "cpu", "cores", "mem_gib", "python", "torch", "date_utc")
    rows, info = [], {}
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            info = {k: rec.pop(k) for k in info_keys if k in rec}
            for k, v in rec.items():
                try:
                    rec[k] = int(v) if k == "runs" else float(v)
                except ValueError:
                    pass
            rows.append(rec)
    return rows, info


def plot(c: Case, rows: list[dict], path: Path, info: dict) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    impls = list(dict.fromkeys(r["impl"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        rs = [next(r for r in rows if r["size"] == s and r["impl"] == impl) for s in sizes]
        xs = [i + (k - (len(impls) - 1) / 2) * width for i in range(len(sizes))]
        med = [r["time_ms_median"] for r in rs]
        err = [
            [m - r["time_ms_min"] for m, r in zip(med, rs)],
            [r["time_ms_max"] - m for m, r in zip(med, rs)],
        ]
        bars = axes[0].bar(xs, med, width, yerr=err, capsize=3, label=impl)
        for b, r in zip(bars, rs):
            if impl != c.baseline:
                axes[0].annotate(
                    f"{r['time_ratio_median']:.2f}x",
                    (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
        ex = [r["extra_mib_median"] for r in rs]
        bars = axes[1].bar(xs, ex, width, label=impl)
        for b, r in zip(bars, rs):
            if impl != c.baseline:
                axes[1].annotate(
                    f"{r['extra_mem_ratio']:.3f}x",
                    (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
    for ax, title in zip(
        axes, ("time, ms (median, min-max)", "extra peak memory, MiB (median; peak minus declared grads)")
    ):
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels(sizes, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"{c.name} — {info['cpu']}, {info['cores']} cores, torch {info['torch']}, {info['date_utc']} UTC",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (each case's `quick` list)")
    ap.add_argument("--case", action="append", default=[], help="run only these cases (repeatable)")
    ap.add_argument(
        "--repeat", type=int, default=5, help="fresh processes per implementation (>= 5 for the docs)"
    )
    ap.add_argument("--size", type=int, action="append", default=[], help="run only these size indices")
    ap.add_argument(
        "--out", type=Path, default=None, help="results folder (default benchmarks/results[/quick])"
    )
    ap.add_argument("--list", action="store_true", help="list the registered cases and exit")
    ap.add_argument(
        "--replot", action="store_true", help="redraw <case>.png and <case>.md from <case>.csv, no runs"
    )
    ap.add_argument(
        "--steady", type=int, default=0, metavar="K",
        help="time K calls after the first in each process (a training loop's steady state; results/steady/)",
    )
    args = ap.parse_args(argv)

    cases, problems = discover()
    for p in problems:
        print(f"warning: skipped {p}", file=sys.stderr)
    if args.list:
        for c in cases.values():
            print(
                f"{c.name:32s} {c.module:28s} impls={','.join(c.impls)}  "
                f"sizes={len(c.sizes)} quick={len(c.quick)}"
            )
        return 0
    unknown = [n for n in args.case if n not in cases]
    if unknown:
        print(f"error: unknown case(s) {unknown}; expected one of {sorted(cases)}", file=sys.stderr)
        return 2
    selected = [cases[n] for n in (args.case or sorted(cases))]
    out = args.out or (BENCH_DIR / "results" / ("quick" if args.quick else "") / ("steady" if args.steady else ""))
    out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        for c in selected:
            path = out / f"{c.name}.csv"
            if not path.exists():
                continue
            rows, info = read_summary(path)
            (out / f"{c.name}.md").write_text(table(c, rows, info, args.steady))
            plot(c, rows, out / f"{c.name}.png", info)
            print(f"redrew {out / c.name}.png/.md from {path.name}")
        return 0
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['mem_gib']} GiB, host {info['host']}, "
        f"torch {info['torch']}, load average {os.getloadavg()[0]:.2f}"
    )
    for c in selected:
        sizes = c.quick if args.quick else c.sizes
        if args.size:
            sizes = [s for i, s in enumerate(sizes) if i in args.size]
        raw, summary = [], []
        for size in sizes:
            runs: dict[str, list[dict]] = {impl: [] for impl in c.impls}
            for rep in range(args.repeat):
                order = c.impls if rep % 2 == 0 else tuple(reversed(c.impls))
                for impl in order:
                    load = os.getloadavg()[0]
                    r = run_one(c, impl, size, args.steady)
                    runs[impl].append(r)
                    raw.append(
                        {
                            "case": c.name,
                            "size": size_label(size),
                            "impl": impl,
                            "repeat": rep,
                            "time_s": r["time_s"],
                            "cpu_s": r.get("cpu_s"),
                            "peak_mib": r["peak_mib"],
                            "threads": r["threads"],
                            "memory_method": r["memory_method"],
                            "loadavg_1m": load,
                        }
                    )
                    print(
                        f"  {c.name} [{size_label(size)}] {impl:10s} run {rep + 1}/{args.repeat}: "
                        f"{r['time_s'] * 1e3:9.1f} ms  peak {r['peak_mib']:8.1f} MiB",
                        flush=True,
                    )
            summary += summarise(c, size, runs)
        if not raw:
            continue
        if args.size:  # keep the other sizes' rows of an earlier run
            order = [size_label(s) for s in (c.quick if args.quick else c.sizes)]
            raw = merge_sizes(out / f"{c.name}_raw.csv", raw, order)
            summary_rows = merge_sizes(out / f"{c.name}.csv", summary, order)
            write_csv(out / f"{c.name}_raw.csv", raw, info)
            write_csv(out / f"{c.name}.csv", summary_rows, info)
            summary, _ = read_summary(out / f"{c.name}.csv")
        else:
            write_csv(out / f"{c.name}_raw.csv", raw, info)
            write_csv(out / f"{c.name}.csv", summary, info)
        text = table(c, summary, info, args.steady)
        (out / f"{c.name}.md").write_text(text)
        plotted = plot(c, summary, out / f"{c.name}.png", info)
        print("\n" + text)
        print(
            f"wrote {out / (c.name + '.csv')}, {c.name}_raw.csv, {c.name}.md"
            + (", " + c.name + ".png" if plotted else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
