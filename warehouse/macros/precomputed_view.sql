{#- A view that answers at once: the model's rows are computed when dbt
    builds, into a table of schema `mart_tables`, and the view in the model's
    own schema (marts) reads that table (a reader that needs an order sorts:
    a view over a table promises none). BI tools see views with contracts; a
    query costs a scan of a few dozen rows, not an aggregation over every
    event.

    A build replaces the table's rows in place, keeping the view and its
    comments, as long as the mart's contract and descriptions are those the
    table was made for (their fingerprint begins the table's comment);
    otherwise, and on --full-refresh, it makes the table and the view anew
    and stores the descriptions as comments (persist_docs). A mart rebuilt
    in parts replaces the rows of the periods or persons that changed alone,
    where it can (macros/rebuilt_in_parts.sql). -#}
{% materialization precomputed_view, default %}

    {%- set target_view = this.incorporate(type='view') -%}
    {%- set storage = mart_storage() -%}
    {%- set fingerprint = mart_fingerprint(model) -%}
    {%- set in_place = refills_in_place() -%}
    {%- set changed = rebuild_plan() if in_place else none -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% if changed %}
        {{ get_assert_columns_equivalent(sql) }}
        {{ log(this.identifier ~ ': rebuilt ' ~ changed.rebuilt ~ ' of '
            ~ changed.of ~ ' ' ~ changed.unit, info=True) }}
        {% call statement('main') -%}
            delete from {{ storage }} where {{ rows_replaced(changed) }}
        {%- endcall %}
        {% call statement('insert_rows') -%}
            insert into {{ storage }} {{ get_select_subquery(sql) }}
        {%- endcall %}
    {% elif in_place %}
        {{ get_assert_columns_equivalent(sql) }}
        {#- truncate, not delete: the table fills again in the model's order,
            as a table made anew does -#}
        {% call statement('main') -%}
            truncate table {{ storage }}
        {%- endcall %}
        {% call statement('insert_rows') -%}
            insert into {{ storage }} {{ get_select_subquery(sql) }}
        {%- endcall %}
    {% else %}
        {% do adapter.create_schema(storage) %}
        {{ drop_relation_if_exists(load_cached_relation(target_view)) }}
        {{ drop_relation_if_exists(load_cached_relation(storage)) }}
        {% call statement('main') -%}
            {{ get_create_table_as_sql(False, storage, sql) }}
        {%- endcall %}
        {% call statement('publish_view') -%}
            create view {{ target_view }} as select * from {{ storage }}
        {%- endcall %}
        {% do persist_docs(target_view, model) %}
    {% endif %}
    {% if not in_place or keeps_built_from() %}
        {% call statement('fingerprint') -%}
            comment on table {{ storage }} is '{{ built_from_comment(fingerprint) }}'
        {%- endcall %}
    {% endif %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_view, storage]}) }}

{% endmaterialization %}

{#- Whether a build refills the mart's table in place: not a
    --full-refresh, its view and table are there, and the table was made
    for the mart's contract and descriptions (their fingerprint begins its
    comment). -#}
{% macro refills_in_place() -%}
    {%- set storage = mart_storage() -%}
    {{ return(not should_full_refresh()
        and load_cached_relation(this.incorporate(type='view')) is not none
        and load_cached_relation(storage) is not none
        and table_comment(storage).split('; ')[0] == mart_fingerprint(model)) }}
{%- endmacro %}

{#- The table a mart's view reads, in schema mart_tables. -#}
{% macro mart_storage() -%}
    {{ return(api.Relation.create(
        database=this.database,
        schema=generate_schema_name('mart_tables', model),
        identifier=this.identifier,
        type='table',
    )) }}
{%- endmacro %}

{#- What the table and its view were made for: the contract (columns and
    types) and the descriptions stored as comments. -#}
{% macro mart_fingerprint(model) -%}
    {%- set descriptions = [model.description] -%}
    {%- for column in model.columns.values() -%}
        {%- do descriptions.append(column.name ~ ':' ~ column.description) -%}
    {%- endfor -%}
    {{ return('precomputed ' ~ local_md5(
        model.contract.checksum ~ descriptions | join('|')
    )) }}
{%- endmacro %}

{#- The comment on a table, '' when it has none. -#}
{% macro table_comment(relation) -%}
    {{ return(adapter.dispatch('table_comment')(relation)) }}
{%- endmacro %}

{% macro default__table_comment(relation) -%}
    {%- call statement('table_comment', fetch_result=True) -%}
        select coalesce(obj_description(
            to_regclass('{{ relation.schema }}.{{ relation.identifier }}'),
            'pg_class'
        ), '')
    {%- endcall -%}
    {{ return(load_result('table_comment').table.rows[0][0]) }}
{%- endmacro %}

{% macro duckdb__table_comment(relation) -%}
    {%- call statement('table_comment', fetch_result=True) -%}
        select coalesce(max(comment), '')
        from duckdb_tables()
        where
            database_name = '{{ relation.database }}'
            and schema_name = '{{ relation.schema }}'
            and table_name = '{{ relation.identifier }}'
    {%- endcall -%}
    {{ return(load_result('table_comment').table.rows[0][0]) }}
{%- endmacro %}

{% macro spark__table_comment(relation) -%}
    {%- call statement('table_comment', fetch_result=True) -%}
        show tblproperties {{ relation }}
    {%- endcall -%}
    {%- for row in load_result('table_comment').table.rows
        if row[0] == 'comment' -%}
        {{ return(row[1]) }}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
