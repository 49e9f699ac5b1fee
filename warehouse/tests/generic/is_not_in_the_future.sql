{#- A timestamp later than now (plus an hour for clock skew) is a bad row:
    a clock or an import went wrong. Severity: var future_timestamp_severity
    (warn, the default: the data is still published; or error). -#}
{% test is_not_in_the_future(model, column_name) %}

{{ config(severity=var('future_timestamp_severity', 'warn')) }}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }}
    > {{ dbt.dateadd('hour', 1, to_utc(dbt.current_timestamp())) }}

{% endtest %}
