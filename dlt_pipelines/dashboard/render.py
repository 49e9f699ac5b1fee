"""Render the dashboard: one self-contained HTML page from the marts.

    python -m dlt_pipelines.dashboard.render [--output data/dashboard.html]   (or: make dashboard)

Every run that publishes (and every rollback) renders it again, to
DASHBOARD_PATH (default data/dashboard.html; empty: not rendered), written
whole or not at all; the page names the build it shows.

Every one of the 11 metrics and the cross-source models as a chart, each
with its one-sentence definition and its source (ChemLink DB, Engagement DB
or both), taken from the marts' dbt properties (`meta` in the .yml beside
each mart in warehouse/models/marts/<audience>/), plus a data-quality
panel; one section per audience folder. The charts are
plotly's, with plotly.js inlined once: the page needs no network to view.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import plotly.graph_objects as go
import plotly.offline
import yaml

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.dbt import project_dir
from dlt_pipelines.run.freshness import thresholds
from dlt_pipelines.run.state import RunState

TEMPLATE = Path(__file__).resolve().parent / "dashboard.html.j2"
DEFAULT_OUTPUT = REPO_ROOT / "data" / "dashboard.html"
COLORS = ["#2f6f9f", "#e07b39", "#5a9e5a", "#b0468a", "#8c7ae6", "#c9a227", "#5bc0be", "#999999"]

Rows = list[dict]


def rows(cursor, sql: str) -> Rows:
    """A query's rows as dicts."""
    cursor.execute(sql)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def column(data: Rows, name: str) -> list:
    """One column of the rows."""
    return [row[name] for row in data]


def lines(data: Rows, x: str, series: dict[str, str], y_title: str) -> go.Figure:
    """One line per series (column -> legend label)."""
    figure = go.Figure()
    for color, (name, label) in zip(COLORS, series.items(), strict=False):
        figure.add_scatter(
            x=column(data, x),
            y=column(data, name),
            name=label,
            mode="lines+markers",
            line={"color": color},
        )
    return _layout(figure, y_title)


def bars(data: Rows, x: str, series: dict[str, str], y_title: str, stacked: bool) -> go.Figure:
    """Bars per series (column -> legend label), stacked or side by side."""
    figure = go.Figure()
    for color, (name, label) in zip(COLORS, series.items(), strict=False):
        figure.add_bar(x=column(data, x), y=column(data, name), name=label, marker_color=color)
    figure.update_layout(barmode="stack" if stacked else "group")
    return _layout(figure, y_title)


def split_bars(
    data: Rows, x: str, category: str, value: str, y_title: str, stacked: bool = True
) -> go.Figure:
    """Bars of `value`, one series per `category` (long-format rows)."""
    categories = list(dict.fromkeys(column(data, category)))
    wide: dict = {}
    for row in data:
        wide.setdefault(row[x], {x: row[x]})[row[category]] = row[value]
    return bars(list(wide.values()), x, {c: c for c in categories}, y_title, stacked)


def shares(data: Rows) -> go.Figure:
    """This month's users per activity type, labelled with their share."""
    figure = bars(data, "activity_type", {"unique_users": "people"}, "people", stacked=False)
    figure.update_traces(
        text=[f"{p}%" if p is not None else "" for p in column(data, "percentage")],
        textposition="outside",
    )
    if not any(column(data, "unique_users")):
        figure.add_annotation(
            text="nobody posted or commented yet this month",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    return figure


def _layout(figure: go.Figure, y_title: str) -> go.Figure:
    """The house look: compact, legend on top, readable on a laptop."""
    figure.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "y": 1.12},
        yaxis_title=y_title,
        plot_bgcolor="white",
        font={"family": "Helvetica, Arial, sans-serif", "size": 12},
    )
    figure.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero")
    return figure


ENGAGEMENT_SERIES = {
    "active_users": "active",
    "posting_users": "posting",
    "commenting_users": "commenting",
}
CHEMLINK_SERIES = {
    "active_users": "active",
    "view_access_users": "unlocked a profile",
    "query_vote_users": "voted",
    "collection_users": "made a collection",
    "profile_update_users": "edited their profile",
}
FUNNEL_SERIES = {
    "signups": "signed up",
    "activated_within_30_days": "acted within 30 days",
    "activated_within_7_days": "acted within 7 days",
}
PLATFORM_SERIES = {
    "chemlink_only": "ChemLink only",
    "engagement_only": "Engagement only",
    "both_users": "both",
}

