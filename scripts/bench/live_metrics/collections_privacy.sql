-- ChemLink DB. Live collections of live owners per UTC month; NULL privacy is PRIVATE.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as created_month
    from generate_series(0, 11) as n
),
privacies as (
    select * from (values ('PUBLIC', 1), ('PRIVATE', 2)) as p (privacy, privacy_order)
),
live_collections as (
    select
        date_trunc('month', c.created_at at time zone 'UTC')::date as created_month,
        coalesce(c.privacy, 'PRIVATE') as privacy,
        c.person_id
    from collections as c
    join persons as p on p.id = c.person_id and p.deleted_at is null
    where c.deleted_at is null and (c.created_at at time zone 'UTC') < %(as_of)s::date + 1
)
select
    months.created_month,
    privacies.privacy,
    count(live_collections.person_id) as collections,
    count(distinct live_collections.person_id) as creators
from months
cross join privacies
left join live_collections
    on live_collections.created_month = months.created_month
    and live_collections.privacy = privacies.privacy
group by months.created_month, privacies.privacy, privacies.privacy_order
order by months.created_month, privacies.privacy_order
