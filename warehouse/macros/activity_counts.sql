{#- The count columns shared by the daily and monthly views of one product,
    over `events` (a relation of int_activity_events_unioned rows) grouped
    by period. -#}

{% macro count_persons_doing(events, activity_type) -%}
    count(distinct case
        when {{ events }}.activity_type = '{{ activity_type }}'
            then {{ events }}.person_id
    end)
{%- endmacro %}

{#- dau and mau: authors and counts of live posts and comments -#}
{% macro posts_and_comments_counts(events) -%}
    count(distinct {{ events }}.person_id) as active_users,
    {{ count_persons_doing(events, 'post') }} as posting_users,
    {{ count_persons_doing(events, 'comment') }} as commenting_users,
    count(case when {{ events }}.activity_type = 'post' then 1 end) as posts,
    count(case when {{ events }}.activity_type = 'comment' then 1 end) as comments
{%- endmacro %}

{#- dau_comprehensive and mau_comprehensive: persons by kind of activity -#}
{% macro chemlink_activity_counts(events) -%}
    count(distinct {{ events }}.person_id) as active_users,
    {{ count_persons_doing(events, 'view_access') }} as view_access_users,
    {{ count_persons_doing(events, 'query_vote') }} as query_vote_users,
    {{ count_persons_doing(events, 'collection') }} as collection_users,
    {{ count_persons_doing(events, 'profile_update') }} as profile_update_users
{%- endmacro %}
