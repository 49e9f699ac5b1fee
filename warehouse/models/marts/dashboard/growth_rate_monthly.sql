with

signups_by_month as (
    select * from {{ ref('int_signups_aggregated_to_months') }}
),

report_months as (
    {{ report_months('signup_month') }}
),

-- the calendar month before, even for the window's first month
months_with_previous as (
    select
        report_months.signup_month,
        coalesce(current_month.new_users, 0) as new_users,
        coalesce(previous_month.new_users, 0) as previous_month_new_users
    from report_months
    left join signups_by_month as current_month
        on report_months.signup_month = current_month.signup_month
    left join signups_by_month as previous_month
        on previous_month.signup_month = cast(
            {{ dbt.dateadd('month', -1, 'report_months.signup_month') }} as date
        )
),

final as (
    select
        signup_month,
        new_users,
        previous_month_new_users,
        {{ percentage(
            'new_users - previous_month_new_users', 'previous_month_new_users'
        ) }} as growth_rate_pct
    from months_with_previous
)

select * from final
order by signup_month
