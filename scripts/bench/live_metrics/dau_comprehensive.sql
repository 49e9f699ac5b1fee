-- ChemLink DB. Live persons active by UTC day, last 30 days, by kind of activity.
with days as (
    select %(as_of)s::date - n as activity_date from generate_series(0, 29) as n
),
live_persons as (
    select * from persons where deleted_at is null
),
events as (
    select v.person_id, v.created_at as happened_at, 'view_access' as kind
    from view_access as v where v.deleted_at is null
    union all
    select q.voter_id, q.created_at, 'query_vote' from query_votes as q
    union all
    select c.person_id, c.created_at, 'collection' from collections as c where c.deleted_at is null
    union all
    select p.id, p.updated_at, 'profile_update' from persons as p where p.updated_at > p.created_at
),
live_events as (
    select events.person_id, (events.happened_at at time zone 'UTC')::date as activity_date, kind
    from events join live_persons on live_persons.id = events.person_id
)
select
    days.activity_date,
    count(distinct live_events.person_id) as active_users,
    count(distinct live_events.person_id) filter (where kind = 'view_access') as view_access_users,
    count(distinct live_events.person_id) filter (where kind = 'query_vote') as query_vote_users,
    count(distinct live_events.person_id) filter (where kind = 'collection') as collection_users,
    count(distinct live_events.person_id) filter (where kind = 'profile_update') as profile_update_users
from days left join live_events using (activity_date)
group by 1
order by 1
