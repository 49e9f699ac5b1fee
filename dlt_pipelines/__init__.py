"""Extract and load: one dlt source per source database, into one warehouse.

dlt reads its settings from `dlt_pipelines/.dlt/` (config.toml, and the
ignored secrets.toml) wherever the process was started.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("DLT_PROJECT_DIR", str(REPO_ROOT / "dlt_pipelines"))
