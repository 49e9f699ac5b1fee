-- Every successful dlt load of either source.

with

chemlink_loads as (
    select * from {{ ref('stg_chemlink__loads') }}
),

engagement_loads as (
    select * from {{ ref('stg_engagement__loads') }}
),

unioned as (
    select * from chemlink_loads
    union all
    select * from engagement_loads
),

final as (
    select
        load_id,
        source_name,
        load_status,
        extraction_started_at,
        loaded_at
    from unioned
    where load_status = 0
)

select * from final
