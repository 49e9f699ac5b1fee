with

source as (
    select * from {{ source_with_removals('chemlink', 'query_embeddings') }}
),

renamed as (
    select
        id as query_embedding_id,
        query_text,
        model as embedding_model,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
