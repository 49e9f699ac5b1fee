-- One row per UTC day, the calendar MetricFlow joins metrics to: it
-- zero-fills periods without rows and places a period's previous one (the
-- growth rate's offset). It covers the years any as-of date can report on.

{{ config(materialized='table') }}

with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('2000-01-01' as date)",
        "cast('2051-01-01' as date)",
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
