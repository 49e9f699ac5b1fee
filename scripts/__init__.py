"""Everything around the warehouse that production never runs, by job:

- `demo/`: the demo and test sources (embedded PostgreSQL, the seed and
  random profiles, their DDL) and `make build`;
- `tools/`: for analysts: `make query`, `make dbt`, `make changed`;
- `dashboard/`: `make dashboard`, the page rendered from the marts;
- `bench/`: `make bench`, and the metrics read live on the sources.

Each entry module answers `--help`.
"""
