"""Extract, load and the scheduled run: what production runs.

- `sources/`: one dlt source per source database (chemlink.py,
  engagement.py), their table lists, the PostgreSQL reader, the key
  comparison that finds hard deletes, and the contract check.
- `run/`: the scheduled run (`python -m dlt_pipelines.run`): load, dbt
  build, publish, the run lock, the run history, alerts; rollback.
- `dashboard/`: the dashboard page, rendered after each publish.
- `backends/`: the warehouse, one backend per engine (DuckDB, PostgreSQL,
  Spark), picked from WAREHOUSE_TARGET.
- `postgres_url.py` (how every component reads a connection URL),
  `logs.py` (the log's lines), `exceptions.py`: shared by all.

dlt reads its settings from `dlt_pipelines/.dlt/` (config.toml, and the
ignored secrets.toml) wherever the process was started.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).parent / "dbt")  # the environment's dbt

os.environ.setdefault("DLT_PROJECT_DIR", str(REPO_ROOT / "dlt_pipelines"))
