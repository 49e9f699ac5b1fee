-- Several source rows sharing a primary key: the load keeps one of them, so
-- the rest would be lost without a word. The pipeline's key comparison finds
-- them (source_key_findings); this test reports them. Its severity is the
-- var source_contract_severity (error: nothing is published).
{{ config(severity=var('source_contract_severity', 'error')) }}

with

chemlink_findings as (
    select * from {{ source('chemlink', 'source_key_findings') }}
),

engagement_findings as (
    select * from {{ source('engagement', 'source_key_findings') }}
),

duplicates as (
    select
        'chemlink' as source_name,
        table_name,
        row_id,
        copies
    from chemlink_findings
    where finding = 'duplicate_at_source' and not is_cleared
    union all
    select
        'engagement' as source_name,
        table_name,
        row_id,
        copies
    from engagement_findings
    where finding = 'duplicate_at_source' and not is_cleared
)

select * from duplicates
