{#- Schemas are exactly `staging`, `intermediate`, `marts` (and
    `test_failures`) on every target, not dbt's `<target schema>_<custom>`.
    A run on PostgreSQL builds into `<schema>__build` (var schema_suffix) and
    then swaps the new schemas in, so readers never see a half-built state. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) ~ var('schema_suffix', '') }}
{%- endmacro %}
