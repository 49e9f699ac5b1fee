with

source as (
    select * from {{ source_with_removals('chemlink', 'query_votes') }}
),

renamed as (
    select
        id as query_vote_id,
        voter_id as chemlink_person_id,
        query_id,
        cast(vote as {{ dbt.type_int() }}) as vote,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
