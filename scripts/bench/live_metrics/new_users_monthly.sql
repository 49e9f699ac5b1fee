-- ChemLink DB. Live persons by UTC signup month, 12 months ending with month(as_of).
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as signup_month
    from generate_series(0, 11) as n
),
signups as (
    select date_trunc('month', created_at at time zone 'UTC')::date as signup_month, count(*) as new_users
    from persons
    where deleted_at is null and (created_at at time zone 'UTC') < %(as_of)s::date + 1
    group by 1
)
select months.signup_month, coalesce(signups.new_users, 0) as new_users
from months left join signups using (signup_month)
order by 1
