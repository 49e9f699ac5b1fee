-- One row per thing a person did in either product, live rows only: ChemLink
-- views, votes, collections and profile updates (persons whose updated_at is
-- after created_at); Engagement posts, comments, mentions made, reports
-- filed, groups created and groups joined (confirmed_at). Keyed by the person
-- uuid, with the person's current standing in ChemLink; activity_detail is a
-- post's type or a collection's privacy setting. Events after the as-of date
-- stay here; each mart applies its own window. Marts read this table, never
-- the staging views, so what they show changes only when dbt rebuilds it.

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
        created_at as occurred_at
    from view_access
    where not is_deleted and not is_removed

    union all

    select
        'query_vote' as activity_type,
        null as activity_detail,
        cast(query_vote_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        created_at as occurred_at
    from query_votes
    where not is_removed

    union all

    select
        'collection' as activity_type,
        privacy as activity_detail,
        cast(collection_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        created_at as occurred_at
    from collections
    where not is_deleted and not is_removed

    union all

    -- updated_at keeps only the last edit; equal to created_at means never
    select
        'profile_update' as activity_type,
        null as activity_detail,
        cast(chemlink_person_id as {{ dbt.type_string() }}) as source_row_id,
        chemlink_person_id,
        updated_at as occurred_at
    from chemlink_persons
    where updated_at > created_at and not is_removed
),

engagement_actions as (
    select
        'post' as activity_type,
        post_type as activity_detail,
        post_id as source_row_id,
        person_id,
        created_at as occurred_at
    from posts
    where not is_deleted and not is_removed

    union all

    select
        'comment' as activity_type,
        null as activity_detail,
        comment_id as source_row_id,
        person_id,
        created_at as occurred_at
    from comments
    where not is_deleted and not is_removed

    union all

    select
        'mention' as activity_type,
        null as activity_detail,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_by_person_id as person_id,
        created_at as occurred_at
    from mentions
    where not is_removed

    union all

    select
        'report' as activity_type,
        null as activity_detail,
        cast(report_id as {{ dbt.type_string() }}) as source_row_id,
        reporter_person_id as person_id,
        created_at as occurred_at
    from reports
    where not is_removed

    union all

    select
        'group_created' as activity_type,
        null as activity_detail,
        cast(group_id as {{ dbt.type_string() }}) as source_row_id,
        created_by_person_id as person_id,
        created_at as occurred_at
    from groups
    where not is_deleted and not is_removed

    union all

    select
        'group_joined' as activity_type,
        null as activity_detail,
        cast(group_member_id as {{ dbt.type_string() }}) as source_row_id,
        person_id,
        confirmed_at as occurred_at
    from group_members
    where is_confirmed and not is_deleted and not is_removed
),

chemlink_events as (
    select
        'chemlink' as activity_source,
        chemlink_actions.activity_type,
        chemlink_actions.activity_detail,
        chemlink_actions.source_row_id,
        persons.person_id,
        persons.person_status,
        chemlink_actions.occurred_at
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
        engagement_actions.occurred_at
    from engagement_actions
    inner join persons
        on engagement_actions.person_id = persons.person_id
),

unioned as (
    select * from chemlink_events
    union all
    select * from engagement_events
),

final as (
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
        {{ month_of('occurred_at') }} as activity_month
    from unioned
)

select * from final
