"""Precision and recall of ``actloss lint`` on public PyTorch code that no one here wrote.

The corpus is pointers only: ``repos.csv`` (repository, commit) and ``labels.csv`` (repository, path, line,
col, code, note: every mistake a person found by reading the code, whether or not the linter reports it). Nothing
of those repositories is stored here. At evaluation time each repository is read from a local git mirror
(``--mirrors``, laid out as ``<owner>+<name>/repo``, the layout of this workplace's snapshot tool; a plain
``git clone --bare`` at the listed commit works too), its ``.py`` and ``.ipynb`` files at the pinned commit are
written to a temporary directory, ``actloss lint`` runs over each repository as one tree, and each finding is
matched to the labels by (repository, path, line, code).

A finding with no label is a false positive; a label with no finding a false negative. ``reviewed.csv`` lists
the findings that were checked and judged wrong (false positives), with the reason, so that a reader can
audit every count.

    python tests/lint/corpus/evaluate.py [--mirrors /work/.mirror] [--codes AL101,...,AL106] [--set heldout --batch 5]
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from actloss.lint._runner import CONFIG_MAX_BYTES, CONFIG_MAX_FILES, CONFIG_SUFFIXES

HERE = Path(__file__).parent
STATIC_CODES = ("AL101", "AL102", "AL103", "AL104", "AL105", "AL106")


_ORDINALS = {"second": 2, "third": 3, "fourth": 4}


def batch_of(why: str) -> int:
    """The held-out batch a repository row belongs to, from its ``why`` column (batch 1 has no marker)."""
    for word, n in _ORDINALS.items():
        if f"{word} batch" in why:
            return n
    marker = why.split("batch ", 1)
    if len(marker) == 2 and marker[1][:1].isdigit():
        return int(marker[1].split(":", 1)[0].split()[0])
    return 1


def read_csv(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="") as fh:
        return [row for row in csv.DictReader(fh) if not row[next(iter(row))].startswith("#")]


def extract(git_dir: Path, commit: str, dest: Path) -> int | None:
    """Write the .py / .ipynb files of ``commit`` under ``dest``, and the configuration files the linter reads
    (JSON / YAML up to its size limit); return how many sources, or None when the mirror does not hold
    ``commit`` (a newer snapshot of the repository replaced the pinned one)."""
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "-l", commit], capture_output=True,
    )
    if listing.returncode != 0:
        return None
    names, configs = [], []
    for entry in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = entry.partition("\t")
        size = meta.split()[-1] if meta else "-"
        if name.endswith((".py", ".ipynb")):
            names.append(name)
        elif name.endswith(CONFIG_SUFFIXES) and size.isdigit() and int(size) <= CONFIG_MAX_BYTES:
            configs.append(name)
    for name in sorted(configs, key=lambda n: (n.count("/"), n))[:CONFIG_MAX_FILES]:  # what the linter reads
        blob = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{name}"], capture_output=True)
        if blob.returncode == 0:
            out = dest / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(blob.stdout)
    for name in names:
        blob = subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"{commit}:{name}"], capture_output=True
        )
        if blob.returncode != 0:  # absent from the snapshot (large files): skipped, and said so
            print(f"  skipped {name}: not in the mirror", file=sys.stderr)
            continue
        out = dest / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob.stdout)
    return len(names)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="precision/recall of actloss lint on the labelled corpus")
    ap.add_argument("--mirrors", default="/work/.mirror", help="directory of <owner>+<name>/repo git mirrors")
    ap.add_argument("--codes", default=",".join(STATIC_CODES), help="codes to score (comma-separated)")
    ap.add_argument("--show", action="store_true", help="list every false positive and false negative")
    ap.add_argument("--set", choices=("dev", "heldout"), default="dev",
                    help="dev: repos.csv/labels.csv (used while building the rules); heldout: heldout_*.csv")
    ap.add_argument("--batch", default=None, help="held-out set: only the repositories of this batch (5) or range (1-25)")
    ap.add_argument("--repo", action="append", default=None, metavar="OWNER/NAME",
                    help="only this repository (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for each repository's lint")
    args = ap.parse_args(argv)
    codes = tuple(c.strip().upper() for c in args.codes.split(",") if c.strip())

    from actloss.lint import lint_paths

    prefix = "" if args.set == "dev" else "heldout_"
    repos = read_csv(f"{prefix}repos.csv")
    if args.batch is not None:
        first, _, last = args.batch.partition("-")
        wanted = range(int(first), int(last or first) + 1)
        repos = [r for r in repos if batch_of(r.get("why") or "") in wanted]
    if args.repo:
        unknown = set(args.repo) - {r["repo"] for r in repos}
        if unknown:
            ap.error(f"--repo: not in the {args.set} set: {', '.join(sorted(unknown))}")
        repos = [r for r in repos if r["repo"] in args.repo]
    labels = {
        (r["repo"], r["path"], int(r["line"]), int(r["col"]), r["code"]) for r in read_csv(f"{prefix}labels.csv")
        if r["repo"] in {x["repo"] for x in repos}
    }
    findings: set[tuple[str, str, int, int, str]] = set()
    n_files = 0
    missing, stale = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in repos:
            git_dir = Path(args.mirrors) / r["repo"].replace("/", "+") / "repo"
            if (git_dir / ".git").is_dir():  # a mirror with a work tree
                git_dir = git_dir / ".git"
            if not git_dir.exists():
                missing.append(r["repo"])
                continue
            root = Path(tmp) / r["repo"].replace("/", "+")
            root.mkdir()
            n = extract(git_dir, r["commit"], root)
            if n is None:
                missing.append(r["repo"])
                stale.append(r["repo"])
                continue
            n_files += n
            report = lint_paths([str(root)], jobs=args.jobs)
            for f in report.findings:
                if f.code in codes:
                    rel = str(Path(f.path).relative_to(root))
                    # notebook findings are labelled "path#cell_N" with the line inside the cell
                    if f.cell is not None:
                        rel = f"{rel}#cell_{f.cell}"
                    findings.add((r["repo"], rel, f.line, f.col, f.code))
    if missing:
        absent = [m for m in missing if m not in stale]
        if absent:
            print(f"not evaluated (no mirror): {', '.join(absent)}", file=sys.stderr)
        if stale:
            print(f"not evaluated (the mirror lacks the pinned commit): {', '.join(stale)}", file=sys.stderr)
        labels = {lab for lab in labels if lab[0] not in missing}
    labels = {lab for lab in labels if lab[4] in codes}
    tp, fp, fn = labels & findings, findings - labels, labels - findings
    per = {c: Counter() for c in codes}
    for name, group in (("tp", tp), ("fp", fp), ("fn", fn)):
        for item in group:
            per[item[4]][name] += 1
    print(f"{len(repos) - len(missing)} repositories, {n_files} files, {len(labels)} labelled mistakes")
    print(f"{'code':<7}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>9}")
    for c in codes:
        k = per[c]
        prec = k["tp"] / (k["tp"] + k["fp"]) if k["tp"] + k["fp"] else float("nan")
        rec = k["tp"] / (k["tp"] + k["fn"]) if k["tp"] + k["fn"] else float("nan")
        print(f"{c:<7}{k['tp']:>5}{k['fp']:>5}{k['fn']:>5}{prec:>11.1%}{rec:>9.1%}")
    prec = len(tp) / (len(tp) + len(fp)) if tp or fp else float("nan")
    rec = len(tp) / (len(tp) + len(fn)) if tp or fn else float("nan")
    print(f"{'all':<7}{len(tp):>5}{len(fp):>5}{len(fn):>5}{prec:>11.1%}{rec:>9.1%}")
    if args.show:
        for name, group in (("false positive", fp), ("false negative", fn)):
            for item in sorted(group):
                print(f"{name}: {item[0]} {item[1]}:{item[2]}:{item[3]} {item[4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
