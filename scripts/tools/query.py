"""Run one SQL query on the warehouse (read-only) and print the result.

python -m scripts.tools.query "select * from marts.growth_rate_monthly"
(or: make query SQL="...")
"""

from __future__ import annotations

import argparse

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain-text table."""
    cells = [columns] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sql", help="the query")
    args = parser.parse_args()
    with command_line():
        columns, rows = Warehouse.from_env().query(args.sql)
    print(format_table(columns, rows))
    print(f"({len(rows)} rows)")


if __name__ == "__main__":
    main()
