"""What a dbt command did, read from its output and its result files."""

from __future__ import annotations

import json

from dlt_pipelines.run.dbt import _echo, _error, _read_outcome

CONNECTION_FAILURE = """\
22:13:49  Concurrency: 2 threads (target='postgres')
22:13:49  Finished running  in 0 hours 0 minutes and 0.10 seconds (0.10s).
22:13:49  Encountered an error:
Database Error
  connection to server at "127.0.0.1", port 9 failed: Connection refused
  \tIs the server running on that host and accepting TCP/IP connections?
"""


def test_the_error_dbt_ends_with_becomes_one_line(capsys):
    error = _error(list(_echo(CONNECTION_FAILURE.splitlines(keepends=True))))
    assert error == (
        'Database Error connection to server at "127.0.0.1", port 9 failed: Connection refused'
        " Is the server running on that host and accepting TCP/IP connections?"
    )
    assert capsys.readouterr().out == CONNECTION_FAILURE  # dbt's output still shows


# the same failure with --log-format json (LOG_FORMAT=json), as dbt 1.11 writes it
JSON_FAILURE = [
    json.dumps({"info": {"level": "info", "msg": "Concurrency: 2 threads (target='postgres')"}}),
    json.dumps(
        {
            "data": {"exc": "Database Error"},
            "info": {
                "level": "error",
                "msg": "Encountered an error:\nDatabase Error\n  connection to server at"
                ' "127.0.0.1", port 9 failed: Connection refused\n  \tIs the server running'
                " on that host and accepting TCP/IP connections?\n  ",
                "name": "MainEncounteredError",
            },
        }
    ),
]


def test_the_error_of_dbts_json_lines_becomes_the_same_line(capsys):
    error = _error(list(_echo(line + "\n" for line in JSON_FAILURE)))
    assert error == _error(list(_echo(CONNECTION_FAILURE.splitlines(keepends=True))))
    printed = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["info"]["level"] for line in printed[:2]] == ["info", "error"]


def test_results_count_statuses_and_name_what_did_not_pass(tmp_path):
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.chemlink_warehouse.dau", "status": "success"},
                    {"unique_id": "test.chemlink_warehouse.not_null_x.1a", "status": "fail",
                     "failures": 3},
                    {"unique_id": "test.chemlink_warehouse.orphans_y.2b", "status": "warn",
                     "failures": 10},
                    {"unique_id": "exposure.chemlink_warehouse.bi_tools", "status": "no-op"},
                ]
            }
        )
    )  # fmt: skip
    outcome = _read_outcome(1, results, "")
    assert outcome.statuses == {"success": 1, "fail": 1, "warn": 1, "no-op": 1}
    assert outcome.problems == ["fail: not_null_x (3 rows)", "warn: orphans_y (10 rows)"]
    assert (outcome.failed, outcome.warned) == (True, True)
    assert outcome.cause() == "fail: not_null_x (3 rows); warn: orphans_y (10 rows)"
    assert outcome.failing_tests() == [
        "test.chemlink_warehouse.not_null_x.1a",
        "test.chemlink_warehouse.orphans_y.2b",
    ]


def test_without_results_the_cause_is_what_dbt_said(tmp_path):
    outcome = _read_outcome(2, tmp_path / "missing.json", "Database Error refused")
    assert (outcome.problems, outcome.cause()) == ([], "Database Error refused")
    assert _read_outcome(2, tmp_path / "missing.json", "").cause() == "dbt exited with 2"
