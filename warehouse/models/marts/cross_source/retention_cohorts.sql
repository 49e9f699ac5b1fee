-- For each signup month of the window (live persons), how many were active
-- (anything in either product but a profile update) in each calendar month
-- since, up to the as-of month: month 0 is the signup month itself.
--
-- Rebuilt by the month counted: a build recomputes only the months whose
-- events changed, the as-of month on a new as-of date, and every month from
-- the oldest cohort a person joined or left on; the whole mart when the
-- window moves to another month (macros/rebuilt_in_parts.sql).

{{ config(rebuilds_by={
    'column': 'activity_month', 'grain': 'month', 'cohorts': true,
}) }}
-- depends_on: {{ ref('int_activity_days_changed') }}
-- depends_on: {{ ref('int_signup_cohorts_tracked') }}

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

activity_months as (
    {{ report_months('activity_month') }}
),

months_since as (
    select cast(generated_number - 1 as {{ dbt.type_int() }}) as months_since
    from ({{ dbt.generate_series(12) }}) as month_numbers
),

-- each month counted, and each signup month of the window up to it
cohort_months as (
    select * from (
        select
            cast(
                {{ dbt.dateadd(
                    'month', '-1 * months_since.months_since', 'activity_months.activity_month'
                ) }} as date
            ) as signup_month,
            months_since.months_since as months_since_signup,
            activity_months.activity_month
        from activity_months
        cross join months_since
    ) as cells
    where signup_month >= {{ date_literal(report_window('month')[0]) }}
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
        and {{ in_report_months('activity_month') }}
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
        cohort_months.activity_month,
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
)

select * from final
order by signup_month, months_since_signup
