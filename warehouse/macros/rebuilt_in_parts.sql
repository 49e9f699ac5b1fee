{#- Marts rebuilt in parts. A mart whose every row is one period of the
    report window (a day or a month), counted from that period's events
    alone, or one person, counted from that person's row and events alone,
    says so in its config:

        rebuilds_by={'column': 'activity_date', 'grain': 'day'}
        rebuilds_by={'column': 'person_id', 'grain': 'person'}

    and reads `ref('int_activity_days_changed')` (a `-- depends_on:` line;
    a mart by person the tracked events and the ChemLink persons too). A
    mart of signup cohorts by the month counted adds `'cohorts': true` and
    reads `ref('int_signup_cohorts_tracked')` too. A build of such a mart
    then rebuilds only the parts that changed since its table was last
    built, and deletes and inserts their rows (macros/precomputed_view.sql)
    in one transaction:

    - by period: the days whose events a load changed (the day an event is
      on and the day it was on before), the periods a new as-of date brings
      into the window, the periods of the old and the new as-of date; the
      periods that left the window are deleted; of a mart of cohorts, also
      every month from the oldest cohort a person joined or left on (its
      members count in every month since);
    - by person: the persons whose events a load changed (the person an
      event is of and the one it was of before) or whose ChemLink row it
      changed; a new as-of date rebuilds every person (their counts end
      with it).

    It rebuilds the whole mart instead where a part could be wrong or would
    not be cheaper: where the table is made anew (--full-refresh, a view or
    table missing, another contract); without the code digest of the run
    (DBT_CODE_DIGEST, which the scheduled run passes) or with another than
    the table was built with; when the table missed a build of the tracked
    events or cohorts (their before-images are then of a state it never
    saw); on Spark (a lake's parquet tables cannot delete rows); and when
    more than half the mart changed (docs/performance.md). What the table
    was built from is its comment, after the fingerprint of its contract:
    `as of <date> through <change_load_id> code <digest>`. -#}

{#- What a build rebuilds: {'column', 'grain', 'rebuilt', 'of', 'unit'} and
    the periods ('periods', the window's 'first' and 'last', Python dates)
    or the persons ('persons', a query of their ids); none to rebuild the
    whole mart. -#}
{% macro rebuild_plan() -%}
    {%- set by = config.get('rebuilds_by') -%}
    {#- the model's SQL asks too, before the materialization: a table made
        anew must get every row -#}
    {%- if not rebuilds_in_parts() or not refills_in_place() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built = built_from(table_comment(mart_storage())) -%}
    {%- if built is none or built.code != run_code_digest() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set changed = changed_days_since(built.through) -%}
    {%- if changed is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if by.grain == 'person' -%}
        {%- set plan = person_plan(by, built) -%}
    {%- elif by.cohorts -%}
        {%- set plan = cohort_plan(by, built, changed) -%}
    {%- else -%}
        {%- set plan = period_plan(by, built, changed) -%}
    {%- endif -%}
    {#- past half the mart, a part costs about what the whole does -#}
    {%- if plan is none or plan.rebuilt * 2 > plan.of -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}

{#- The periods that changed: those of the changed days, of the old and new
    as-of date, and those that entered the window. -#}
{% macro period_plan(by, built, changed_days) -%}
    {%- set window = report_window(by.grain) -%}
    {%- set dirty = [] -%}
    {%- set old_window = report_window(by.grain, built.as_of) -%}
    {%- set moved = [] if built.as_of == as_of_day() else [built.as_of, as_of_day()] -%}
    {%- for day in changed_days + moved -%}
        {%- do dirty.append(period_of_day(day, by.grain)) -%}
    {%- endfor -%}
    {%- for period in window if period not in old_window -%}
        {%- do dirty.append(period) -%}
    {%- endfor -%}
    {%- set periods = window | select('in', dirty) | list -%}
    {{ return({
        'column': by.column, 'grain': by.grain, 'unit': 'periods',
        'rebuilt': periods | length, 'of': window | length,
        'first': window[0], 'last': window[-1], 'periods': periods,
    }) }}
{%- endmacro %}

{#- The months counted by a mart of signup cohorts that changed: those of
    the period plan and every month from the oldest cohort a person joined
    or left on; none when the window moved (a cohort left it: its cells
    would stay) or the cohorts' before-images are of a build the table
    missed. -#}
{% macro cohort_plan(by, built, changed_days) -%}
    {%- set cohorts = cohorts_changed_since(built.through) -%}
    {%- if cohorts is none or report_window(by.grain, built.as_of) != report_window(by.grain) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set plan = period_plan(by, built, changed_days) -%}
    {%- set oldest = cohorts.oldest -%}
    {%- set periods = [] -%}
    {%- for period in report_window(by.grain)
        if period in plan.periods or (oldest is not none and period >= oldest) -%}
        {%- do periods.append(period) -%}
    {%- endfor -%}
    {%- do plan.update({'periods': periods, 'rebuilt': periods | length}) -%}
    {{ return(plan) }}
{%- endmacro %}

{#- The oldest cohort a person joined or left after load `through`
    ({'oldest': a Python date, or none}), or none when one of them had
    changed in a build since that the table missed. -#}
{% macro cohorts_changed_since(through) -%}
    {%- call statement('cohorts_changed', fetch_result=True) -%}
        select
            cast(min(
                case
                    when cohort_month is not distinct from previous_cohort_month then null
                    when cohort_month is null then previous_cohort_month
                    when previous_cohort_month < cohort_month then previous_cohort_month
                    else cohort_month
                end
            ) as {{ dbt.type_string() }}),
            count(case when previous_change_load_id > '{{ through }}' then 1 end)
        from {{ ref('int_signup_cohorts_tracked') }}
        where change_load_id > '{{ through }}'
    {%- endcall -%}
    {%- set oldest, missed = load_result('cohorts_changed').table.rows[0] -%}
    {%- if missed -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({'oldest': modules.datetime.date.fromisoformat(oldest) if oldest else none}) }}
{%- endmacro %}

{#- The persons that changed, counted against the table's rows; none on a
    new as-of date (every person's counts end with it). -#}
{% macro person_plan(by, built) -%}
    {%- if built.as_of != as_of_day() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set persons = changed_persons_since(built.through) -%}
    {%- call statement('person_plan', fetch_result=True) -%}
        select
            (select count(*) from ({{ persons }}) as changed_persons),
            (select count(*) from {{ mart_storage() }})
    {%- endcall -%}
    {%- set counts = load_result('person_plan').table.rows[0] -%}
    {{ return({
        'column': by.column, 'grain': by.grain, 'unit': 'persons',
        'rebuilt': counts[0], 'of': counts[1], 'persons': persons,
    }) }}
{%- endmacro %}

{#- A query of the persons whose events or ChemLink row changed after load
    `through`: the person an event is of and, where a build moved it, the
    one it was of before. -#}
{% macro changed_persons_since(through) -%}
    select person_id from {{ ref('int_activity_events_tracked') }}
    where change_load_id > '{{ through }}'
    union
    select previous_person_id from {{ ref('int_activity_events_tracked') }}
    where change_load_id > '{{ through }}' and previous_person_id is not null
    union
    select person_id from {{ ref('stg_chemlink__persons') }}
    where change_load_id > '{{ through }}'
{%- endmacro %}

{#- Whether a build may rebuild the model in parts: its table keeps what
    it was built from, and the scheduled run passed its code digest. -#}
{% macro rebuilds_in_parts() -%}
    {{ return(keeps_built_from() and run_code_digest() != '') }}
{%- endmacro %}

{#- Whether the model's table keeps what it was built from in its comment:
    the model says how it is rebuilt in parts, and the engine's tables can
    delete rows (Spark's cannot: see above). Every build of it writes the
    comment, so a build by another command (no digest) clears it. -#}
{% macro keeps_built_from() -%}
    {{ return(config.get('rebuilds_by') is not none and adapter.dispatch('deletes_rows')()) }}
{%- endmacro %}

{% macro default__deletes_rows() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__deletes_rows() -%}
    {{ return(false) }}
{%- endmacro %}

{#- The code digest of the scheduled run (builds.code_digest()), '' when
    another command runs dbt. -#}
{% macro run_code_digest() -%}
    {{ return(env_var('DBT_CODE_DIGEST', '') if execute else '') }}
{%- endmacro %}

{% macro period_of_day(day, grain) -%}
    {{ return(day if grain == 'day' else day.replace(day=1)) }}
{%- endmacro %}

{#- What a mart's table was built from, read from its comment (none if the
    comment says nothing of it). -#}
{% macro built_from(comment) -%}
    {%- set found = modules.re.search(
        '; as of ([0-9-]{10}) through (\\S*) code (\\S+)$', comment
    ) -%}
    {%- if not found -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({
        'as_of': modules.datetime.date.fromisoformat(found.group(1)),
        'through': found.group(2),
        'code': found.group(3),
    }) }}
{%- endmacro %}

{#- The comment that says what a mart's table was built from. -#}
{% macro built_from_comment(fingerprint) -%}
    {%- if not rebuilds_in_parts() -%}
        {{ return(fingerprint) }}
    {%- endif -%}
    {%- call statement('changed_through', fetch_result=True) -%}
        select coalesce(max(change_load_id), '')
        from {{ ref('int_activity_days_changed') }}
    {%- endcall -%}
    {%- set through = load_result('changed_through').table.rows[0][0] -%}
    {{ return(fingerprint ~ '; as of ' ~ as_of_day().isoformat()
        ~ ' through ' ~ through ~ ' code ' ~ run_code_digest()) }}
{%- endmacro %}

{#- The days whose events changed after load `through`, or none when the
    tracked events had a build since that the table missed (a build whose
    before-images are of a state newer than the table's). -#}
{% macro changed_days_since(through) -%}
    {%- call statement('changed_days', fetch_result=True) -%}
        select
            changed_day,
            changed_after is null or changed_after <= '{{ through }}' as in_step
        from {{ ref('int_activity_days_changed') }}
        where change_load_id > '{{ through }}' or changed_after > '{{ through }}'
    {%- endcall -%}
    {%- set days = [] -%}
    {%- for changed_day, in_step in load_result('changed_days').table.rows -%}
        {%- if not in_step -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do days.append(changed_day) -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}

{#- A filter on the rows a build rebuilds ('' when it rebuilds them all):
    appended to the report window's filters (macros/calendar.sql) and to
    the persons' of a mart by person. -#}
{% macro only_rebuilt(column, prefix='and') -%}
    {%- set plan = rebuild_plan() -%}
    {%- if plan -%}
        {{ prefix }} {{ in_plan(column, plan) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether `column` is one of the plan's periods or persons. -#}
{% macro in_plan(column, plan) -%}
    {%- if plan.grain == 'person' -%}
        {{ column }} in ({{ plan.persons }})
    {%- else -%}
        {{ in_periods(column, plan.periods) }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of a mart's table a build by `plan` replaces: those it
    rebuilds, and the periods that left the window. -#}
{% macro rows_replaced(plan) -%}
    {{ in_plan(plan.column, plan) }}
    {%- if plan.grain != 'person' %}
    or {{ plan.column }} not between {{ date_literal(plan.first) }}
    and {{ date_literal(plan.last) }}
    {%- endif %}
{%- endmacro %}

{#- Whether `column` is one of `periods` (Python dates; none: false). -#}
{% macro in_periods(column, periods) -%}
    {%- if periods -%}
        {{ column }} in (
            {%- for period in periods -%}
                {{ date_literal(period) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}
