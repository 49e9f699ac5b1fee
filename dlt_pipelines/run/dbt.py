"""Run dbt on the warehouse project (warehouse/, or DBT_PROJECT_DIR) and
read back what it did.

dbt runs in a process group of its own, and dies with the process that
started it, however that one ends (SIGKILL included: the kernel's parent
death signal): a runner that dies leaves no dbt building behind it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import json_lines

PROJECT_DIR = REPO_ROOT / "warehouse"  # the project as shipped
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
RESULT_FILES = {"build": "run_results.json", "test": "run_results.json", "source": "sources.json"}
PARSE_FILE = "partial_parse.msgpack"  # dbt's parse of the project, kept in its target folder
SHARED_PARSE = "DBT_PARTIAL_PARSE_FILE_PATH"


@dataclass
class DbtOutcome:
    """A dbt command's exit code and the status of every node it ran."""

    exit_code: int
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    nodes: dict[str, str] = field(default_factory=dict)  # unique_id -> status
    error: str = ""  # what dbt said when it stopped before any node (e.g. no connection)
    output: list[str] = field(default_factory=list)  # dbt's lines, as it printed them

    @property
    def failed(self) -> bool:
        """True when dbt stopped on an error (a model or an error-severity test)."""
        return self.exit_code != 0

    @property
    def warned(self) -> bool:
        """True when some tests or freshness checks warned."""
        return self.statuses["warn"] > 0

    def failing_tests(self) -> list[str]:
        """The unique ids of the data tests that did not pass."""
        return sorted(
            node
            for node, status in self.nodes.items()
            if node.startswith("test.") and status in ("warn", "fail", "error")
        )

    def summary(self) -> dict:
        """Counts per status and the nodes that did not pass, for the run history."""
        return {"exit_code": self.exit_code, **dict(self.statuses), "problems": self.problems}

    def cause(self) -> str:
        """Why dbt failed, in one line: the nodes that did not pass, or its error."""
        return "; ".join(self.problems) or self.error or f"dbt exited with {self.exit_code}"


def project_dir() -> Path:
    """The dbt project runs build: DBT_PROJECT_DIR (dbt's own setting), else
    warehouse/ (a copy lets a test change the project while others read it)."""
    return Path(os.environ.get("DBT_PROJECT_DIR") or PROJECT_DIR).resolve()


def run_dbt(
    arguments: list[str],
    warehouse: Warehouse,
    as_of: date | None = None,
    variables: dict | None = None,
    project: Path | None = None,
    target_dir: Path | None = None,
    parse_from: Path | None = None,
    environment: dict[str, str] | None = None,
) -> DbtOutcome:
    """Run `dbt <arguments>` on the warehouse and the project (default:
    project_dir()); return its outcome. dbt writes its artifacts and logs to
    `target_dir` (default: DBT_TARGET_PATH, as dbt itself reads it, else the
    project's target/). The as-of date goes as
    DBT_AS_OF_DATE, which no parse reads (macros/as_of.sql): a new date keeps
    dbt's partial parse. A target folder without a parse of its own starts
    from `parse_from` (default: DBT_PARTIAL_PARSE_FILE_PATH), which dbt
    reuses where it matches the project, the vars and the connection.
    `environment` adds variables to dbt's."""
    project = project or project_dir()
    dbt_vars = warehouse.dbt_vars() | (variables or {})
    command = [
        *warehouse.dbt_command(),
        *arguments,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    target_dir = (target_dir or default_target_dir(project)).resolve()  # dbt runs elsewhere
    command += ["--target-path", str(target_dir), "--log-path", str(target_dir)]
    if not sys.stdout.isatty():
        command.append("--no-use-colors")
    if json_lines():
        command += ["--log-format", "json"]
    results = target_dir / RESULT_FILES.get(arguments[0], "run_results.json")
    results.unlink(missing_ok=True)
    _start_from_parse(target_dir, parse_from or Path(os.environ.get(SHARED_PARSE, "")))
    env, cwd = warehouse.dbt_process()
    env |= {"DBT_AS_OF_DATE": as_of.isoformat()} if as_of else {}
    env |= environment or {}
    with (
        warehouse.dbt_secrets() as secrets,
        subprocess.Popen(
            command,
            cwd=cwd,
            # dbt would read that parse, not the folder's own
            env={k: v for k, v in os.environ.items() if k != SHARED_PARSE} | env | secrets,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with(os.getpid()),
        ) as dbt,
    ):
        try:
            output = list(_echo(dbt.stdout))
        finally:  # an interrupted runner (Ctrl-C, an error) stops dbt first
            if dbt.poll() is None:
                os.killpg(dbt.pid, signal.SIGTERM)
    outcome = _read_outcome(dbt.returncode, results, _error(output))
    outcome.output = output
    return outcome


def _die_with(parent: int):
    """What the dbt process runs before dbt: the kernel sends it SIGTERM when
    the runner ends (and it ends now if the runner already has)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)

    return set_parent_death_signal


def _start_from_parse(target_dir: Path, parse: Path) -> None:
    """Copy a parse of the project into a target folder that has none."""
    own = target_dir / PARSE_FILE
    if parse.is_file() and not own.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parse, own)


def default_target_dir(project: Path | None = None) -> Path:
    """Where dbt writes when not told: DBT_TARGET_PATH, as dbt itself reads
    it, else the project's target/."""
    return Path(os.environ.get("DBT_TARGET_PATH", (project or project_dir()) / "target"))


def _echo(lines) -> Iterator[str]:
    """Print dbt's output as it comes (plain, or its JSON lines); yield each
    line's text."""
    for line in lines:
        print(line, end="", flush=True)
        yield _message(line)


def _error(output: list[str]) -> str:
    """The error dbt ended with, if any, as one line: what follows
    'Encountered an error:', or its command line's refusal ('Error: No such
    command ...')."""
    error: list[str] | None = None
    for text in output:
        if error is not None:
            error.append(text.strip())
        elif "Encountered an error:" in text:
            error = [text.split("Encountered an error:", 1)[1].strip()]
    refused = [text.removeprefix("Error: ") for text in output if text.startswith("Error: ")]
    return " ".join(" ".join(error or refused[-1:]).split())


def _message(line: str) -> str:
    """The text of one line of dbt's output: a JSON line's message, or the line."""
    if line.startswith("{"):
        with suppress(ValueError, KeyError, TypeError):
            return json.loads(line)["info"]["msg"]
    return line


def _read_outcome(exit_code: int, results: Path, error: str) -> DbtOutcome:
    """The outcome recorded in dbt's run_results.json or sources.json."""
    outcome = DbtOutcome(exit_code, error=error)
    if not results.exists():  # dbt failed before running anything
        return outcome
    for result in json.loads(results.read_text())["results"]:
        status = result["status"]
        outcome.statuses[status] += 1
        outcome.nodes[result["unique_id"]] = status
        if status not in ("pass", "success", "skipped", "no-op"):  # skipped: after an error
            rows = f" ({result['failures']} rows)" if result.get("failures") else ""
            outcome.problems.append(f"{status}: {_node_name(result['unique_id'])}{rows}")
    return outcome


def _node_name(unique_id: str) -> str:
    """'dau' for model.project.dau, the test's name for a test, chemlink._dlt_loads for a source."""
    kind, _project, *rest = unique_id.split(".")
    if kind == "test":
        return rest[0]
    return ".".join(rest)
