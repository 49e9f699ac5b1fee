-- Each live ChemLink person's first action after signing up: anything done
-- in either product except a profile update, up to the end of the as-of
-- date. Persons who never acted have no row.

with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

actions_after_signup as (
    select
        persons.person_id,
        events.activity_type,
        events.occurred_at,
        row_number() over (
            partition by persons.person_id
            order by events.occurred_at, events.activity_type
        ) as action_number
    from persons
    inner join events
        on
            persons.person_id = events.person_id
            and persons.signed_up_at <= events.occurred_at
    where
        persons.is_live
        and events.activity_type != 'profile_update'
        and events.occurred_at < {{ as_of_end() }}
),

final as (
    select
        person_id,
        activity_type as first_action_type,
        occurred_at as first_action_at
    from actions_after_signup
    where action_number = 1
)

select * from final