# One chart per mart: (the SQL it reads, how to draw it).
CHARTS: dict[str, tuple[str, Callable[[Rows], go.Figure]]] = {
    "new_users_monthly": (
        "select * from marts.new_users_monthly",
        lambda d: bars(d, "signup_month", {"new_users": "new users"}, "people", stacked=False),
    ),
    "growth_rate_monthly": (
        "select * from marts.growth_rate_monthly",
        lambda d: bars(d, "signup_month", {"growth_rate_pct": "growth"}, "%", stacked=False),
    ),
    "dau": (
        "select * from marts.dau",
        lambda d: lines(d, "activity_date", ENGAGEMENT_SERIES, "people"),
    ),
    "mau": (
        "select * from marts.mau",
        lambda d: lines(d, "activity_month", ENGAGEMENT_SERIES, "people"),
    ),
    "activity_by_type_monthly": (
        "select * from marts.activity_by_type_monthly",
        lambda d: split_bars(d, "activity_month", "activity_type", "activity_count", "count"),
    ),
    "activity_distribution_current": (
        "select * from marts.activity_distribution_current",
        shares,
    ),
    "activity_intensity_levels": (
        "select * from marts.activity_intensity_levels",
        lambda d: split_bars(d, "activity_month", "intensity_level", "users", "people"),
    ),
    "dau_comprehensive": (
        "select * from marts.dau_comprehensive",
        lambda d: lines(d, "activity_date", CHEMLINK_SERIES, "people"),
    ),
    "mau_comprehensive": (
        "select * from marts.mau_comprehensive",
        lambda d: lines(d, "activity_month", CHEMLINK_SERIES, "people"),
    ),
    "user_type": (
        "select * from marts.user_type",
        lambda d: split_bars(
            d, "activity_month", "user_type", "activation_rate_pct", "% active", stacked=False
        ),
    ),
    "collections_privacy": (
        "select * from marts.collections_privacy",
        lambda d: split_bars(d, "created_month", "privacy", "collections", "collections"),
    ),
    "platform_dau": (
        "select activity_date, chemlink_users - both_users as chemlink_only,"
        " engagement_users - both_users as engagement_only, both_users"
        " from marts.platform_dau",
        lambda d: bars(d, "activity_date", PLATFORM_SERIES, "people", stacked=True),
    ),
    "platform_mau": (
        "select activity_month, chemlink_users - both_users as chemlink_only,"
        " engagement_users - both_users as engagement_only, both_users"
        " from marts.platform_mau",
        lambda d: bars(d, "activity_month", PLATFORM_SERIES, "people", stacked=True),
    ),
    "activation_funnel": (  # per signup month, as the mart counts it
        "select signup_month, signups, activated_within_30_days, activated_within_7_days"
        " from marts.activation_funnel order by signup_month",
        lambda d: bars(d, "signup_month", FUNNEL_SERIES, "persons", stacked=False).update_traces(
            texttemplate="%{y}", textposition="outside"
        ),
    ),
    "retention_cohorts": (
        "select * from marts.retention_cohorts where cohort_size > 0",
        lambda d: _layout(
            go.Figure(
                go.Heatmap(
                    x=column(d, "months_since_signup"),
                    y=[str(month) for month in column(d, "signup_month")],
                    z=[float(v) if v is not None else None for v in column(d, "retention_pct")],
                    colorscale="Blues",
                    colorbar={"title": "% active"},
                    texttemplate="%{z}",
                )
            ).update_xaxes(title="months since signup", dtick=1),
            "signup month",
        ),
    ),
    "engagement_activity_types_monthly": (
        "select * from marts.engagement_activity_types_monthly",
        lambda d: split_bars(d, "activity_month", "activity_type", "activity_count", "count"),
    ),
    "shared_link_domains_monthly": (
        "select * from marts.shared_link_domains_monthly",
        lambda d: split_bars(d, "posted_month", "link_domain", "link_posts", "link posts"),
    ),
    "person_features": (
        "select coalesce(first_action_type, 'none yet') as first_action, count(*) as people"
        " from marts.person_features group by 1 order by 2 desc",
        lambda d: bars(d, "first_action", {"people": "people"}, "people", stacked=False),
    ),
    "data_quality_summary": (
        "select source_table, soft_deleted_pct from marts.data_quality_summary"
        " order by soft_deleted_pct desc nulls last",
        lambda d: bars(d, "source_table", {"soft_deleted_pct": "soft-deleted"}, "% of rows", False),
    ),
}
# One section per audience folder of warehouse/models/marts/; the data
# quality summary has a panel of its own, above them.
SECTIONS = {
    "dashboard": "The dashboard's 11 metrics",
    "cross_source": "Across both databases",
    "training": "The training set",
    "engagement": "Engagement, beyond the old dashboard",
}
OWN_PANEL = "data_quality_summary"


