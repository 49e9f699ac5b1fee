-- One row per Engagement row and person column that holds a person uuid:
-- the places where Engagement points at ChemLink persons it cannot check.
-- Rows removed at the source no longer point anywhere and are left out.

with

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

unioned as (
    select
        'posts' as source_table,
        'person_id' as person_column,
        post_id as source_row_id,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from posts
    where not is_removed

    union all

    select
        'comments' as source_table,
        'person_id' as person_column,
        comment_id as source_row_id,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from comments
    where not is_removed

    union all

    select
        'mentions' as source_table,
        'mentioned_person_id' as person_column,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_person_id as person_id,
        created_at,
        true as is_live_row
    from mentions
    where not is_removed

    union all

    select
        'mentions' as source_table,
        'mentioned_by_person_id' as person_column,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_by_person_id as person_id,
        created_at,
        true as is_live_row
    from mentions
    where not is_removed

    union all

    select
        'reports' as source_table,
        'reporter_id' as person_column,
        cast(report_id as {{ dbt.type_string() }}) as source_row_id,
        reporter_person_id as person_id,
        created_at,
        true as is_live_row
    from reports
    where not is_removed

    union all

    select
        'groups' as source_table,
        'created_by' as person_column,
        cast(group_id as {{ dbt.type_string() }}) as source_row_id,
        created_by_person_id as person_id,
        created_at,
        not is_deleted as is_live_row
    from groups
    where not is_removed

    union all

    select
        'group_members' as source_table,
        'person_id' as person_column,
        cast(group_member_id as {{ dbt.type_string() }}) as source_row_id,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from group_members
    where not is_removed
)

select * from unioned
