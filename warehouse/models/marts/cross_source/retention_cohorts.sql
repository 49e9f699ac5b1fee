-- For each signup month of the window (live persons), how many were active
-- (anything in either product but a profile update) in each calendar month
-- since, up to the as-of month: month 0 is the signup month itself.

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

report_months as (
    {{ report_months('signup_month') }}
),

months_since as (
    select cast(generated_number - 1 as {{ dbt.type_int() }}) as months_since
    from ({{ dbt.generate_series(12) }}) as month_numbers
),

cohort_months as (
    select
        report_months.signup_month,
        months_since.months_since as months_since_signup,
        cast(
            {{ dbt.dateadd(
                'month', 'months_since.months_since', 'report_months.signup_month'
            ) }} as date
        ) as activity_month
    from report_months
    cross join months_since
),

cohort_members as (
    select
        person_id,
        {{ month_of('signed_up_at') }} as signup_month
    from persons
    where is_live and signed_up_at < {{ as_of_end() }}
),

cohort_sizes as (
    select
        signup_month,
        count(*) as cohort_size
    from cohort_members
    group by signup_month
),

active_person_months as (
    select distinct
        person_id,
        activity_month
    from events
    where
        person_status = 'live'
        and activity_type != 'profile_update'
        and occurred_at < {{ as_of_end() }}
),

active_members as (
    select
        cohort_members.signup_month,
        active_person_months.activity_month,
        count(*) as active_users
    from cohort_members
    inner join active_person_months
        on cohort_members.person_id = active_person_months.person_id
    group by cohort_members.signup_month, active_person_months.activity_month
),

final as (
    select
        cohort_months.signup_month,
        cohort_months.months_since_signup,
        coalesce(cohort_sizes.cohort_size, 0) as cohort_size,
        coalesce(active_members.active_users, 0) as active_users,
        {{ percentage(
            'coalesce(active_members.active_users, 0)',
            'coalesce(cohort_sizes.cohort_size, 0)'
        ) }} as retention_pct
    from cohort_months
    left join cohort_sizes
        on cohort_months.signup_month = cohort_sizes.signup_month
    left join active_members
        on
            cohort_months.signup_month = active_members.signup_month
            and cohort_months.activity_month = active_members.activity_month
    where cohort_months.activity_month <= {{ as_of_month() }}
)

select * from final
order by signup_month, months_since_signup
