# Two commands do everything on a fresh machine with Python 3.11:
#   make report   set up .venv if missing, run the default sweep, print its summary, build the report
#   make test     set up .venv if missing, then run the test suite
# (make bench: the pytest-benchmark timing suite; see the README)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: report test setup lock clean chromium bench bench-quick

# The default sweep (the six gates and the spiral, four implementations, five seeds),
# the equivalence check, and the report built from both; reports/example is its
# committed copy. A failed check still gets its report, then fails the command.
report: $(STAMP)
	$(PY) -m benchmarks run --out results/latest --overwrite
	$(PY) -m benchmarks scale --out results/latest/scale
	@$(PY) -m benchmarks check --out results/latest/check; status=$$?; \
	$(PY) -m benchmarks report results/latest --out reports/latest && \
	rm -rf reports/example && cp -r reports/latest reports/example && \
	echo "report: reports/latest/index.html (committed copy: reports/example)"; exit $$status

# pytest exits 5 when it collected nothing; for this project that means the
# suite is broken (wrong testpaths, an import-time skip), so it fails loudly.
test: $(STAMP) chromium
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; the suite must run tests" >&2; fi; \
	exit $$rc

setup: $(STAMP)

# The timing suite (pytest-benchmark), about 2.5 minutes on 2 cores; make report then
# includes its JSON. bench-quick is the one-round profile CI runs.
bench: $(STAMP)
	mkdir -p results/latest
	$(PY) -m pytest benchmarks/suite --benchmark-only --benchmark-json=results/latest/benchmarks.json --scratchbench-csv=results/latest/benchmarks.csv

bench-quick: $(STAMP)
	mkdir -p results/quick
	$(PY) -m pytest benchmarks/suite --benchmark-only --benchmark-min-rounds=1 --benchmark-max-time=0.01 --benchmark-warmup=off -q \
	  --benchmark-json=results/quick/benchmarks.json --scratchbench-csv=results/quick/benchmarks.csv

# Debian's headless Chromium, for the test that renders the HTML report.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (for the HTML report test)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null || \
	  echo "could not install chromium: the HTML report test will say so"; }

# torch first, pinned to the CPU build: asking for plain "torch" (or letting a
# dependency do it) would pull several GB of CUDA wheels.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Refresh the exact pins from the current environment.
lock: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(PY) -m pip freeze --exclude-editable | sed 's/^torch==.*/torch==2.13.0/'; } > constraints.tmp && mv constraints.tmp constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
