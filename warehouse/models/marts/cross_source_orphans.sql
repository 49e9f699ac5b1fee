-- Engagement rows whose person uuid has no ChemLink person, or a soft-deleted
-- one, per table and person column. Standing in ChemLink is current state.

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
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

person_references as (
    select
        'posts' as source_table,
        'person_id' as person_column,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from posts

    union all

    select
        'comments' as source_table,
        'person_id' as person_column,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from comments

    union all

    select
        'mentions' as source_table,
        'mentioned_person_id' as person_column,
        mentioned_person_id as person_id,
        created_at,
        true as is_live_row
    from mentions

    union all

    select
        'mentions' as source_table,
        'mentioned_by_person_id' as person_column,
        mentioned_by_person_id as person_id,
        created_at,
        true as is_live_row
    from mentions

    union all

    select
        'reports' as source_table,
        'reporter_id' as person_column,
        reporter_person_id as person_id,
        created_at,
        true as is_live_row
    from reports

    union all

    select
        'groups' as source_table,
        'created_by' as person_column,
        created_by_person_id as person_id,
        created_at,
        not is_deleted as is_live_row
    from groups

    union all

    select
        'group_members' as source_table,
        'person_id' as person_column,
        person_id,
        created_at,
        not is_deleted as is_live_row
    from group_members
),

orphaned_references as (
    select
        person_references.*,
        persons.person_status as reason
    from person_references
    inner join persons
        on person_references.person_id = persons.person_id
    where
        persons.person_status in ('missing_in_chemlink', 'deleted_in_chemlink')
        and person_references.created_at < {{ as_of_end() }}
),

final as (
    select
        source_table,
        person_column,
        person_id,
        reason,
        count(*) as row_count,
        count(case when is_live_row then 1 end) as live_row_count,
        min(created_at) as first_seen_at,
        max(created_at) as last_seen_at
    from orphaned_references
    group by source_table, person_column, person_id, reason
)

select * from final
order by source_table, person_column, person_id
