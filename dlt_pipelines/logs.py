"""The log of a run and of the tools: Python logging, one line per event.

    LOG_LEVEL=DEBUG|INFO|WARNING|ERROR   (default INFO)
    LOG_FORMAT=plain|json                (default plain)

plain: `2026-12-01T22:30:54Z run f2e23e578d18 INFO: published DuckDB file ...`
json:  `{"time": "...", "level": "INFO", "run_id": "...", "logger": "...",
        "message": "..."}`, with a `traceback` field where there is one.

Lines go to stdout, but a line that carries a traceback (an unexpected
error) goes to stderr. Every message has its credentials masked
(postgres_url.mask_credentials) before it is written.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from dlt_pipelines.exceptions import PipelineError
from dlt_pipelines.postgres_url import mask_credentials

FORMATS = ("plain", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PROJECT_LOGGERS = ("dlt_pipelines", "scripts", "__main__")  # a command run with -m: __main__
_run_id: ContextVar[str] = ContextVar("run_id", default="-")


def json_lines(env: Mapping[str, str] = os.environ) -> bool:
    """Tell whether the log is JSON lines (LOG_FORMAT=json)."""
    return env.get("LOG_FORMAT", "plain") == "json"


def configure(env: Mapping[str, str] = os.environ) -> None:
    """Send the project's loggers to stdout (tracebacks to stderr), at
    LOG_LEVEL, in LOG_FORMAT; a clear error for a value neither knows."""
    level = env.get("LOG_LEVEL", "INFO").upper()
    form = env.get("LOG_FORMAT", "plain")
    if level not in LEVELS:
        raise PipelineError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    if form not in FORMATS:
        raise PipelineError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {form!r}")
    formatter = JsonFormatter() if form == "json" else PlainFormatter()
    lines = logging.StreamHandler(sys.stdout)
    lines.addFilter(lambda record: record.exc_info is None)
    tracebacks = logging.StreamHandler(sys.stderr)
    tracebacks.addFilter(lambda record: record.exc_info is not None)
    for handler in (lines, tracebacks):
        handler.setFormatter(formatter)
        handler.addFilter(_with_context)
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [lines, tracebacks]
        logger.setLevel(level)
        logger.propagate = False


@contextmanager
def run_context(run_id: str) -> Iterator[None]:
    """Every line logged in the block names the run."""
    token = _run_id.set(run_id)
    try:
        yield
    finally:
        _run_id.reset(token)


def _with_context(record: logging.LogRecord) -> bool:
    """Add the run id, mask credentials in the message."""
    record.run_id = _run_id.get()
    record.msg, record.args = mask_credentials(record.getMessage()), None
    return True


def _timestamp(record: logging.LogRecord) -> str:
    """The record's time, UTC, to the second."""
    return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlainFormatter(logging.Formatter):
    """`<time> run <id> <LEVEL>: <message>`, the traceback below it."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} run {record.run_id} {record.levelname}: {record.msg}"
        if record.exc_info:
            line += "\n" + mask_credentials(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "run_id": record.run_id,
            "logger": record.name,
            "message": record.msg,
        }
        if record.exc_info:
            entry["traceback"] = mask_credentials(self.formatException(record.exc_info))
        return json.dumps(entry)


@contextmanager
def command_line() -> Iterator[None]:
    """For a command's main(): the log configured; an expected error
    (PipelineError) ends the command with its one-line message on stderr
    (exit 1), never a traceback."""
    try:
        configure()
        yield
    except PipelineError as error:
        raise SystemExit(f"error: {mask_credentials(str(error))}") from None
