# Two commands do everything on a fresh machine with Python 3.11:
#   make report   set up .venv if missing, run the default sweep and a quick check, build reports/latest
#   make test     set up .venv if missing, then run the test suite
# (make bench: the pytest-benchmark timing suite; make example: regenerate the committed
# reports/example with the suite and the scaling study; make docs: the documentation site; see docs/)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: report example test setup lock clean chromium bench bench-quick docs docs-build

# The quick default job: the quick grid (GRID), a short equivalence check (CHECK_TASKS,
# CHECK_STEPS steps instead of the check's 1000), the report; each phase says when it
# starts and how long it took. It writes only results/latest and reports/latest (both
# ignored by git). A failed check still gets its report, then fails the command.
# `make report GRID=full CHECK_TASKS=xor,spiral CHECK_CONFIGS=all CHECK_STEPS=1000` is the long version;
# `make example` regenerates the committed reports/example.
GRID ?= quick
CHECK_TASKS ?= xor
CHECK_STEPS ?= 50
# One configuration per optimizer family, full batch and mini-batches both (CHECK_CONFIGS=all: every one).
CHECK_CONFIGS ?= sgd-full,nesterov-minibatch,adam-minibatch,rmsprop-full
# One process for the short check: its worker processes would each import every framework
# (~8 s each on 2 cores), more than the 12 comparisons of 50 steps take.
CHECK_JOBS ?= 1
report: $(STAMP)
	@t0=$$(date +%s); \
	echo "== [1/3] $(GRID) sweep -> results/latest"; \
	$(PY) -m benchmarks run --grid $(GRID) --out results/latest --overwrite || exit $$?; t1=$$(date +%s); \
	echo "== [1/3] sweep took $$((t1 - t0)) s; [2/3] equivalence check, $(CHECK_TASKS) x $(CHECK_CONFIGS), $(CHECK_STEPS) steps -> results/latest/check"; \
	SCRATCHBENCH_CHECK_JOBS=$(CHECK_JOBS) $(PY) -m benchmarks check --tasks $(CHECK_TASKS) --configs $(CHECK_CONFIGS) --steps $(CHECK_STEPS) --out results/latest/check; status=$$?; t2=$$(date +%s); \
	echo "== [2/3] check took $$((t2 - t1)) s; [3/3] report -> reports/latest"; \
	$(PY) -m benchmarks report results/latest --out reports/latest || exit $$?; t3=$$(date +%s); \
	echo "== done in $$((t3 - t0)) s (sweep $$((t1 - t0)), check $$((t2 - t1)), report $$((t3 - t2))): reports/latest/index.html"; \
	exit $$status

# The committed example, regenerated on purpose (about 10 minutes on 2 free cores): the full
# grid (configs/full.toml), the timing suite, the scaling study, the full 1000-step check,
# then the report, built beside reports/example and swapped in only once it is complete.
example: $(STAMP)
	$(PY) -m benchmarks run --config configs/full.toml --out results/example --overwrite
	$(PY) -m pytest benchmarks/suite --benchmark-only -q --benchmark-json=results/example/benchmarks.json --scratchbench-csv=results/example/benchmarks.csv
	$(PY) -m benchmarks scale --out results/example/scale
	@$(PY) -m benchmarks check --out results/example/check; status=$$?; \
	rm -rf reports/example.new && $(PY) -m benchmarks report results/example --out reports/example.new && \
	rm -rf reports/example && mv reports/example.new reports/example && \
	echo "regenerated reports/example (commit it)"; exit $$status

# pytest exits 5 when it collected nothing; for this project that means the
# suite is broken (wrong testpaths, an import-time skip), so it fails loudly.
# Independent tests run side by side, one pytest-xdist worker per core (TEST_JOBS=1: one process).
TEST_JOBS ?= auto
test: $(STAMP) chromium
	@$(PY) -m pytest -n $(TEST_JOBS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; the suite must run tests" >&2; fi; \
	exit $$rc

setup: $(STAMP)

# The timing suite (pytest-benchmark): 326 benchmarks (344 s wall on 2 free cores, 755 s shared with a test run,
# measured at 268 before JAX and the validate benchmarks); make report then includes its JSON. bench-quick is the one-round profile CI runs; it leaves out the benchmarks
# of compiling execution modes (marker `compiles`: torch.compile, XLA): their warm-ups compile,
# measured per group at 0.5-3.7 s for XLA and 0.03-8 s for torch.compile (35 s the first time
# with a cold compile cache), 74 s for their 42 benchmarks in one quick round: more than the
# ~40 s the quick profile may grow. make bench times them.
bench: $(STAMP)
	mkdir -p results/latest
	$(PY) -m pytest benchmarks/suite --benchmark-only --benchmark-json=results/latest/benchmarks.json --scratchbench-csv=results/latest/benchmarks.csv

bench-quick: $(STAMP)
	mkdir -p results/quick
	$(PY) -m pytest benchmarks/suite --benchmark-only --benchmark-min-rounds=1 --benchmark-max-time=0.01 --benchmark-warmup=off -q -m "not compiles and not long" \
	  --benchmark-json=results/quick/benchmarks.json --scratchbench-csv=results/quick/benchmarks.csv

# The documentation site (docs/, mkdocs.yml): `make docs` serves it at http://127.0.0.1:8000, rebuilt as docs/
# changes; `make docs-build` writes site/ with --strict, as tests/test_docs_site.py builds it (a broken link fails).
# NO_MKDOCS_2_WARNING silences the material theme's banner about its successor.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve

docs-build: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

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
