# newsbot: `make run` sets everything up and runs the main job on seeds/; `make test` runs the tests.
# Both are idempotent: the virtualenv, the compiled llama-cpp-python and the models are reused.

PY ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
NEWSBOT := $(BIN)/newsbot
STAMP := $(VENV)/.installed-stamp
INDEX ?= index
JOBS := $(shell nproc 2>/dev/null || echo 2)
QUESTION ?= Which officials were sanctioned?
DATA ?= ../shared/data

.PHONY: run install models test-models test test-fast eval eval-fresh bench bench-quick clean-index

# llama.cpp is compiled for this CPU (-march=native). Its AMX kernels crash (SIGSEGV in
# ggml_backend_amx_mul_mat) in VMs that show the AMX flags but do not enable AMX state, as the
# Firecracker machines here do: where the CPU lists amx_int8, the build leaves AMX out.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE := $(if $(shell grep -qw amx_int8 /proc/cpuinfo 2>/dev/null && echo y),-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)')

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip wheel
	CMAKE_ARGS="$(LLAMA_CMAKE) $(CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

models: install
	$(NEWSBOT) models pull

# the tests and the bench also need the small chat model (served by llama_cpp.server in tests/test_servers.py)
test-models: models
	$(NEWSBOT) models pull qwen2.5-coder-0.5b-instruct

# the main job: index seeds/, answer a sample question, check the set-up, then open the UI
# (the UI only when the terminal is interactive; `make run TUI=0` skips it)
TUI ?= 1
run: models
	$(NEWSBOT) ingest seeds/ --index $(INDEX)
	$(NEWSBOT) ask "$(QUESTION)" --index $(INDEX)
	$(NEWSBOT) doctor --index $(INDEX)
	@if [ "$(TUI)" = 1 ] && [ -t 0 ] && [ -t 1 ]; then $(NEWSBOT) tui --index $(INDEX); \
	else echo "(not a terminal: skipping the UI; open it with: $(NEWSBOT) tui --index $(INDEX))"; fi

# lint-imports: the layer contracts of pyproject.toml ([tool.importlinter])
test: test-models
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

eval: models
	$(NEWSBOT) ingest seeds/ --index eval-out/index
	$(NEWSBOT) ingest $(DATA)/lee_background --source ABC --index eval-out/index
	$(NEWSBOT) eval $(DATA)/dev_qa.jsonl --index eval-out/index -o eval-out/answers.jsonl --report eval-out/report.md --summary-json eval-out/summary.json
	@# the fifth of dev_qa held aside while tuning (ids ending in 3 or 8) and the rest, scored apart
	$(BIN)/python scripts/eval_subset.py eval-out/answers.jsonl $(DATA)/dev_qa.jsonl --ids-ending 38 | tee eval-out/subsets.json

# questions written after the tuning, over articles no dev_qa question uses (tests/data/fresh*_qa.jsonl)
eval-fresh: models
	$(NEWSBOT) ingest seeds/ --index eval-out/index
	$(NEWSBOT) ingest $(DATA)/lee_background --source ABC --index eval-out/index
	for s in fresh fresh2 fresh3 fresh4 fresh5 fresh6 fresh7 fresh8 fresh9; do \
	  $(NEWSBOT) eval tests/data/$${s}_qa.jsonl --index eval-out/index -o eval-out/$$s.answers.jsonl --summary-json eval-out/$$s.summary.json || exit 1; \
	done

# prints a table and writes bench.json at the top of the checkout (~15 min on 2 idle cores); bench-quick: ~3 min.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--runs 5 --eval-questions 8"
bench: test-models
	NEWSBOT_SHARED_DATA=$(abspath $(DATA)) $(BIN)/python bench/run.py --out bench.json $(BENCH_ARGS)

bench-quick: test-models
	NEWSBOT_SHARED_DATA=$(abspath $(DATA)) $(BIN)/python bench/run.py --quick --out bench.json $(BENCH_ARGS)

clean-index:
	rm -rf $(INDEX)/* eval-out
