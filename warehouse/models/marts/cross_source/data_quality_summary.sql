-- Can the data be trusted? Per source table: rows, soft deletes and their
-- share, rows removed at the source (hard deletes, once detected), rows that
-- point at a person ChemLink does not have (Engagement tables; ChemLink's
-- own foreign keys keep its tables at 0) and the source's newest load.

with

table_rows as (
    select * from {{ ref('int_source_rows_summarized') }}
),

person_references as (
    select * from {{ ref('int_person_references_unioned') }}
),

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

source_loads as (
    select * from {{ ref('int_source_loads_unioned') }}
),

orphan_rows_by_table as (
    select
        person_references.source_table,
        count(distinct person_references.source_row_id) as orphan_rows
    from person_references
    inner join persons
        on person_references.person_id = persons.person_id
    where
        persons.person_status in ('missing_in_chemlink', 'deleted_in_chemlink')
        and person_references.created_at < {{ as_of_end() }}
    group by person_references.source_table
),

newest_loads as (
    select
        source_name,
        max(loaded_at) as newest_load_at
    from source_loads
    group by source_name
),

final as (
    select
        table_rows.source_name,
        table_rows.source_table,
        table_rows.row_count,
        table_rows.has_soft_delete,
        table_rows.soft_deleted_rows,
        {{ percentage('table_rows.soft_deleted_rows', 'table_rows.row_count') }}
            as soft_deleted_pct,
        table_rows.removed_at_source_rows,
        coalesce(orphan_rows_by_table.orphan_rows, 0) as orphan_rows,
        newest_loads.newest_load_at
    from table_rows
    left join orphan_rows_by_table
        on
            table_rows.source_name = 'engagement'
            and table_rows.source_table = orphan_rows_by_table.source_table
    left join newest_loads
        on table_rows.source_name = newest_loads.source_name
)

select * from final
order by source_name, source_table
