-- One row per Engagement row and person column that holds a person uuid,
-- for the rows that still exist at the source (a row removed there no
-- longer points anywhere): the live rows of int_person_references_tracked.

{{ config(materialized='view') }}

with

tracked_references as (
    select * from {{ ref('int_person_references_tracked') }}
),

final as (
    select
        source_table,
        person_column,
        source_row_id,
        person_id,
        created_at,
        is_live_row
    from tracked_references
    where not is_removed
)

select * from final
