{#- UTC calendar helpers. Timestamps are UTC `timestamp`s from staging on. -#}

{% macro to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro day_of(column) -%}
    cast({{ column }} as date)
{%- endmacro %}

{% macro month_of(column) -%}
    cast({{ dbt.date_trunc('month', column) }} as date)
{%- endmacro %}

{#- One row per day of the report window: the `days` days ending with as-of. -#}
{% macro report_days(column, days=30) -%}
    select
        cast(
            {{ dbt.dateadd('day', '1 - generated_number', as_of_date()) }} as date
        ) as {{ column }}
    from ({{ dbt.generate_series(days) }}) as day_numbers
{%- endmacro %}

{#- One row per month of the report window: the `months` months ending with
    month(as-of), each as its first day. -#}
{% macro report_months(column, months=12) -%}
    select
        cast(
            {{ dbt.dateadd('month', '1 - generated_number', as_of_month()) }} as date
        ) as {{ column }}
    from ({{ dbt.generate_series(months) }}) as month_numbers
{%- endmacro %}
