"""Speed of ``actloss lint`` on a tree of typical PyTorch files (target: 1,000 files in under 10 s on 2 cores).

Generates N files (default 1,000) of ~120 lines each: a model module, a dataset, a training and an evaluation
loop, argument parsing and logging, in varied forms (a quarter of them with a mistake). Times ``lint_paths`` on
the tree with 1 and with 2 worker processes, in alternating rounds; as the reference, times CPython's own
``ast.parse`` over the same files in the same run (the floor any Python linter starts from). Prints medians and
min-max and appends one CSV row per configuration to ``benchmarks/results/lint.csv`` with machine and versions.

    python benchmarks/bench_lint.py [--files 1000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import ast
import csv
import datetime as _dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = '''"""Training script {i}: {task}."""
import argparse
import logging
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class Records{i}(Dataset):
    def __init__(self, root, split="train", transform=None):
        self.root = root
        self.split = split
        self.transform = transform
        self.items = sorted(os.listdir(os.path.join(root, split))) if os.path.isdir(root) else []

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        x = np.load(os.path.join(self.root, self.split, self.items[idx]))
        if self.transform is not None:
            x = self.transform(x)
        return torch.as_tensor(x["x"], dtype=torch.float32), int(x["y"])


class Net{i}(nn.Module):
    def __init__(self, n_in={n_in}, hidden={hidden}, n_out={n_out}, p=0.1):
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.drop = nn.Dropout(p)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        x = F.relu(self.bn1(self.fc1(x)))
        x = self.drop(F.relu(self.fc2(x)))
        return {ret}


def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()


def train_one_epoch(model, loader, optimizer, criterion, device, log_every=50):
    model.train()
    total, seen = 0.0, 0
    for step, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = {loss_expr}
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        total += loss.item() * x.size(0)
        seen += x.size(0)
        if step % log_every == 0:
            logger.info("step %d loss %.4f", step, loss.item())
    return total / max(seen, 1)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct, seen = 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        probs = torch.softmax(model(x), dim=1)
        correct += (probs.argmax(dim=1) == y).sum().item()
        seen += y.numel()
    return correct / max(seen, 1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train model {i}")
    p.add_argument("--data", default="data")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="checkpoints")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_set = Records{i}(args.data, "train")
    val_set = Records{i}(args.data, "val")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=args.batch_size)
    model = Net{i}().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    criterion = {criterion}
    best = 0.0
    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.epochs):
        t0 = time.time()
        loss = train_one_epoch(model, train_loader, optimizer, criterion, device)
        acc = evaluate(model, val_loader, device)
        scheduler.step()
        logger.info("epoch %d loss %.4f acc %.4f (%.1fs)", epoch, loss, acc, time.time() - t0)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    return best


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
'''

VARIANTS = [
    ("multi-class", "self.head(x)", "criterion(out, y)", "nn.CrossEntropyLoss()"),
    ("multi-class, softmax in forward", "F.softmax(self.head(x), dim=1)", "criterion(out, y)", "nn.CrossEntropyLoss()"),
    ("binary", "self.head(x)", "criterion(out.squeeze(1), y.float())", "nn.BCEWithLogitsLoss()"),
    ("binary, sigmoid then BCE", "self.head(x)", "criterion(torch.sigmoid(out).squeeze(1), y.float())", "nn.BCELoss()"),
]


def generate(root: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        task, ret, loss_expr, criterion = VARIANTS[i % len(VARIANTS)]
        sub = root / f"pkg{i // 100:02d}"
        sub.mkdir(exist_ok=True)
        p = sub / f"train_{i:04d}.py"
        p.write_text(
            TEMPLATE.format(
                i=i, task=task, ret=ret, loss_expr=loss_expr, criterion=criterion,
                n_in=16 + i % 7, hidden=64 + i % 5, n_out=2 + i % 9,
            )
        )
        paths.append(p)
    return paths


def _cpu() -> float:
    """CPU seconds of this process and of its finished workers."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    import libcst

    from actloss import __version__

    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "libcst": getattr(libcst, "__version__", "?") if hasattr(libcst, "__version__") else _dist("libcst"),
        "actloss": __version__,
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
    }


def _dist(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "lint.csv"))
    args = ap.parse_args(argv)
    if args.files < 1 or args.rounds < 1:
        ap.error(f"--files and --rounds expect integers >= 1; received {args.files}, {args.rounds}")

    from actloss.lint import lint_paths

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = generate(root, args.files)
        lines = sum(p.read_text().count("\n") for p in paths)
        times: dict[str, list[float]] = {"ast.parse (reference)": [], "lint jobs=1": [], "lint jobs=2": []}
        cpu: dict[str, list[float]] = {k: [] for k in times}  # CPU seconds (own + workers): robust to load
        n_findings = 0
        for r in range(args.rounds):
            order = ["ast.parse (reference)", "lint jobs=1", "lint jobs=2"]
            if r % 2:
                order.reverse()
            for name in order:
                c0 = _cpu()
                t0 = time.perf_counter()
                if name.startswith("ast"):
                    for p in paths:
                        ast.parse(p.read_bytes())
                else:
                    report = lint_paths([str(root)], jobs=int(name[-1]))
                    n_findings = len(report.findings)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(_cpu() - c0)
    info = machine()
    ref = statistics.median(times["ast.parse (reference)"])
    print(f"{args.files} files, {lines} lines, {n_findings} findings; {info['cores']} cores: {info['cpu']}")
    print(f"load average (1 min) at the start {load_start:.1f}, at the end {os.getloadavg()[0]:.1f} "
          "(wall times grow with it; CPU seconds much less)")
    print(f"{'configuration':<24}{'median s':>10}{'min s':>9}{'max s':>9}{'CPU s':>8}{'files/s':>10}{'x ast':>8}")
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        c = statistics.median(cpu[name])
        print(f"{name:<24}{med:>10.2f}{min(ts):>9.2f}{max(ts):>9.2f}{c:>8.2f}{args.files / med:>10.0f}{med / ref:>8.1f}")
        rows.append({"configuration": name, "files": args.files, "lines": lines, "rounds": args.rounds,
                     "median_s": round(med, 3), "min_s": round(min(ts), 3), "max_s": round(max(ts), 3),
                     "cpu_s": round(c, 3), "ratio_vs_ast_parse": round(med / ref, 2),
                     "load_avg_start": round(load_start, 1), "load_avg": round(os.getloadavg()[0], 1), **info})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = not out.exists()
    with open(out, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
