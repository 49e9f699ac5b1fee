{#- The data tests of a scheduled run that builds what changed check what it
    changed. The run passes DBT_TESTS_CHANGED_SINCE, the newest load the
    build held when it was last built and tested (its marker's
    built_through); a test of a model whose meta says `tests_read_changes`
    (its documented change_load_id is the load that last changed the row)
    then reads:
    - a test of each row on its own (not_null, accepted_values,
      is_not_in_the_future): the rows changed since;
    - a test of a key (unique, unique_combination): every row with a key
      that a changed row has (a new row may repeat a key nothing changed).
    Every other test reads every row: a change elsewhere can fail it (an
    orphan after a hard delete, a row count). So do all tests when the
    variable is empty (a build from scratch, --full-refresh), and the tests
    the run names in DBT_TESTS_READ_EVERY_ROW (unique ids, space-separated):
    those that did not pass when the build was last built, so that a
    failure stays reported until its rows change, and a fixed row clears it.
    The variables are read when a test runs, never while dbt parses: they
    change no parse.

    dbt wraps every data test's model in get_where_subquery (its `where`
    config); this is dbt's default with the filter above added. -#}

{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [config.get('where', ''), changed_rows_tested(relation)]
        | select | list -%}
    {%- if not conditions -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}

{% macro changed_rows_tested(relation) -%}
    {%- set since = env_var('DBT_TESTS_CHANGED_SINCE', '') if execute else '' -%}
    {%- set every_row = env_var('DBT_TESTS_READ_EVERY_ROW', '').split() if execute else [] -%}
    {%- set tested = graph.nodes.get(model.attached_node) if since else none -%}
    {%- if not tested
        or model.unique_id in every_row
        or not tested.config.meta.get('tests_read_changes')
        or 'change_load_id' not in tested.columns -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9.]+', since) -%}
        {{ exceptions.raise_compiler_error(
            "DBT_TESTS_CHANGED_SINCE must be a dlt load id, not '" ~ since ~ "'") }}
    {%- endif -%}
    {%- set changed = "change_load_id > '" ~ since ~ "'" -%}
    {%- set test = model.test_metadata -%}
    {%- if test.name in ('not_null', 'accepted_values', 'is_not_in_the_future') -%}
        {{ return(changed) }}
    {%- endif -%}
    {%- set keys = {
        'unique': [test.kwargs.get('column_name')],
        'unique_combination': test.kwargs.get('columns'),
    }.get(test.name) -%}
    {%- if not keys -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(
        '(' ~ keys | join(', ') ~ ') in (select ' ~ keys | join(', ')
        ~ ' from ' ~ relation ~ ' where ' ~ changed ~ ')'
    ) }}
{%- endmacro %}
