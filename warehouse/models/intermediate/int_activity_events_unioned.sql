-- One row per thing a person did in either product that counts now: the
-- live rows of int_activity_events_tracked (not soft-deleted, not removed at
-- the source, memberships confirmed). Keyed by the person uuid, with the
-- person's current standing in ChemLink. Events after the as-of date stay
-- here; each mart applies its own window. Marts read this, never the staging
-- views, so what they show changes only when dbt rebuilds the events.

{{ config(materialized='view') }}

with

tracked_events as (
    select * from {{ ref('int_activity_events_tracked') }}
),

final as (
    select
        event_id,
        activity_source,
        activity_type,
        activity_detail,
        person_id,
        person_status,
        is_core_action,
        occurred_at,
        activity_date,
        activity_month
    from tracked_events
    where is_live
)

select * from final
