"""Create the two source databases and fill them with a demo profile.

    python -m scripts.demo.generate seed
    python -m scripts.demo.generate random --scale 10 --seed 7

`seed` reproduces the production profile observed on 2025-11-03 figure for
figure; `random` writes a seeded, production-shaped dataset of about 10k rows
per unit of scale. With no `--server`, the embedded PostgreSQL under `data/`
is started (and left running; `python -m scripts.demo.postgres_server stop`).
The databases are `<prefix>chemlink` and `<prefix>engagement`; the command
prints the two environment variables that point the pipeline at them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from datetime import date

import pyarrow as pa

from dlt_pipelines.postgres_url import PostgresUrl
from scripts.demo import postgres_server
from scripts.demo.random_profile import DEFAULT_END, random_tables
from scripts.demo.seed_profile import seed_tables
from scripts.demo.source_databases import SourceUrls, copy_tables, create_sources


def generate(
    server_url: str, tables: dict[str, dict[str, pa.Table | Iterable[pa.Table]]], prefix: str = ""
) -> SourceUrls:
    """Recreate both databases on the server and copy the profile's rows in
    (a table whole, or chunk by chunk as the random profile makes them)."""
    urls = create_sources(server_url, prefix)
    for source, source_tables in tables.items():
        copy_tables(getattr(urls, source), source_tables)
    return urls


def profile_tables(args: argparse.Namespace) -> dict[str, dict[str, pa.Table | Iterable[pa.Table]]]:
    """The rows of the profile the command line asked for."""
    if args.profile == "seed":
        return seed_tables()
    return random_tables(args.scale, args.seed, args.end)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("profile", choices=["seed", "random"])
    parser.add_argument("--scale", type=int, default=1, help="random: ~10k rows per unit")
    parser.add_argument("--seed", type=int, default=1, help="random: generator seed")
    parser.add_argument(
        "--end", type=date.fromisoformat, default=DEFAULT_END, help="random: last day of data"
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("SOURCE_SERVER_URL"),
        help="PostgreSQL server URL (default: $SOURCE_SERVER_URL, else the embedded server)",
    )
    parser.add_argument("--prefix", default="", help="database name prefix")
    args = parser.parse_args()
    server_url = args.server or postgres_server.start()
    urls = generate(server_url, profile_tables(args), args.prefix)
    print("Source databases ready:")
    for name, url in urls.as_env().items():
        print(f"  {name}: {PostgresUrl.parse(url).describe()}")
    if not args.server:
        print("The server URL, password included: python -m scripts.demo.postgres_server start")


if __name__ == "__main__":
    main()
