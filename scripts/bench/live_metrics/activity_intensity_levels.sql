-- Engagement DB. Persons per month by how many posts + comments they made.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as activity_month
    from generate_series(0, 11) as n
),
levels as (
    select * from (values
        ('Power User', 1, 20, null),
        ('Active User', 2, 10, 19),
        ('Regular User', 3, 5, 9),
        ('Casual User', 4, 1, 4)
    ) as l (intensity_level, level_rank, min_activities, max_activities)
),
events as (
    select created_at at time zone 'UTC' as happened_at, person_id from posts where deleted_at is null
    union all
    select created_at at time zone 'UTC', person_id from comments where deleted_at is null
),
per_person as (
    select date_trunc('month', happened_at)::date as activity_month, person_id, count(*) as activities
    from events where happened_at < %(as_of)s::date + 1
    group by 1, 2
)
select
    months.activity_month,
    levels.intensity_level,
    levels.level_rank,
    count(per_person.person_id) as users,
    coalesce(sum(per_person.activities), 0) as activities
from months
cross join levels
left join per_person
    on per_person.activity_month = months.activity_month
    and per_person.activities >= levels.min_activities
    and per_person.activities <= coalesce(levels.max_activities, per_person.activities)
group by 1, 2, 3
order by 1, 3
