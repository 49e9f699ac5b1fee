"""The run's log: plain or JSON lines, each naming its run, credentials masked,
a traceback only on stderr."""

from __future__ import annotations

import json
import logging

import pytest

from dlt_pipelines.exceptions import PipelineError
from dlt_pipelines.logs import configure, run_context

logger = logging.getLogger("dlt_pipelines.tests")


def test_json_lines_name_the_run_mask_credentials_and_carry_a_traceback(capsys):
    configure({"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    with run_context("abc123"):
        logger.info("loading postgresql://etl:s3cret@db/chemlink")
        logger.debug("not at INFO")
        try:
            {}["missing"]
        except KeyError:
            logger.exception("the run stopped on an unexpected error")
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert json.loads(line) | {"time": "t"} == {
        "time": "t",
        "level": "INFO",
        "run_id": "abc123",
        "logger": "dlt_pipelines.tests",
        "message": "loading postgresql://etl:***@db/chemlink",
    }
    (failure,) = err.splitlines()  # one JSON object, the traceback inside it
    entry = json.loads(failure)
    assert entry["level"] == "ERROR"
    assert entry["traceback"].startswith("Traceback (most recent call last):")
    assert entry["traceback"].endswith("KeyError: 'missing'")


def test_plain_lines_read_time_run_level_message(capsys):
    configure({})
    with run_context("abc123"):
        logger.warning("finished: warning")
    line = capsys.readouterr().out.strip()
    assert line.endswith("Z run abc123 WARNING: finished: warning")
    assert len(line.split()[0]) == len("2026-12-01T22:30:54Z")


@pytest.mark.parametrize(("setting", "value"), [("LOG_LEVEL", "LOUD"), ("LOG_FORMAT", "xml")])
def test_an_unknown_setting_is_named(setting, value):
    with pytest.raises(PipelineError, match=f"{setting} must be one of .*, not '{value}'"):
        configure({setting: value})
