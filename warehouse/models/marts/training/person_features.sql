-- One row per live ChemLink person, for model training: tenure, account
-- type, activity counts per type over the last 30 and 90 days (ending with
-- the as-of date), days since the last activity, the first action and
-- whether it came within 30 days of signing up. No emails or names. The
-- columns and their types are a contract (see person_features.yml).
--
-- Rebuilt by person: a build recomputes only the persons whose events or
-- ChemLink row changed, the whole mart on a new as-of date
-- (macros/rebuilt_in_parts.sql).

{{ config(rebuilds_by={'column': 'person_id', 'grain': 'person'}) }}
-- depends_on: {{ ref('int_activity_days_changed') }}
-- depends_on: {{ ref('int_activity_events_tracked') }}
-- depends_on: {{ ref('stg_chemlink__persons') }}

{%- set activity_types = [
    'view_access', 'query_vote', 'collection', 'profile_update', 'post',
    'comment', 'mention', 'report', 'group_created', 'group_joined'
] %}

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

-- a first action after the as-of date had not happened yet
first_actions as (
    select * from {{ ref('int_first_actions_after_signup') }}
    where first_action_at < {{ as_of_end() }}
),

live_persons as (
    select * from persons
    where
        is_live {{ only_rebuilt('person_id') }}
        and signed_up_at < {{ as_of_end() }}
),

events_until_as_of as (
    select * from events
    where occurred_at < {{ as_of_end() }} {{ only_rebuilt('person_id') }}
),

-- each person's events counted before the join: a join of the live persons
-- to every event, grouped afterwards, costs a quarter more
-- (docs/performance.md)
activity_by_person as (
    select
        person_id,
        {%- for activity_type in activity_types %}
            {%- for days in [30, 90] %}
                count(
                    case
                        when
                            activity_type = '{{ activity_type }}'
                            and activity_date
                            > {{ dbt.dateadd('day', -days, as_of_date()) }}
                            then 1
                    end
                ) as {{ activity_type }}_{{ days }}d,
            {%- endfor %}
        {%- endfor %}
        max(activity_date) as last_activity_date
    from events_until_as_of
    group by person_id
),

final as (
    select
        live_persons.person_id,
        live_persons.account_type,
        {{ day_of('live_persons.signed_up_at') }} as signed_up_on,
        cast(
            {{ dbt.datediff(
                day_of('live_persons.signed_up_at'), as_of_date(), 'day'
            ) }} as {{ dbt.type_int() }}
        ) as tenure_days,
        {%- for activity_type in activity_types %}
            {%- for days in [30, 90] %}
                coalesce(
                    activity_by_person.{{ activity_type }}_{{ days }}d, 0
                ) as {{ activity_type }}_{{ days }}d,
            {%- endfor %}
        {%- endfor %}
        cast(
            {{ dbt.datediff(
                'activity_by_person.last_activity_date', as_of_date(), 'day'
            ) }} as {{ dbt.type_int() }}
        ) as days_since_last_activity,
        first_actions.first_action_type,
        coalesce(
            first_actions.first_action_at
            < {{ dbt.dateadd('day', 30, 'live_persons.signed_up_at') }},
            false
        ) as is_activated
    from live_persons
    left join activity_by_person
        on live_persons.person_id = activity_by_person.person_id
    left join first_actions
        on live_persons.person_id = first_actions.person_id
)

-- unsorted: a build by person appends its persons anyway, and sorting every
-- person cost a second of the whole build at scale 4,000 (docs/performance.md)
select * from final
