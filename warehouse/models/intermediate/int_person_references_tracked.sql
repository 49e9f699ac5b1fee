-- One row per Engagement row and person column that holds a person uuid:
-- the places where Engagement points at ChemLink persons it cannot check.
-- Incremental, as int_activity_events_tracked: a build reads the staging
-- rows changed since the last one; a row removed at the source stays,
-- is_removed, so that models downstream see the change.
-- int_person_references_unioned is the rows that still exist.

{{ config(
    materialized='incremental',
    unique_key=['source_table', 'person_column', 'source_row_id'],
    incremental_strategy=changes_strategy(),
    on_schema_change='fail',
) }}

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
        not is_deleted as is_live_row,
        is_removed,
        change_load_id
    from posts
    {{ changed_rows() }}

    union all

    select
        'comments' as source_table,
        'person_id' as person_column,
        comment_id as source_row_id,
        person_id,
        created_at,
        not is_deleted as is_live_row,
        is_removed,
        change_load_id
    from comments
    {{ changed_rows() }}

    union all

    select
        'mentions' as source_table,
        'mentioned_person_id' as person_column,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_person_id as person_id,
        created_at,
        true as is_live_row,
        is_removed,
        change_load_id
    from mentions
    {{ changed_rows() }}

    union all

    select
        'mentions' as source_table,
        'mentioned_by_person_id' as person_column,
        cast(mention_id as {{ dbt.type_string() }}) as source_row_id,
        mentioned_by_person_id as person_id,
        created_at,
        true as is_live_row,
        is_removed,
        change_load_id
    from mentions
    {{ changed_rows() }}

    union all

    select
        'reports' as source_table,
        'reporter_id' as person_column,
        cast(report_id as {{ dbt.type_string() }}) as source_row_id,
        reporter_person_id as person_id,
        created_at,
        true as is_live_row,
        is_removed,
        change_load_id
    from reports
    {{ changed_rows() }}

    union all

    select
        'groups' as source_table,
        'created_by' as person_column,
        cast(group_id as {{ dbt.type_string() }}) as source_row_id,
        created_by_person_id as person_id,
        created_at,
        not is_deleted as is_live_row,
        is_removed,
        change_load_id
    from groups
    {{ changed_rows() }}

    union all

    select
        'group_members' as source_table,
        'person_id' as person_column,
        cast(group_member_id as {{ dbt.type_string() }}) as source_row_id,
        person_id,
        created_at,
        not is_deleted as is_live_row,
        is_removed,
        change_load_id
    from group_members
    {{ changed_rows() }}
)

select * from unioned
