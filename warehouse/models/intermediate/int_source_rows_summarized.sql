-- Per source table: rows made by the end of the as-of date, how many are
-- soft-deleted (deleted_at set) and how many were removed at the source.
-- Tables without deleted_at have no soft deletes: their condition is false.

{%- set source_tables = [
    ('chemlink', 'persons', 'is_deleted'),
    ('chemlink', 'view_access', 'is_deleted'),
    ('chemlink', 'query_votes', 'false'),
    ('chemlink', 'collections', 'is_deleted'),
    ('chemlink', 'query_embeddings', 'false'),
    ('engagement', 'posts', 'is_deleted'),
    ('engagement', 'comments', 'is_deleted'),
    ('engagement', 'mentions', 'false'),
    ('engagement', 'reports', 'false'),
    ('engagement', 'groups', 'is_deleted'),
    ('engagement', 'group_members', 'is_deleted'),
] %}

with

{% for source_name, table_name, soft_deleted in source_tables %}
    {{ table_name }} as (
        select * from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
    ),
{% endfor %}

unioned as (
    {%- for source_name, table_name, soft_deleted in source_tables %}
        select
            '{{ source_name }}' as source_name,
            '{{ table_name }}' as source_table,
            {{ soft_deleted != 'false' }} as has_soft_delete,
            count(*) as row_count,
            count(case when {{ soft_deleted }} then 1 end) as soft_deleted_rows,
            count(case when is_removed then 1 end) as removed_at_source_rows
        from {{ table_name }}
        where created_at < {{ as_of_end() }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
