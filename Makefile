PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: solve test report sweep clean-venv

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) (set PY=...)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

solve: $(STAMP)
	$(BIN)/python scripts/solve.py --year 2022

sweep: $(STAMP)
	$(BIN)/python scripts/sweep.py --year 2022 --gas-price 2.0:4.0:0.1

report: $(STAMP)
	$(BIN)/python scripts/report.py results/jinan/2022/base.nc

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

clean-venv:
	rm -rf $(VENV)
