-- Of the live persons who signed up in each month, how many took a first
-- action (anything in either product but a profile update) within 7 and
-- within 30 days. Actions after the as-of date do not count, so the latest
-- cohorts are still filling up.

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

-- a first action after the as-of date had not happened yet
first_actions as (
    select * from {{ ref('int_first_actions_after_signup') }}
    where first_action_at < {{ as_of_end() }}
),

report_months as (
    {{ report_months('signup_month') }}
),

signups as (
    select
        persons.person_id,
        {{ month_of('persons.signed_up_at') }} as signup_month,
        first_actions.first_action_at
        < {{ dbt.dateadd('day', 7, 'persons.signed_up_at') }}
            as is_activated_within_7_days,
        first_actions.first_action_at
        < {{ dbt.dateadd('day', 30, 'persons.signed_up_at') }}
            as is_activated_within_30_days
    from persons
    left join first_actions
        on persons.person_id = first_actions.person_id
    where persons.is_live and persons.signed_up_at < {{ as_of_end() }}
),

cohorts as (
    select
        report_months.signup_month,
        count(signups.person_id) as signups,
        count(
            case when signups.is_activated_within_7_days then 1 end
        ) as activated_within_7_days,
        count(
            case when signups.is_activated_within_30_days then 1 end
        ) as activated_within_30_days
    from report_months
    left join signups
        on report_months.signup_month = signups.signup_month
    group by report_months.signup_month
),

final as (
    select
        signup_month,
        signups,
        activated_within_7_days,
        activated_within_30_days,
        {{ percentage('activated_within_7_days', 'signups') }}
            as activation_rate_7_days_pct,
        {{ percentage('activated_within_30_days', 'signups') }}
            as activation_rate_30_days_pct
    from cohorts
)

select * from final
order by signup_month
