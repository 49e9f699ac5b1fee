-- One row per ChemLink person: the cohort they count in (the UTC month they
-- signed up in while live, null once deleted or removed at the source) and
-- the one they counted in before the build that last changed their row
-- (previous_cohort_month), with the change_load_id the row had before
-- (previous_change_load_id). A person who joins or leaves a cohort changes
-- its every month since: retention_cohorts, rebuilt in parts, rebuilds the
-- months from the older of the two cohorts on (macros/rebuilt_in_parts.sql).
--
-- Incremental, as int_activity_events_tracked. A full build keeps no
-- before-image: each row's previous load is its own, so that a mart built
-- before it is rebuilt whole.

{{ config(
    materialized='incremental',
    unique_key='chemlink_person_id',
    incremental_strategy=changes_strategy(),
    on_schema_change='fail',
) }}

with

persons as (
    select * from {{ ref('stg_chemlink__persons') }}
    {{ changed_rows() }}
),

-- the rows these replace (none in a full build, where each row's own load
-- is the one before: see above)
{% if reads_changes_only() -%}
    previous_cohorts as (
        select
            chemlink_person_id,
            cohort_month,
            change_load_id as previous_change_load_id
        from {{ this }}
        where chemlink_person_id in (select chemlink_person_id from persons)
    ),
{%- else -%}
    previous_cohorts as (
        select
            chemlink_person_id,
            cast(null as date) as cohort_month,
            change_load_id as previous_change_load_id
        from persons
    ),
{%- endif %}

final as (
    select
        persons.chemlink_person_id,
        case
            when not persons.is_deleted and not persons.is_removed
                then {{ month_of('persons.created_at') }}
        end as cohort_month,
        previous_cohorts.cohort_month as previous_cohort_month,
        previous_cohorts.previous_change_load_id,
        persons.change_load_id
    from persons
    left join previous_cohorts
        on persons.chemlink_person_id = previous_cohorts.chemlink_person_id
)

select * from final
