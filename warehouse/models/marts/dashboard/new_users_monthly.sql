with

signups_by_month as (
    select * from {{ ref('int_signups_aggregated_to_months') }}
),

report_months as (
    {{ report_months('signup_month') }}
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
