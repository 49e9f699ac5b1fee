{#- The incremental models follow dlt's loads. Every staging row carries
    change_load_id, the load that last changed it (or found it removed at
    the source); an incremental model keeps the newest change_load_id it
    has seen, and a build reads only the staging rows changed since. On the
    first build and on --full-refresh, `changed_rows()` selects every row. -#}

{% macro changed_rows(prefix='where') -%}
    {%- if is_incremental() -%}
        {{ prefix }} change_load_id > (
            select coalesce(max(change_load_id), '') from {{ this }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the tracked events: a person's standing in ChemLink (live,
    deleted, missing, unsynced) can change without any of their events
    changing; this brings every event of such a person up to date. -#}
{% macro update_person_status(events) -%}
    update {{ events }} as events
    set person_status = persons.person_status
    from {{ ref('int_persons_unioned') }} as persons
    where
        events.person_id = persons.person_id
        and events.person_status != persons.person_status
{%- endmacro %}
