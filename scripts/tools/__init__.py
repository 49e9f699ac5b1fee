"""Tools for analysts, none of which touches what BI tools read: `query.py`
(make query, read-only), `dev_dbt.py` (make dbt, on a development copy),
`check_changes.py` (make changed: build and test only what changed)."""
