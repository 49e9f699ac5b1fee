"""`make dashboard`: one self-contained HTML page charting the marts, with
each chart's definition and source taken from the marts' dbt properties."""
