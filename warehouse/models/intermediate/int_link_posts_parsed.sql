-- Live link posts with the domain they share (the host of metadata.url,
-- lower-cased, without "www."). Every author counts, ghosts included, as in
-- the dashboard's Engagement metrics.

with

posts as (
    select * from {{ ref('stg_engagement__posts') }}
),

link_posts as (
    select
        post_id,
        person_id,
        created_at as posted_at,
        lower(link_url) as link_url
    from posts
    where post_type = 'link' and not is_deleted and not is_removed
),

final as (
    select
        post_id,
        person_id,
        posted_at,
        {{ month_of('posted_at') }} as posted_month,
        -- the host, or '' when the text is no URL (the second alternative)
        coalesce(
            nullif(
                regexp_replace(
                    link_url,
                    '^[a-z]+://(www[.])?([^/:?#]+).*$|^.*$',
                    '{{ regexp_group(2) }}'
                ),
                ''
            ),
            'unknown'
        ) as link_domain
    from link_posts
)

select * from final
