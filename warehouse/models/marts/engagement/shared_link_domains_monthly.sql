-- What people share: link posts per UTC month and linked domain, for the
-- domains linked in the 12 months ending with the as-of month (zero-filled
-- across those months).

with

link_posts as (
    select * from {{ ref('int_link_posts_parsed') }}
),

report_months as (
    {{ report_months('posted_month') }}
),

link_posts_in_window as (
    select * from link_posts
    where
        posted_at < {{ as_of_end() }}
        and posted_month >= (
            select min(report_months.posted_month) from report_months
        )
),

domains as (
    select distinct link_domain from link_posts_in_window
),

final as (
    select
        report_months.posted_month,
        domains.link_domain,
        count(link_posts_in_window.post_id) as link_posts,
        count(distinct link_posts_in_window.person_id) as posters
    from report_months
    cross join domains
    left join link_posts_in_window
        on
            report_months.posted_month = link_posts_in_window.posted_month
            and domains.link_domain = link_posts_in_window.link_domain
    group by report_months.posted_month, domains.link_domain
)

select * from final
order by posted_month, link_domain
