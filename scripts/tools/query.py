"""Run SQL on the warehouse, read-only, and print the result.

    python -m scripts.tools.query "select * from marts.growth_rate_monthly"
                                       (or: make query SQL="...")
    python -m scripts.tools.query --dev "select * from marts.my_new_mart"
                                       (or: make query DEV=1 SQL="...")

By default it reads the published warehouse, what BI tools read. With
--dev it reads the development copy that `make dbt` and `make changed`
build (DuckDB: data/dev/warehouse.duckdb; PostgreSQL: the *__dev schemas,
where a relation the copy has not built is read from the published
schemas, as dbt's --defer resolves it; Spark has none, and says what to
use). Every statement must be a query. The last line says which
warehouse answered.
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
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("sql", help="the query")
    parser.add_argument(
        "--dev", action="store_true", help="read the development copy, not the published warehouse"
    )
    args = parser.parse_args()
    with command_line():
        published = Warehouse.from_env()
        warehouse = published.development_copy() if args.dev else published
        columns, rows = warehouse.query(args.sql)
    print(format_table(columns, rows))
    which = "the development copy" if args.dev else "the published warehouse"
    print(f"({len(rows)} rows, from {which}: {warehouse.describe()})")


if __name__ == "__main__":
    main()
