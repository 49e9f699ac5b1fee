{#- A source table with the removal its rows may carry: `removed_at` is when
    the pipeline found the row gone from the source (a hard delete), NULL
    while it exists. dlt_pipelines/removed_rows.py keeps the markers. -#}
{% macro source_with_removals(source_name, table_name, key='id') -%}
    (
        select
            source_rows.*,
            removed_rows.detected_at as removed_at
        from {{ source(source_name, table_name) }} as source_rows
        left join {{ source(source_name, 'rows_removed_at_source') }} as removed_rows
            on
                removed_rows.table_name = '{{ table_name }}'
                and cast(source_rows.{{ key }} as {{ dbt.type_string() }})
                = removed_rows.row_id
    )
{%- endmacro %}
