# fedchain: `make demo` runs the end-to-end scenario on the embedded chain; `make test` runs every test.
# Both install what they need (a Python venv from constraints.txt, the pinned npm toolchain from package-lock.json).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SLITHER_VENV := .venv-slither
FORGE  := ../node_modules/.bin/forge
FORGE_ENV := FOUNDRY_DISABLE_NIGHTLY_WARNING=1
# --disc: no update check (no network at run time); --max-warnings 0: a warning fails the target too.
SOLHINT := ../node_modules/.bin/solhint --disc --noPoster --max-warnings 0

.PHONY: demo test test-python test-contracts lint lint-contracts artifacts bindings gas-bench constraints clean

demo: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/fedchain demo

test: lint lint-contracts test-contracts test-python

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,torch,flower]'
	touch $@

# slither-analyzer 0.11 requires web3<8, fedchain web3 8: slither gets a venv of its own with only the `slither`
# dependency group of pyproject.toml (pip >= 25.1 for --group), pinned by constraints-slither.txt.
$(SLITHER_VENV)/.installed: pyproject.toml constraints-slither.txt
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(SLITHER_VENV)/bin/python -m pip install --quiet -c constraints-slither.txt --group slither
	touch $@

# `npm install --no-save` installs exactly what package-lock.json pins. Not `npm ci`: the registry lacks some of
# Foundry's per-platform optional packages, so the lock file cannot list them and `npm ci` calls it out of sync.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

test-contracts: node_modules/.installed
	cd contracts && $(FORGE_ENV) $(FORGE) test
	$(FORGE_ENV) bash contracts/tools/snapshot.sh --check

test-python: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/ruff format --check src tests scripts benchmarks
	$(VENV)/bin/mypy

# Static analysis of contracts/ (docs/static-analysis.md): solhint, stricter on src/ than on test/, then slither on
# src/ against the triage database contracts/slither.db.json. Any new finding fails.
lint-contracts: $(SLITHER_VENV)/.installed node_modules/.installed
	cd contracts && $(FORGE_ENV) $(FORGE) fmt --check src test
	cd contracts && $(SOLHINT) -c .solhint.json 'src/**/*.sol'
	cd contracts && $(SOLHINT) -c .solhint-test.json 'test/**/*.sol'
	SLITHER=$(CURDIR)/$(SLITHER_VENV)/bin/slither bash contracts/tools/slither.sh

# Regenerate the committed ABI/bytecode artifacts and the typed Python bindings from contracts/.
artifacts: $(VENV)/.installed node_modules/.installed
	$(PY) scripts/build_artifacts.py
	$(PY) scripts/gen_bindings.py

gas-bench: node_modules/.installed
	bash contracts/tools/gas-bench.sh

# Re-pin the tested Python dependency sets after changing pyproject.toml.
constraints: $(VENV)/.installed $(SLITHER_VENV)/.installed
	$(PY) -m pip freeze --exclude-editable | grep -v '^fedchain' > constraints.txt
	$(SLITHER_VENV)/bin/python -m pip freeze > constraints-slither.txt

clean:
	rm -rf $(VENV) $(SLITHER_VENV) node_modules contracts/out contracts/cache .pytest_cache .mypy_cache .ruff_cache
