-- Every row that is, or was, a thing a person did in either product: ChemLink
-- views, votes, collections and profile updates (persons whose updated_at is
-- after created_at); Engagement posts, comments, mentions made, reports
-- filed, groups created and group memberships (joined when confirmed).
-- is_live says whether it counts now (not soft-deleted, not removed at the
-- source, a membership confirmed). Keyed by the person uuid, with the
-- person's current standing in ChemLink; activity_detail is a post's type or
-- a collection's privacy setting. Events after the as-of date stay here.
--
-- Incremental: a build reads only the staging rows changed since the last
-- one (macros/incremental.sql) and replaces their events; a row that stops
-- counting stays, not live, so that models downstream see the change. A
-- person whose standing changed gets it on all their events (post-hook).
-- int_activity_events_unioned is the live events, what the marts read.
--
-- A replaced event keeps the day it was on before (previous_activity_date),
-- the person it was of (previous_person_id) and the newest change_load_id
-- the table held before this build (previous_change_load_id): the marts
-- rebuilt in parts rebuild the days and persons an event left as well as
-- those it entered (int_activity_days_changed, macros/rebuilt_in_parts.sql).

-- depends_on: {{ ref('int_source_loads_unioned') }}

{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy=changes_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ update_person_status(this) }}",
) }}

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

chemlink_persons as (
    select * from {{ ref('stg_chemlink__persons') }}
),

view_access as (
    select * from {{ ref('stg_chemlink__view_access') }}
),

query_votes as (
    select * from {{ ref('stg_chemlink__query_votes') }}
),

collections as (
    select * from {{ ref('stg_chemlink__collections') }}
),

posts as (
    select * from {{ ref('stg_engagement__posts') }}
),

comments as (
    select * from {{ ref('stg_engagement__comments') }}
),

mentions as (
    select * from {{ ref('stg_engagement__mentions') }}
),

reports as (
    select * from {{ ref('stg_engagement__reports') }}
),

groups as (
    select * from {{ ref('stg_engagement__groups') }}
),

group_members as (
    select * from {{ ref('stg_engagement__group_members') }}
),

chemlink_actions as (
    select
        'view_access' as activity_type,
        cast(null as {{ dbt.type_string() }}) as activity_detail,
        cast(view_access_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        created_at as occurred_at,
        not is_deleted and not is_removed as is_live,
        change_load_id
    from view_access
    {{ changed_rows() }}

    union all

    select
        'query_vote' as activity_type,
        null as activity_detail,
        cast(query_vote_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        created_at as occurred_at,
        not is_removed as is_live,
        change_load_id
    from query_votes
    {{ changed_rows() }}

    union all

    select
        'collection' as activity_type,
        privacy as activity_detail,
        cast(collection_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        created_at as occurred_at,
        not is_deleted and not is_removed as is_live,
        change_load_id
    from collections
    {{ changed_rows() }}

    union all

    -- updated_at keeps only the last edit; equal to created_at means never
    select
        'profile_update' as activity_type,
        null as activity_detail,
        cast(chemlink_person_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        updated_at as occurred_at,
        not is_removed as is_live,
        change_load_id
    from chemlink_persons
    where updated_at > created_at {{ changed_rows('and') }}
),

engagement_actions as (
    select
        'post' as activity_type,
        post_type as activity_detail,
        post_id as source_row_id,
        person_id,
        created_at as occurred_at,
        not is_deleted and not is_removed as is_live,
        change_load_id
    from posts
    {{ changed_rows() }}

    union all

    select
        'comment' as activity_type,
        null as activity_detail,
        comment_id as source_row_id,
        person_id,
        created_at as occurred_at,
        not is_deleted and not is_removed as is_live,
        change_load_id
    from comments
    {{ changed_rows() }}

    union all

    select
        'mention' as activity_type,
        null as activity_detail,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_by_person_id as person_id,
        created_at as occurred_at,
        not is_removed as is_live,
        change_load_id
    from mentions
    {{ changed_rows() }}

    union all

    select
        'report' as activity_type,
        null as activity_detail,
        cast(report_id as {{ dbt.type_string() }}) as source_row_id,
        reporter_person_id as person_id,
        created_at as occurred_at,
        not is_removed as is_live,
        change_load_id
    from reports
    {{ changed_rows() }}

    union all

    select
        'group_created' as activity_type,
        null as activity_detail,
        cast(group_id as {{ dbt.type_string() }}) as source_row_id,
        created_by_person_id as person_id,
        created_at as occurred_at,
        not is_deleted and not is_removed as is_live,
        change_load_id
    from groups
    {{ changed_rows() }}

    union all

    select
        'group_joined' as activity_type,
        null as activity_detail,
        cast(group_member_id as {{ dbt.type_string() }}) as source_row_id,
        person_id,
        confirmed_at as occurred_at,
        is_confirmed and not is_deleted and not is_removed as is_live,
        change_load_id
    from group_members
    {{ changed_rows() }}
),

chemlink_events as (
    select
        'chemlink' as activity_source,
        chemlink_actions.activity_type,
        chemlink_actions.activity_detail,
        chemlink_actions.source_row_id,
        persons.person_id,
        persons.person_status,
        chemlink_actions.occurred_at,
        chemlink_actions.is_live,
        chemlink_actions.change_load_id
    from chemlink_actions
    inner join persons
        on chemlink_actions.chemlink_person_id = persons.chemlink_person_id
),

engagement_events as (
    select
        'engagement' as activity_source,
        engagement_actions.activity_type,
        engagement_actions.activity_detail,
        engagement_actions.source_row_id,
        engagement_actions.person_id,
        persons.person_status,
        engagement_actions.occurred_at,
        engagement_actions.is_live,
        engagement_actions.change_load_id
    from engagement_actions
    inner join persons
        on engagement_actions.person_id = persons.person_id
),

unioned as (
    select * from chemlink_events
    union all
    select * from engagement_events
),

events as (
    select
        {{ dbt.concat(["activity_type", "':'", "source_row_id"]) }} as event_id,
        activity_source,
        activity_type,
        activity_detail,
        person_id,
        person_status,
        activity_type in (
            'view_access', 'query_vote', 'collection'
        ) as is_core_action,
        occurred_at,
        {{ day_of('occurred_at') }} as activity_date,
        {{ month_of('occurred_at') }} as activity_month,
        is_live,
        change_load_id
    from unioned
),

-- the rows these replace (none in a full build), found before their
-- columns are read (a 1 % change at scale 4,000: 3.8 s to 2.6 s,
-- docs/performance.md)
previous_events as (
    select
        event_id,
        person_id,
        activity_date,
        change_load_id
    {% if reads_changes_only() -%}
        from {{ this }}
        where event_id in (select event_id from events)
    {%- else -%}
        from events
        where false
    {%- endif %}
),

previous_build as (
    select max(change_load_id) as previous_change_load_id
    {% if reads_changes_only() -%}
        from {{ this }}
    {%- else -%}
        from previous_events
    {%- endif %}
),

final as (
    select
        events.*,
        previous_events.activity_date as previous_activity_date,
        previous_events.person_id as previous_person_id,
        previous_build.previous_change_load_id
    from events
    cross join previous_build
    left join previous_events
        on events.event_id = previous_events.event_id
)

select * from final
