{#- The incremental models follow dlt's loads. Every staging row carries
    change_load_id, the load that last changed it (or found it removed at
    the source); an incremental model keeps the newest change_load_id it
    has seen, and a build reads only the staging rows changed since. On the
    first build and on --full-refresh, `changed_rows()` selects every row.

    A lake's plain parquet tables cannot delete or update rows: on Spark an
    incremental model is computed whole and overwrites its table
    (insert_overwrite); reads_changes_only() says which of the two a build
    does. -#}

{% macro reads_changes_only() -%}
    {{ return(adapter.dispatch('reads_changes_only')()) }}
{%- endmacro %}

{% macro default__reads_changes_only() -%}
    {{ return(is_incremental()) }}
{%- endmacro %}

{% macro spark__reads_changes_only() -%}
    {{ return(false) }}
{%- endmacro %}

{#- How an incremental model writes what it computed: replaces the rows of
    the keys it read (delete+insert), or on Spark the table. -#}
{% macro changes_strategy() -%}
    {{ return(adapter.dispatch('changes_strategy')()) }}
{%- endmacro %}

{% macro default__changes_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__changes_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro changed_rows(prefix='where') -%}
    {%- if reads_changes_only() -%}
        {{ prefix }} change_load_id > (
            select coalesce(max(change_load_id), '') from {{ this }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the tracked events: a person's standing in ChemLink (live,
    deleted, missing, unsynced) can change without any of their events
    changing; this brings every event of such a person up to date, as
    changed by the newest load (what a mart rebuilt by period reads). -#}
{% macro update_person_status(events) -%}
    {%- if reads_changes_only() -%}
    update {{ events }} as events
    set
        person_status = persons.person_status,
        change_load_id = (
            select max(load_id) from {{ ref('int_source_loads_unioned') }}
        )
    from {{ ref('int_persons_unioned') }} as persons
    where
        events.person_id = persons.person_id
        and events.person_status != persons.person_status
    {%- endif -%}
{%- endmacro %}
