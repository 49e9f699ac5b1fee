-- Which days of activity each load changed: the day a changed event is on
-- and, where a build moved it, the day it was on before; with the newest
-- change_load_id the tracked events held before the build that changed it
-- (changed_after). The marts rebuilt by period read it
-- (macros/rebuilt_in_parts.sql): a few rows per load, where the events are
-- millions.
--
-- Incremental: a build adds what the tracked events' latest build changed
-- (their rows past the newest change_load_id here: a build of them stamps
-- every row it writes or updates with a newer load).

{{ config(
    materialized='incremental',
    incremental_strategy=changes_strategy(),
    unique_key=['change_load_id', 'changed_day'],
    on_schema_change='fail',
) }}

with

tracked_events as (
    select * from {{ ref('int_activity_events_tracked') }}
    {{ changed_rows() }}
),

days as (
    select
        change_load_id,
        activity_date as changed_day
    from tracked_events
    where activity_date is not null

    union

    select
        change_load_id,
        previous_activity_date as changed_day
    from tracked_events
    where previous_activity_date is not null
),

latest_build as (
    select max(previous_change_load_id) as changed_after
    from tracked_events
),

final as (
    select
        days.change_load_id,
        days.changed_day,
        latest_build.changed_after
    from days
    cross join latest_build
)

select * from final
