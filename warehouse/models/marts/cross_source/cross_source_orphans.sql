-- Engagement rows whose person uuid has no ChemLink person, or a soft-deleted
-- one, per table and person column. Standing in ChemLink is current state.

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

person_references as (
    select * from {{ ref('int_person_references_unioned') }}
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
