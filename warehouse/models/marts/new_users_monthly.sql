with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

report_months as (
    {{ report_months('signup_month') }}
),

signups_by_month as (
    select
        {{ month_of('signed_up_at') }} as signup_month,
        count(*) as new_users
    from persons
    where is_live and signed_up_at < {{ as_of_end() }}
    group by {{ month_of('signed_up_at') }}
),

final as (
    select
        report_months.signup_month,
        coalesce(signups_by_month.new_users, 0) as new_users
    from report_months
    left join signups_by_month
        on report_months.signup_month = signups_by_month.signup_month
)

select * from final
order by signup_month
