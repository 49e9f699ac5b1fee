{#- The report date (a UTC day) and the instant it ends. Every metric ignores
    events at or after `as_of_end()`. The date is the dbt var `as_of_date`,
    else DBT_AS_OF_DATE (the run passes it so), else today. The environment
    variable is read only when a model runs, never while dbt parses: a new
    date changes no parse, so dbt keeps its partial parse (a var would make
    it parse the whole project again). -#}

{% macro as_of_day() -%}
    {%- set passed = env_var('DBT_AS_OF_DATE', '') if execute else '' -%}
    {%- set value = var('as_of_date') or passed or run_started_at.strftime('%Y-%m-%d') -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value | string) -%}
        {{ exceptions.raise_compiler_error(
            "as_of_date must be a date like 2025-11-03, not '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(value | string)) }}
{%- endmacro %}

{% macro as_of_date() -%}
    {{ date_literal(as_of_day()) }}
{%- endmacro %}

{% macro as_of_month() -%}
    {{ date_literal(as_of_day().replace(day=1)) }}
{%- endmacro %}

{#- A Python date as a SQL date literal. -#}
{% macro date_literal(day) -%}
    cast('{{ day.isoformat() }}' as date)
{%- endmacro %}

{% macro as_of_end() -%}
    {%- set next_day = as_of_day() + modules.datetime.timedelta(days=1) -%}
    cast('{{ next_day.isoformat() }} 00:00:00' as timestamp)
{%- endmacro %}
