# The two commands that matter: `make run` and `make test`. Both set up a fresh machine.
.PHONY: run test bench chaos lint format typecheck contracts setup clean

run: ## Start the whole platform locally (SQLite files, a local Kafka); Ctrl-C stops it
	./scripts/run.sh

test: ## Start real Kafka and PostgreSQL, run lint, types and every test, tear down
	./scripts/test.sh $(ARGS)

bench: ## Benchmarks on a real broker, each against its baseline in the same run
	./scripts/bench.sh

chaos: ## 10,000 UiTdatabank changes under kill -9 and Kafka/PostgreSQL restarts; counts vs tally
	./scripts/chaos.sh

setup: ## Install the locked environment only
	./scripts/bootstrap.sh

lint:
	uv run ruff check . && uv run ruff format --check .

format:
	uv run ruff check --fix . && uv run ruff format .

typecheck:
	uv run mypy libs/stemkit/src libs/stemkit/tests services/*/src services/*/tests tools bench conftest.py tests

contracts: ## Regenerate contracts/ from the code (review the diff!)
	uv run python tools/contracts.py write

clean:
	rm -rf var/
