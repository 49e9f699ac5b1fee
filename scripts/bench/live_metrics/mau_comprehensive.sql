-- ChemLink DB. Live persons active by UTC month, last 12 months, by kind of activity.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as activity_month
    from generate_series(0, 11) as n
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
    select
        events.person_id,
        date_trunc('month', events.happened_at at time zone 'UTC')::date as activity_month,
        kind
    from events join live_persons on live_persons.id = events.person_id
    where (events.happened_at at time zone 'UTC') < %(as_of)s::date + 1
)
select
    months.activity_month,
    count(distinct live_events.person_id) as active_users,
    count(distinct live_events.person_id) filter (where kind = 'view_access') as view_access_users,
    count(distinct live_events.person_id) filter (where kind = 'query_vote') as query_vote_users,
    count(distinct live_events.person_id) filter (where kind = 'collection') as collection_users,
    count(distinct live_events.person_id) filter (where kind = 'profile_update') as profile_update_users
from months left join live_events using (activity_month)
group by 1
order by 1
