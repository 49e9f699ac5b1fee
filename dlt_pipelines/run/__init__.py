"""The scheduled run (`python -m dlt_pipelines.run`, `make run`, cron):

- `scheduled_run.py`: one run from lock to last line (the order of steps);
- `load.py`: extract and load both sources, side by side;
- `dbt.py`: dbt on the warehouse project, and what it reported;
- `builds.py`: what each of the two builds includes, so what a run builds;
- `freshness.py`: each source's newest load against the thresholds;
- `lock.py`, `history.py`, `alerts.py`: one run at a time, what each run
  did, a webhook when one fails.

Publishing, the standby build and everything else that differs by engine
is the warehouse's backend (`dlt_pipelines/backends/`).
"""
