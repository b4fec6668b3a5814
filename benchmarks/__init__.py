"""actloss benchmarks: ``python -m benchmarks`` (or ``make bench``).

Each ``bench_*.py`` module registers cases with :func:`benchmarks._harness.case`; the harness measures
every implementation of a case in fresh subprocesses and reports time and peak memory against torch eager
measured in the same run. See ``benchmarks/README.md``.
"""
