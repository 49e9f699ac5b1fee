{#- The marts' contracts name their text columns `varchar`, as PostgreSQL
    and DuckDB do; Spark's text type is `string` (its varchar needs a
    length). dbt checks a contract by casting NULL to each declared type,
    through this dispatched macro. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ 'string' if type | lower == 'varchar' else type }})
{%- endmacro %}
