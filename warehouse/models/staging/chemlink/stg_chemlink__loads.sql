-- dlt's successful loads of the ChemLink source. A load's id is the Unix time
-- its extraction started: rows changed at the source after that instant may
-- not be in the warehouse yet.

with

source as (
    select * from {{ source('chemlink', '_dlt_loads') }}
),

renamed as (
    select
        load_id,
        'chemlink' as source_name,
        status as load_status,
        {{ unix_time_to_timestamp('load_id') }} as extraction_started_at,
        {{ to_utc('inserted_at') }} as loaded_at
    from source
)

select * from renamed
