# Each target creates .venv when missing and installs what it needs; nothing outside the repository is assumed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
STAMP_DOCS := $(VENV)/.stamp-docs

.PHONY: demo test accuracy bench docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Runtime set: the package with torch (CPU build, pinned) and the CLI extras.
$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[torch,scipy,cli,lint,guide,plot]"
	touch $@

# Dev set: everything the tests need (torch pinned, jax CPU build, mpmath, hypothesis, ...).
$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_RUN)

$(STAMP_DOCS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev,docs]"
	touch $@ $(STAMP_DEV) $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(VENV)/bin/actloss demo

test: $(STAMP_DEV)
	$(PY) -m pytest -q -n 2

# The full sweep: every float16/bfloat16 value, a dense float32/float64 grid, torch and jax alongside.
accuracy: $(STAMP_DEV)
	$(PY) scripts/accuracy_report.py --full --size 20000

docs: $(STAMP_DOCS)
	$(PY) scripts/gen_docs.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: $(STAMP_DEV)
	$(PY) -m benchmarks
	$(PY) -m benchmarks --steady 6 --case cross_entropy --case cross_entropy_smoothing --case cross_entropy_inplace \
		--case softmax_focal_loss --case sigmoid_focal_loss --case bce_with_logits --case mse_loss --case huber_loss \
		--case activation_gelu --case activation_silu --case activation_softmax --case activation_log_softmax

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis demo-output experiments-output site
