-- ChemLink DB. New users per month against the calendar month before.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as signup_month
    from generate_series(0, 11) as n
),
signups as (
    select date_trunc('month', created_at at time zone 'UTC')::date as signup_month, count(*) as new_users
    from persons
    where deleted_at is null and (created_at at time zone 'UTC') < %(as_of)s::date + 1
    group by 1
),
compared as (
    select
        months.signup_month,
        coalesce(current_month.new_users, 0) as new_users,
        coalesce(previous_month.new_users, 0) as previous_month_new_users
    from months
    left join signups as current_month on current_month.signup_month = months.signup_month
    left join signups as previous_month
        on previous_month.signup_month = (months.signup_month - interval '1 month')::date
)
select
    signup_month,
    new_users,
    previous_month_new_users,
    case when previous_month_new_users > 0
        then round(100.0 * (new_users - previous_month_new_users) / previous_month_new_users, 2)
    end as growth_rate_pct
from compared
order by 1
