{#- platform_dau and platform_mau: real people active in either product.
    `activity` holds one row per person and period with flags used_chemlink
    and used_engagement (1 or 0). -#}
{% macro platform_counts(activity) -%}
    count({{ activity }}.person_id) as active_users,
    count(case when {{ activity }}.used_chemlink = 1 then 1 end) as chemlink_users,
    count(
        case when {{ activity }}.used_engagement = 1 then 1 end
    ) as engagement_users,
    count(
        case
            when
                {{ activity }}.used_chemlink = 1
                and {{ activity }}.used_engagement = 1
                then 1
        end
    ) as both_users
{%- endmacro %}
