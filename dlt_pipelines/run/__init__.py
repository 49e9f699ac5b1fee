"""The scheduled run (`python -m dlt_pipelines.run`, `make run`, cron):

- `scheduled_run.py`: one run from lock to last line (the order of steps);
- `load.py`: extract and load both sources, side by side;
- `dbt.py`: dbt on the warehouse project, and what it reported;
- `publish.py`: build apart from what readers see, then publish at once;
- `lock.py`, `history.py`, `alerts.py`: one run at a time, what each run
  did, a webhook when one fails.
"""
