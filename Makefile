# The two commands that matter: `make run` and `make test`. Both set up a fresh machine, each
# with only what it needs (scripts/bootstrap.sh run|test), as root or as a normal user.
.PHONY: run test bench chaos lint format typecheck contracts setup clean

run: ## Start the whole platform locally (SQLite files, a local Kafka); Ctrl-C stops it
	@./scripts/run.sh

test: ## Start real Kafka and PostgreSQL, run lint, types and every test, tear down
	./scripts/test.sh $(ARGS)

bench: ## Benchmarks on a real broker, each against its baseline in the same run
	./scripts/bench.sh

chaos: ## 10,000 UiTdatabank changes under kill -9 and Kafka/PostgreSQL restarts; counts vs tally (CLUSTER=1: 3 brokers, two of every process)
	./scripts/chaos.sh

setup: ## Install uv and the locked Python environment only (no system packages)
	./scripts/bootstrap.sh

# The tools below come from .venv, so they need no uv on PATH.
lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

typecheck: setup
	.venv/bin/mypy libs/stemkit/src libs/stemkit/tests services/*/src services/*/tests tools bench conftest.py tests

contracts: setup ## Regenerate contracts/ from the code (review the diff!)
	.venv/bin/python tools/contracts.py write

clean:
	rm -rf var/
