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
