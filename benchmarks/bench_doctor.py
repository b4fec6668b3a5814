"""Overhead of ``actloss.watch`` on the training step of a 5-layer MLP (CPU).

Runs the same step (forward, CrossEntropyLoss, backward, SGD step, zero_grad) without the doctor, with the doctor
at ``every=1`` and at ``every=10``, interleaved in rounds so that machine load hits all three alike; prints the
median CPU time per step of each (process time, one intra-op thread) and the overhead ratio ``doctor / baseline - 1``, and appends a CSV line per
configuration to ``benchmarks/results/doctor.csv`` with the machine and versions.

    python benchmarks/bench_doctor.py [--rounds 30] [--steps 20] [--threads 1] [--quick]
"""
from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

import actloss

# (name, batch, input features, hidden width): the 5-layer MLP is 4 hidden Linear+ReLU blocks and a Linear
# head
CONFIGS = [
    ("mnist-mlp-256", 128, 784, 256),
    ("small-mlp-128", 64, 128, 128),
]


def make(batch: int, d_in: int, width: int, seed: int = 0):
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(4):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, 10))
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, d_in)
    y = torch.randint(0, 10, (batch,))
    return model, opt, loss_fn, x, y


def time_steps(model, opt, loss_fn, x, y, steps: int, doctor=None) -> float:
    # CPU time of this process (one intra-op thread): on a machine shared with other jobs it counts our work,
    # not the time spent waiting for a core, so the ratios stay meaningful under load
    t0 = time.process_time()
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if doctor is not None:
            doctor.step(loss)
    return (time.process_time() - t0) / steps


def bench(name: str, batch: int, d_in: int, width: int, rounds: int, steps: int, warm: int = 30) -> dict[str, float]:
    model, opt, loss_fn, x, y = make(batch, d_in, width)
    time_steps(model, opt, loss_fn, x, y, 10)  # warm-up: allocator, first-call dispatch
    modes = ["baseline", "every=1", "every=10"]
    times: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(rounds):
        # rotate the order each round so that a load spike on a shared machine does not always hit one mode
        for mode in modes[r % 3:] + modes[:r % 3]:
            if mode == "baseline":
                times[mode].append(time_steps(model, opt, loss_fn, x, y, steps))
                continue
            # a fresh doctor per round, closed before the next mode so no hook lingers; its first `warm` steps
            # are not timed: they are the first window, where the loss-input and target statistics are still
            # measured (steady state is what a long run pays; the first window costs about as much again)
            doctor = actloss.watch(model, criterion=loss_fn, every=int(mode.split("=")[1]))
            time_steps(model, opt, loss_fn, x, y, warm, doctor)
            times[mode].append(time_steps(model, opt, loss_fn, x, y, steps, doctor))
            doctor.close()
    med = {mode: statistics.median(v) for mode, v in times.items()}
    # paired ratios: each round's doctor time against the same round's baseline, so that slow drifts of the
    # machine's load cancel; the median and the quartiles over the rounds
    row: dict[str, object] = {
        "config": name, "batch": batch, "d_in": d_in, "width": width,
        "baseline_us": med["baseline"] * 1e6, "every1_us": med["every=1"] * 1e6, "every10_us": med["every=10"] * 1e6,
    }
    for mode, key in (("every=1", "every1"), ("every=10", "every10")):
        ratios = sorted(t / b - 1 for t, b in zip(times[mode], times["baseline"]))
        q1, q2, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        row[f"overhead_{key}"], row[f"q1_{key}"], row[f"q3_{key}"] = q2, q1, q3
    return row


# The same measurement as a case of the shared harness (``python -m benchmarks --case doctor_overhead``): one
# run is 20 training steps, in a fresh process per measurement, with torch eager (no doctor) as the baseline.
try:
    from benchmarks._harness import case
except ImportError:  # run as a plain script: the harness package is not on the path
    case = None

if case is not None:

    @case("doctor_overhead", sizes=[dict(batch=128, d_in=784, width=256)],
          quick=[dict(batch=64, d_in=128, width=128)], impls=("torch", "doctor_every1", "doctor_every10"),
          number=5, doc="20 steps of a 5-layer MLP (CrossEntropyLoss, SGD) without and with actloss.watch")
    def doctor_overhead(impl: str, batch: int, d_in: int, width: int):
        torch.set_num_threads(1)
        model, opt, loss_fn, x, y = make(batch, d_in, width)
        every = {"torch": 0, "doctor_every1": 1, "doctor_every10": 10}[impl]

        def run() -> None:
            doctor = actloss.watch(model, criterion=loss_fn, every=every) if every else None
            time_steps(model, opt, loss_fn, x, y, 20, doctor)
            if doctor is not None:
                doctor.close()

        return run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--steps", type=int, default=20, help="steps per timed block (a multiple of 10)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: steadier on a shared machine)")
    p.add_argument("--quick", action="store_true", help="3 rounds of 10 steps (a smoke run)")
    p.add_argument("--no-csv", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 3, 10
    torch.set_num_threads(args.threads)
    rows = [bench(*cfg, rounds=args.rounds, steps=args.steps) for cfg in CONFIGS]
    print(f"actloss doctor overhead, torch {torch.__version__}, {args.threads} thread(s), "
          f"median of {args.rounds} rounds x {args.steps} steps")
    print("overhead = doctor / baseline - 1 per round (paired), median [quartiles] over the rounds")
    print(f"{'config':<16}{'batch':>6}{'width':>6}{'base us':>9}   {'every=1':<24}{'every=10':<24}")
    for r in rows:
        cells = [f"{r[f'overhead_{k}']:+.1%} [{r[f'q1_{k}']:+.1%}, {r[f'q3_{k}']:+.1%}]" for k in ("every1", "every10")]
        print(f"{r['config']:<16}{r['batch']:>6}{r['width']:>6}{r['baseline_us']:>9.0f}   {cells[0]:<24}{cells[1]:<24}")
    if not args.no_csv:
        out = Path(__file__).parent / "results" / "doctor.csv"
        out.parent.mkdir(exist_ok=True)
        new = not out.exists()
        with out.open("a", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(["date_utc", "config", "batch", "d_in", "width", "baseline_us", "every1_us", "every10_us",
                            "overhead_every1", "q1_every1", "q3_every1", "overhead_every10", "q1_every10",
                            "q3_every10", "rounds", "steps", "threads", "torch", "actloss", "machine", "cpus",
                            "python"])
            date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
            for r in rows:
                w.writerow([date, r["config"], r["batch"], r["d_in"], r["width"], f"{r['baseline_us']:.1f}",
                            f"{r['every1_us']:.1f}", f"{r['every10_us']:.1f}"]
                           + [f"{r[k]:.4f}" for k in ("overhead_every1", "q1_every1", "q3_every1",
                                                      "overhead_every10", "q1_every10", "q3_every10")]
                           + [args.rounds, args.steps, args.threads, torch.__version__, actloss.__version__,
                              platform.machine(), os.cpu_count(), platform.python_version()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
