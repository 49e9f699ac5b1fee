{#- round(100 * part / whole, 2) as numeric(12, 2), NULL when whole is 0,
    rounding halves away from zero on every engine. -#}
{% macro percentage(part, whole) -%}
    {{ return(adapter.dispatch('percentage')(part, whole)) }}
{%- endmacro %}

{% macro default__percentage(part, whole) -%}
    cast(round(100.0 * ({{ part }}) / nullif({{ whole }}, 0), 2) as numeric(12, 2))
{%- endmacro %}

{#- DuckDB divides decimals in floating point, where 0.285 rounds to 0.28;
    integer arithmetic keeps the result exact, as PostgreSQL's numeric does. -#}
{% macro duckdb__percentage(part, whole) -%}
    case when ({{ whole }}) <> 0 then cast(
        sign({{ part }})
        * ((abs({{ part }}) * 20000 + ({{ whole }})) // (2 * ({{ whole }})))
        / 100.0
        as numeric(12, 2)
    ) end
{%- endmacro %}
