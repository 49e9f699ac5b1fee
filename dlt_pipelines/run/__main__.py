"""`python -m dlt_pipelines.run`: the scheduled run (see scheduled_run.py)."""

from dlt_pipelines.run.scheduled_run import main

main()
