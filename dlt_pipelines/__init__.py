"""Extract and load: one dlt source per source database, into one warehouse.

dlt reads its settings from `dlt_pipelines/.dlt/` (config.toml, and the
ignored secrets.toml) wherever the process was started.
"""

import os
from pathlib import Path

os.environ.setdefault("DLT_PROJECT_DIR", str(Path(__file__).resolve().parent))
