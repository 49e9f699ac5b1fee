"""The optional alert hook: a JSON POST to a webhook when a run fails.

The URL is a secret (it usually carries a token): ALERTS__WEBHOOK_URL in
the environment or `[alerts] webhook_url` in dlt_pipelines/.dlt/secrets.toml.
It is never logged; a webhook that cannot be reached is reported, not fatal.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import asdict

import dlt

from dlt_pipelines.run.history import RunRecord


def send_failure_alert(record: RunRecord) -> str:
    """POST the failed run's record to the webhook; say what happened."""
    url = dlt.secrets.get("alerts.webhook_url")
    if not url:
        return "no alert webhook configured (ALERTS__WEBHOOK_URL)"
    payload = {"text": f"warehouse run {record.run_id} failed: {record.error}", **asdict(record)}
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"alert sent (HTTP {response.status})"
    except OSError as error:
        return f"the alert webhook could not be reached ({type(error).__name__})"
