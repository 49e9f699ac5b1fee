-- Live ChemLink signups per UTC month, every month up to the as-of date
-- (months without signups have no row; the marts zero-fill their windows).

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

final as (
    select
        {{ month_of('signed_up_at') }} as signup_month,
        count(*) as new_users
    from persons
    where is_live and signed_up_at < {{ as_of_end() }}
    group by {{ month_of('signed_up_at') }}
)

select * from final
