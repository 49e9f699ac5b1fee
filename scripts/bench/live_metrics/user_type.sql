-- ChemLink DB. Per month and account type: live persons signed up by the month's end
-- (by the end of as_of in the as-of month), and how many took a core action in it.
with months as (
    select
        (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as activity_month,
        least(
            (date_trunc('month', %(as_of)s::date) - make_interval(months => n - 1))::date,
            %(as_of)s::date + 1
        ) as counted_until
    from generate_series(0, 11) as n
),
types as (
    select * from (values ('Finder', 'finder', 1), ('Standard', 'standard', 2))
        as t (user_type, account_type, type_order)
),
core_actions as (
    select person_id, created_at from view_access where deleted_at is null
    union all
    select voter_id, created_at from query_votes
    union all
    select person_id, created_at from collections where deleted_at is null
),
active_months as (
    select distinct person_id, date_trunc('month', created_at at time zone 'UTC')::date as activity_month
    from core_actions
    where (created_at at time zone 'UTC') < %(as_of)s::date + 1
),
members as (
    select months.activity_month, types.user_type, types.type_order, persons.id
    from months
    cross join types
    left join persons
        on persons.account_type = types.account_type
        and persons.deleted_at is null
        and (persons.created_at at time zone 'UTC') < months.counted_until
)
select
    members.activity_month,
    members.user_type,
    count(members.id) as total_users,
    count(active_months.person_id) as active_users,
    case when count(members.id) > 0
        then round(100.0 * count(active_months.person_id) / count(members.id), 2)
    end as activation_rate_pct
from members
left join active_months
    on active_months.person_id = members.id and active_months.activity_month = members.activity_month
group by members.activity_month, members.user_type, members.type_order
order by members.activity_month, members.type_order
