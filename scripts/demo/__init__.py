"""The demo: source databases to point the run at when none are configured.

`build.py` is `make build`: the scheduled run of dlt_pipelines/run, pointed
at the demo sources (or at the configured ones). `postgres_server.py` runs
real local PostgreSQL servers; `generate.py` fills them with the `seed`
profile (production as observed on 2025-11-03, docs/sources.md) or the
`random` one (any scale); `sql/` is the sources' DDL.
"""
