with

collections as (
    select * from {{ ref('stg_chemlink__collections') }}
),

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

report_months as (
    {{ report_months('created_month') }}
),

privacy_settings as (
    select
        'PUBLIC' as privacy,
        1 as privacy_order
    union all
    select
        'PRIVATE' as privacy,
        2 as privacy_order
),

live_collections as (
    select
        {{ month_of('collections.created_at') }} as created_month,
        -- made before the setting shipped: the application treats it as PRIVATE
        coalesce(collections.privacy, 'PRIVATE') as privacy,
        collections.chemlink_person_id
    from collections
    inner join persons
        on collections.chemlink_person_id = persons.chemlink_person_id
    where
        not collections.is_deleted
        and not collections.is_removed
        and persons.is_live
        and collections.created_at < {{ as_of_end() }}
),

final as (
    select
        report_months.created_month,
        privacy_settings.privacy,
        privacy_settings.privacy_order,
        count(live_collections.chemlink_person_id) as collections,
        count(
            distinct live_collections.chemlink_person_id
        ) as creators
    from report_months
    cross join privacy_settings
    left join live_collections
        on
            report_months.created_month
            = live_collections.created_month
            and privacy_settings.privacy = live_collections.privacy
    group by
        report_months.created_month,
        privacy_settings.privacy,
        privacy_settings.privacy_order
)

select
    created_month,
    privacy,
    collections,
    creators
from final
order by created_month, privacy_order
