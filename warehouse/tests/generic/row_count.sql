{#- Fails unless the model has exactly `expected` rows (a zero-filled window
    has one row per period and category, whatever the data). -#}
{% test row_count(model, expected) %}

with

counted as (
    select count(*) as actual from {{ model }}
)

select actual from counted
where actual != {{ expected }}

{% endtest %}
