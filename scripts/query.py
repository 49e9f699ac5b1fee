"""Run one SQL query on the warehouse (read-only) and print the result.

python -m scripts.query "select * from marts.growth_rate_monthly"
"""

from __future__ import annotations

import argparse

import duckdb

from dlt_pipelines.warehouse import Warehouse


def query(warehouse: Warehouse, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql`, read-only on either target."""
    if warehouse.target == "duckdb":
        with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as conn:
            result = conn.execute(sql)
            return [d[0] for d in result.description], result.fetchall()
    conn = warehouse.connect()
    try:
        conn.set_session(readonly=True)
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        conn.close()


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
    columns, rows = query(Warehouse.from_env(), args.sql)
    print(format_table(columns, rows))
    print(f"({len(rows)} rows)")


if __name__ == "__main__":
    main()
