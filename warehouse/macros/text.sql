{#- The text at `key` of a JSON object stored as text (NULL if absent).
    The engines spell it differently, so it is dispatched. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    cast({{ column }} as json) ->> '{{ key }}'
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}

{#- The text a regular expression's group `number` matched, in a
    replacement: \1 on PostgreSQL and DuckDB, $1 on Spark (where \1 is
    silently the text "1"). -#}
{% macro regexp_group(number) -%}
    {{ return(adapter.dispatch('regexp_group')(number)) }}
{%- endmacro %}

{% macro default__regexp_group(number) -%}
    \{{ number }}
{%- endmacro %}

{% macro spark__regexp_group(number) -%}
    ${{ number }}
{%- endmacro %}
