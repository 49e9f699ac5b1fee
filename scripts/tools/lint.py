"""Fix what can be fixed, then name each violation left.

    python -m scripts.tools.lint          (make lint)
    python -m scripts.tools.lint --all    (make lint ALL=1)

ruff fixes and formats the Python. sqlfluff, with dbt's templater as
.sqlfluff says, fixes the SQL files under warehouse/ that are uncommitted
or untracked (every one when a macro, dbt_project.yml or .sqlfluff is among
them, or with --all), in one process: dbt's templater parses the project
once. Every violation no fix removed is then listed, one line each
(file:line:column, rule, message), and it exits 1; 0 when none is left.
`make lint-check` (and `make test`) checks every file, changing nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from dlt_pipelines import REPO_ROOT

PROJECT = REPO_ROOT / "warehouse"
# a change to one of these can change how every SQL file lints
EVERY_FILE_DEPENDS_ON = ("warehouse/macros/", "warehouse/dbt_project.yml", ".sqlfluff")
RUFF = Path(sys.executable).with_name("ruff")


def changed_files() -> list[str]:
    """The repository's uncommitted and untracked files (paths from its root)."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--no-renames"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line[3:] for line in status.splitlines() if not line.startswith(" D")]


def sql_to_lint(every_file: bool) -> list[Path]:
    """The SQL files to lint: the changed ones under warehouse/, or all."""
    changed = changed_files()
    if every_file or any(path.startswith(EVERY_FILE_DEPENDS_ON) for path in changed):
        return [PROJECT]
    return [
        REPO_ROOT / path
        for path in changed
        if path.startswith("warehouse/") and path.endswith(".sql") and (REPO_ROOT / path).exists()
    ]


def fix_and_list(paths: list[Path]) -> list[str]:
    """Fix the files in place; each violation left, as one line."""
    os.environ |= {"WAREHOUSE_TARGET": "duckdb", "WAREHOUSE_DUCKDB_PATH": ":memory:"}
    from sqlfluff.core import FluffConfig, Linter

    os.chdir(REPO_ROOT)  # .sqlfluff names the project relative to the repository
    linter = Linter(config=FluffConfig.from_root())
    result = linter.lint_paths(tuple(map(str, paths)), fix=True, apply_fixes=True)
    left = []
    for linted_path in result.paths:
        for linted in linted_path.files:
            where = Path(linted.path).resolve().relative_to(REPO_ROOT)
            left += [
                f"{where}:{v.line_no}:{v.line_pos}: {v.rule_code()} {v.desc()}"
                for v in linted.get_violations(fixable=False)
            ]
    return left


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--all", action="store_true", help="every SQL file, not the changed ones")
    args = parser.parse_args()
    subprocess.run([RUFF, "check", "--fix", "--quiet", "."], cwd=REPO_ROOT, check=False)
    subprocess.run([RUFF, "format", "--quiet", "."], cwd=REPO_ROOT, check=True)
    ruff_left = subprocess.run([RUFF, "check", "--quiet", "."], cwd=REPO_ROOT, check=False)
    paths = sql_to_lint(args.all)
    if not paths:
        print("no SQL file under warehouse/ changed (make lint ALL=1 lints them all)")
    left = fix_and_list(paths) if paths else []
    print(*left, sep="\n")
    linted = "every SQL file" if paths == [PROJECT] else f"{len(paths)} changed SQL files"
    print(f"{len(left)} SQL violations left in {linted}, after the fixes")
    sys.exit(1 if left or ruff_left.returncode else 0)


if __name__ == "__main__":
    main()
