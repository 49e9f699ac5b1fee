{#- A source table with the removal its rows may carry: `removed_at` is when
    the pipeline found the row gone from the source (a hard delete), NULL
    while it exists (dlt_pipelines/sources/key_findings.py records them);
    and `change_load_id`, the dlt load that last changed the row or its
    removal, which the incremental models follow. The subquery has an
    alias: PostgreSQL before 16 requires one. -#}
{% macro source_with_removals(source_name, table_name, key='id') -%}
    {{ return(adapter.dispatch('source_with_removals')(
        source_name, table_name, key)) }}
{%- endmacro %}

{#- In two parts, so that an incremental model's filter on change_load_id
    reaches the scan of the raw table (no join decides it): the rows found
    removed, few, and the others, whose change is their own load. -#}
{% macro default__source_with_removals(source_name, table_name, key) -%}
    {%- set source_rows = current_rows(source(source_name, table_name), [key]) -%}
    (
        select
            source_rows.*,
            removals.detected_at as removed_at,
            greatest(source_rows._dlt_load_id, removals._dlt_load_id)
                as change_load_id
        from {{ source_rows }} as source_rows
        inner join {{ removals_of(source_name, table_name) }} as removals
            on {{ is_removal_of(key) }}
        union all
        select
            source_rows.*,
            removals.detected_at as removed_at,
            source_rows._dlt_load_id as change_load_id
        from {{ source_rows }} as source_rows
        left join {{ removals_of(source_name, table_name) }} as removals
            on {{ is_removal_of(key) }}
        where removals.row_id is null
    ) as source_rows_with_removals
{%- endmacro %}

{#- A lake's incremental models read every row (reads_changes_only): one
    join, one pass over the lake's versions. -#}
{% macro spark__source_with_removals(source_name, table_name, key) -%}
    (
        select
            source_rows.*,
            removals.detected_at as removed_at,
            -- greatest() skips NULLs on every engine: rows never found removed
            greatest(source_rows._dlt_load_id, removals._dlt_load_id)
                as change_load_id
        from {{ current_rows(source(source_name, table_name), [key]) }}
            as source_rows
        left join {{ removals_of(source_name, table_name) }} as removals
            on {{ is_removal_of(key) }}
    ) as source_rows_with_removals
{%- endmacro %}

{#- The source table's rows found removed at the source (findings of
    dlt_pipelines/sources/key_findings.py). -#}
{% macro removals_of(source_name, table_name) -%}
    {%- set findings_key = ['table_name', 'row_id', 'finding'] -%}
    (
        select * from {{ current_rows(
            source(source_name, 'source_key_findings'), findings_key
        ) }} as findings
        where
            findings.table_name = '{{ table_name }}'
            and findings.finding = 'removed_at_source'
    )
{%- endmacro %}

{#- The join of a table's rows (source_rows) to their removals (removals). -#}
{% macro is_removal_of(key) -%}
    cast(source_rows.{{ key }} as {{ dbt.type_string() }}) = removals.row_id
{%- endmacro %}

{#- The current rows of a raw table: the table itself where dlt merges each
    row on its key (dispatched). -#}
{% macro current_rows(relation, key_columns) -%}
    {{ return(adapter.dispatch('current_rows')(relation, key_columns)) }}
{%- endmacro %}

{% macro default__current_rows(relation, key_columns) -%}
    {{ relation }}
{%- endmacro %}

{#- A lake keeps every version dlt appended (plain parquet cannot merge):
    the rows the newest load wrote for each key, with their version_rank
    (1; staging names the columns it keeps). -#}
{% macro spark__current_rows(relation, key_columns) -%}
    (
        select * from (
            select
                *,
                row_number() over (
                    partition by {{ key_columns | join(', ') }}
                    order by _dlt_load_id desc
                ) as version_rank
            from {{ relation }}
        ) as versions
        where version_rank = 1
    )
{%- endmacro %}
