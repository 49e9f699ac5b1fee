{#- Schemas are exactly `staging`, `intermediate`, `mart_tables`, `marts`
    (and `test_failures`) on every target, not dbt's
    `<target schema>_<custom>`, plus the suffix in var schema_suffix: a run
    on PostgreSQL builds into `<schema>__standby` and then swaps the two sets
    of schemas, on Spark into `<schema>__a` or `__b` and then re-points the
    views of `marts`, so readers never see a half-built state; `make dbt`
    builds into `<schema>__dev`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) ~ var('schema_suffix', '') }}
{%- endmacro %}
