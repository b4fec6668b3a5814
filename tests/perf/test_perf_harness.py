"""The benchmark harness: case discovery, ratios and the CSV round trip (no benchmark is run here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

harness = pytest.importorskip("benchmarks._harness")
main = pytest.importorskip("benchmarks.__main__")


def test_discover_finds_the_linear_ce_cases():
    cases, problems = harness.discover()
    assert {"linear_cross_entropy", "linear_softmax_focal_loss"} <= set(cases), (sorted(cases), problems)
    c = cases["linear_cross_entropy"]
    assert c.baseline == "torch" and "actloss" in c.impls and c.quick


def _fake_case():
    return harness.Case(
        name="fake",
        factory=lambda impl, n: lambda: None,
        module=__name__,
        sizes=({"n": 1},),
        quick=({"n": 1},),
        unavoidable=lambda n: 10 * 2**20,
    )


def test_summary_ratios_and_csv_round_trip(tmp_path):
    c = _fake_case()
    runs = {
        "torch": [{"time_s": t, "cpu_s": 2 * t, "peak_mib": 110.0} for t in (2.0, 4.0, 3.0)],
        "actloss": [{"time_s": t, "cpu_s": 2 * t, "peak_mib": 20.0} for t in (1.0, 1.0, 3.0)],
    }
    rows = main.summarise(c, {"n": 1}, runs)
    ours = next(r for r in rows if r["impl"] == "actloss")
    assert ours["time_ms_median"] == pytest.approx(1000.0)
    assert ours["time_ratio_median"] == pytest.approx(1.0 / 3.0)  # ratio of the medians
    assert ours["time_ratio_pair_min"] == pytest.approx(0.25) and ours[
        "time_ratio_pair_max"
    ] == pytest.approx(1.0)
    assert ours["cpu_ratio_median"] == pytest.approx(2.0 / 6.0)
    assert ours["extra_mib_median"] == pytest.approx(10.0)  # 20 MiB peak - 10 MiB declared unavoidable
    assert ours["extra_mem_ratio"] == pytest.approx(10.0 / 100.0)
    info = {
        "host": "h",
        "cpu": "cpu",
        "cores": 2,
        "mem_gib": 1.0,
        "python": "3",
        "torch": "t",
        "date_utc": "d",
    }
    path = tmp_path / "fake.csv"
    main.write_csv(path, rows, info)
    back, info_back = main.read_summary(path)
    assert info_back["cpu"] == "cpu" and len(back) == 2
    assert back[1]["extra_mem_ratio"] == pytest.approx(0.1)
    text = main.table(c, back, info_back)
    assert "| n=1 | actloss |" in text and "0.33" in text


def test_a_size_subset_run_keeps_the_other_sizes_rows(tmp_path):
    path = tmp_path / "c.csv"
    old = [{"size": "n=1", "impl": "torch", "time_ms_median": 1.0}, {"size": "n=2", "impl": "torch", "time_ms_median": 2.0}]
    main.write_csv(path, old, {"date_utc": "old"})
    new = [{"size": "n=2", "impl": "torch", "time_ms_median": 5.0}]
    merged = main.merge_sizes(path, new, ["n=1", "n=2"])
    assert [(r["size"], float(r["time_ms_median"])) for r in merged] == [("n=1", 1.0), ("n=2", 5.0)]
    main.write_csv(path, merged, {"date_utc": "new"})
    back, _ = main.read_summary(path)
    assert [r["size"] for r in back] == ["n=1", "n=2"]
    with open(path) as f:  # the kept row keeps the date of the run that measured it
        text = f.read()
    assert "old" in text and "new" in text


def test_steady_mode_times_the_calls_after_the_first(monkeypatch):
    """--steady K: the worker times K calls after the first (a training loop's step), not the cold first call."""
    import time as _time

    calls = []

    def factory(impl, n):
        def run():
            calls.append(len(calls))
            _time.sleep(0.05 if len(calls) == 1 else 0.001)  # a slow first call, then fast ones
        return run

    c = harness.Case(name="steady_fake", factory=factory, module=__name__, sizes=({"n": 1},), quick=({"n": 1},),
                     warmup=0)
    monkeypatch.setitem(harness.CASES, c.name, c)
    cold = harness.measure(c.name, __name__, "actloss", {"n": 1})
    assert len(calls) == 1 and cold["time_s"] >= 0.05
    calls.clear()
    monkeypatch.setenv("ACTLOSS_BENCH_STEADY", "4")
    steady = harness.measure(c.name, __name__, "actloss", {"n": 1})
    assert len(calls) == 5 and steady["time_s"] < 0.02
    text = main.table(c, [{"size": "n=1", "impl": "torch", "runs": 3, "time_ms_median": 1.0, "time_ms_min": 1.0,
                           "time_ms_max": 1.0, "peak_mib_median": 0.0, "extra_mib_median": 0.0,
                           "time_ratio_median": 1.0, "time_ratio_pair_min": 1.0, "time_ratio_pair_max": 1.0,
                           "extra_mem_ratio": 1.0}], {"cpu": "c", "cores": 2, "torch": "t", "date_utc": "d"}, 4)
    assert "Steady state: each run times 4 calls after the first" in text