def mart_properties() -> dict[str, dict]:
    """Each mart's `meta` (title, source, definition) and its audience folder,
    from the .yml beside its .sql."""
    found = {}
    for path in sorted((project_dir() / "models" / "marts").glob("*/*.yml")):
        # libyaml's parser: the marts' files hold their unit tests too
        for model in yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["models"]:
            found[model["name"]] = model["config"]["meta"] | {"folder": path.parent.name}
    return found


def sections(properties: dict[str, dict]) -> dict[str, list[str]]:
    """The charts of each section, in its folder's order (the dashboard's:
    metric 1 to 11; the others: by name)."""
    return {
        title: sorted(
            (model for model, meta in properties.items()
             if meta["folder"] == folder and model in CHARTS and model != OWN_PANEL),
            key=lambda model: (properties[model].get("metric", 0), model),
        )
        for folder, title in SECTIONS.items()
    }  # fmt: skip


def dashboard_path() -> Path | None:
    """Where runs render the dashboard (DASHBOARD_PATH); None: nowhere."""
    configured = os.environ.get("DASHBOARD_PATH", str(DEFAULT_OUTPUT))
    return (REPO_ROOT / configured).resolve() if configured else None


def write_dashboard(warehouse: Warehouse, build: str, output: Path) -> None:
    """Render the page and put it in place in one rename: a reader opens the
    old page or the new one, never half of one."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.rendering")
    partial.write_text(render(warehouse, build))
    os.replace(partial, output)


def render(warehouse: Warehouse, build: str) -> str:
    """The dashboard page for the warehouse's current marts, which are `build`'s."""
    properties = mart_properties()
    # every query on one connection (on Spark, one session of the Thrift server)
    with warehouse.cursor(read_only=True) as cursor:
        charted = {model: rows(cursor, sql) for model, (sql, _) in CHARTS.items()}
        orphans, ghosts = rows(cursor, ORPHANS_SQL), rows(cursor, GHOSTS_SQL)[0]
        loads, as_of = rows(cursor, LOADS_SQL), rows(cursor, AS_OF_SQL)[0]["day"]
    panels = {}
    for model, (_, draw) in CHARTS.items():
        figure = draw(charted[model])
        html = figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=model + "_chart",
            default_height="300px",
            config={"displayModeBar": False, "responsive": True},
        )
        panels[model] = properties[model] | {"chart": html, "model": model}
    template = jinja2.Template(TEMPLATE.read_text(), autoescape=True)
    return template.render(
        sections={
            title: [panels[m] for m in models] for title, models in sections(properties).items()
        },
        quality=panels[OWN_PANEL],
        orphans=orphans,
        ghosts=ghosts,
        freshness=_freshness(loads),
        as_of=as_of,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        build=build,
        plotly_js=plotly.offline.get_plotlyjs(),
    )


ORPHANS_SQL = """
select source_table, person_column, reason,
       count(*) as people, sum(row_count) as row_count, sum(live_row_count) as live_rows
from marts.cross_source_orphans
group by source_table, person_column, reason
order by source_table, person_column, reason
"""
GHOSTS_SQL = """
select count(distinct case when reason = 'missing_in_chemlink' then person_id end) as ghosts,
       count(distinct case when reason = 'deleted_in_chemlink' then person_id end) as deleted,
       coalesce(sum(case when reason = 'missing_in_chemlink' then live_row_count end), 0)
           as ghost_live_rows
from marts.cross_source_orphans
"""
LOADS_SQL = """
select source_name, max(newest_load_at) as loaded_at
from marts.data_quality_summary group by 1 order by 1
"""
AS_OF_SQL = "select max(activity_date) as day from marts.dau"


def _freshness(loads: Rows) -> Rows:
    """Each source's newest load (LOADS_SQL), its age, and how it compares
    with the thresholds."""
    warn, error = thresholds({})
    now = datetime.now(UTC).replace(tzinfo=None)
    for load in loads:
        hours = (now - load["loaded_at"]).total_seconds() / 3600
        load["age"] = f"{hours:.1f} h ago"
        load["state"] = "stale" if hours > error else "late" if hours > warn else "fresh"
    return loads


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=dashboard_path() or DEFAULT_OUTPUT, help="the HTML file"
    )
    args = parser.parse_args()
    with command_line():
        warehouse = Warehouse.from_env()
        live = RunState(warehouse).published()
        write_dashboard(warehouse, live.run_id if live else "unrecorded", args.output)
    print(f"Dashboard written: {args.output} (open it in a browser; it needs no network)")


if __name__ == "__main__":
    main()
