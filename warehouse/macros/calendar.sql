{#- UTC calendar helpers. Timestamps are UTC `timestamp`s from staging on. -#}

{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- DuckDB: the instant's microseconds since the epoch, as a timestamp, the
    same value without a time zone conversion per row (ten times faster
    than `at time zone`, which goes through ICU). -#}
{% macro duckdb__to_utc(column) -%}
    make_timestamp(epoch_us({{ column }}))
{%- endmacro %}

{#- Spark's timestamp is an instant, shown in the session's zone, which the
    profile sets to UTC (server_side_parameters) -#}
{% macro spark__to_utc(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro day_of(column) -%}
    cast({{ column }} as date)
{%- endmacro %}

{% macro month_of(column) -%}
    cast({{ dbt.date_trunc('month', column) }} as date)
{%- endmacro %}

{#- The report window: the 30 days ending with as-of, or the 12 months
    ending with month(as-of). Its length and first day (a Python date) are
    computed here alone; the window's rows and the filter below read them. -#}
{% macro report_length(grain) -%}
    {{ return({'day': 30, 'month': 12}[grain]) }}
{%- endmacro %}

{% macro report_first_day() -%}
    {{ return(as_of_day() - modules.datetime.timedelta(days=report_length('day') - 1)) }}
{%- endmacro %}

{% macro report_first_month() -%}
    {%- set as_of = as_of_day() -%}
    {%- set first = as_of.year * 12 + as_of.month - report_length('month') -%}
    {{ return(modules.datetime.date(first // 12, first % 12 + 1, 1)) }}
{%- endmacro %}

{#- One row per day of the report window (of the days a build rebuilds,
    macros/changed_periods.sql). -#}
{% macro report_days(column) -%}
    select * from (
        select
            cast(
                {{ dbt.dateadd(
                    'day', 'generated_number - 1', date_literal(report_first_day())
                ) }} as date
            ) as {{ column }}
        from ({{ dbt.generate_series(report_length('day')) }}) as day_numbers
    ) as window_days
    {{ only_changed_periods(column, 'where') }}
{%- endmacro %}

{#- One row per month of the report window, each as its first day (of the
    months a build rebuilds). -#}
{% macro report_months(column) -%}
    select * from (
        select
            cast(
                {{ dbt.dateadd(
                    'month', 'generated_number - 1', date_literal(report_first_month())
                ) }} as date
            ) as {{ column }}
        from ({{ dbt.generate_series(report_length('month')) }}) as month_numbers
    ) as window_months
    {{ only_changed_periods(column, 'where') }}
{%- endmacro %}

{#- Whether a day (or a month's first day) is in the report window (and
    among the periods a build rebuilds): a filter on the marts' events, so
    that an engine reads the window's rows only (the bounds are constants:
    DuckDB skips the row groups outside them), whatever the history holds. -#}
{% macro in_report_days(column) -%}
    {{ column }} between {{ date_literal(report_first_day()) }} and {{ as_of_date() }}
    {{ only_changed_periods(column) }}
{%- endmacro %}

{% macro in_report_months(column) -%}
    {{ column }} between {{ date_literal(report_first_month()) }} and {{ as_of_month() }}
    {{ only_changed_periods(column) }}
{%- endmacro %}

{#- The instant of a Unix time (seconds, with a fraction) held as text, as
    dlt's load ids are. -#}
{% macro unix_time_to_timestamp(column) -%}
    {{ return(adapter.dispatch('unix_time_to_timestamp')(column)) }}
{%- endmacro %}

{% macro default__unix_time_to_timestamp(column) -%}
    {{ to_utc("to_timestamp(cast(" ~ column ~ " as double precision))") }}
{%- endmacro %}

{% macro spark__unix_time_to_timestamp(column) -%}
    timestamp_micros(cast(cast({{ column }} as decimal(20, 6)) * 1000000 as bigint))
{%- endmacro %}
