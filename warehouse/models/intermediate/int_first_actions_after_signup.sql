-- Each live ChemLink person's first action after signing up: anything done
-- in either product except a profile update. Persons who never acted have
-- no row. Whatever the as-of date: a mart that reports as of a day counts
-- the first action only if it came before that day ended (before, the
-- person had not acted yet).
--
-- Incremental by person: a build recomputes the persons whose events or
-- ChemLink row changed since the last one (macros/incremental.sql).

{{ config(
    materialized='incremental',
    unique_key='person_id',
    incremental_strategy=changes_strategy(),
    on_schema_change='fail',
    post_hook="{% if reads_changes_only() %}delete from {{ this }}"
        " where first_action_at is null{% endif %}",
) }}

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

chemlink_persons as (
    select * from {{ ref('stg_chemlink__persons') }}
),

tracked_events as (
    select * from {{ ref('int_activity_events_tracked') }}
),

-- every person on a first build; then those whose events or ChemLink row
-- changed since the last
persons_to_build as (
    select person_id from tracked_events {{ changed_rows() }}
    union
    select person_id from chemlink_persons {{ changed_rows() }}
),

actions_after_signup as (
    select
        persons.person_id,
        tracked_events.activity_type,
        tracked_events.occurred_at
    from persons_to_build
    inner join persons
        on persons_to_build.person_id = persons.person_id
    inner join tracked_events
        on
            persons.person_id = tracked_events.person_id
            and persons.signed_up_at <= tracked_events.occurred_at
    where
        persons.is_live
        and tracked_events.is_live
        and tracked_events.activity_type != 'profile_update'
),

-- the first action is the earliest, the first type by name among actions at
-- the same instant: two aggregations, not a window function numbering every
-- action (after a 1 % change at scale 1,000: 1.5 s instead of 4.5 s)
first_action_instants as (
    select
        person_id,
        min(occurred_at) as occurred_at
    from actions_after_signup
    group by person_id
),

first_actions as (
    select
        actions_after_signup.person_id,
        actions_after_signup.occurred_at,
        min(actions_after_signup.activity_type) as activity_type
    from actions_after_signup
    inner join first_action_instants
        on
            actions_after_signup.person_id = first_action_instants.person_id
            and actions_after_signup.occurred_at
            = first_action_instants.occurred_at
    group by actions_after_signup.person_id, actions_after_signup.occurred_at
),

-- the newest load this build read, the table's cursor (changed_rows()): a
-- constant, not each person's newest, which cost a second join of the
-- persons to every event (docs/performance.md)
newest_load as (
    select max(change_load_id) as change_load_id
    from (
        select change_load_id from tracked_events
        union all
        select change_load_id from chemlink_persons
    ) as loads_read
),

-- a person without an action gets a row without one, which replaces any
-- first action they had (the post-hook then drops it); a build that
-- computes every person keeps only those who acted
final as (
    select
        persons_to_build.person_id,
        first_actions.activity_type as first_action_type,
        first_actions.occurred_at as first_action_at,
        newest_load.change_load_id
    from persons_to_build
    cross join newest_load
    left join first_actions
        on persons_to_build.person_id = first_actions.person_id
    {% if not reads_changes_only() -%}
        where first_actions.occurred_at is not null
    {%- endif %}
)

select * from final
