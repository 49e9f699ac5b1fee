with

source as (
    select * from {{ source('chemlink', 'query_embeddings') }}
),

renamed as (
    select
        id as query_embedding_id,
        query_text,
        model as embedding_model,
        {{ to_utc('created_at') }} as created_at
    from source
)

select * from renamed
