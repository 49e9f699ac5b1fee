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
    ending with month(as-of). Its periods (Python dates) are computed here
    alone; the window's rows and the filter below read them. -#}
{% macro report_length(grain) -%}
    {{ return({'day': 30, 'month': 12}[grain]) }}
{%- endmacro %}

{#- The periods of the report window ending with `as_of` (default: the
    as-of date), oldest first, as Python dates (a month as its first day). -#}
{% macro report_window(grain, as_of=none) -%}
    {%- set as_of = as_of or as_of_day() -%}
    {%- set periods = [] -%}
    {%- for back in range(report_length(grain) - 1, -1, -1) -%}
        {%- if grain == 'day' -%}
            {%- do periods.append(as_of - modules.datetime.timedelta(days=back)) -%}
        {%- else -%}
            {%- set month = as_of.year * 12 + as_of.month - 1 - back -%}
            {%- do periods.append(modules.datetime.date(month // 12, month % 12 + 1, 1)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(periods) }}
{%- endmacro %}

{#- One row per period of the report window (of the periods a build
    rebuilds, macros/rebuilt_in_parts.sql), a month as its first day;
    metrics left-join their counts onto it, so the window is zero-filled. -#}
{% macro report_periods(column, grain) -%}
    select * from (
        select
            cast(
                {{ dbt.dateadd(
                    grain, 'generated_number - 1', date_literal(report_window(grain)[0])
                ) }} as date
            ) as {{ column }}
        from ({{ dbt.generate_series(report_length(grain)) }}) as period_numbers
    ) as window_periods
    {{ only_rebuilt(column, 'where') }}
{%- endmacro %}

{% macro report_days(column) -%}
    {{ report_periods(column, 'day') }}
{%- endmacro %}

{% macro report_months(column) -%}
    {{ report_periods(column, 'month') }}
{%- endmacro %}

{#- Whether a day (or a month's first day) is in the report window (and
    among the periods a build rebuilds): a filter on the marts' events, so
    that an engine reads the window's rows only (the bounds are constants:
    DuckDB skips the row groups outside them), whatever the history holds. -#}
{% macro in_report_window(column, grain) -%}
    {%- set window = report_window(grain) -%}
    {{ column }} between {{ date_literal(window[0]) }} and {{ date_literal(window[-1]) }}
    {{ only_rebuilt(column) }}
{%- endmacro %}

{% macro in_report_days(column) -%}
    {{ in_report_window(column, 'day') }}
{%- endmacro %}

{% macro in_report_months(column) -%}
    {{ in_report_window(column, 'month') }}
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
