"""`make bench`: the benchmark (benchmark.py), the extract-load process it
measures (elt_process.py), and the 11 metrics read live on the sources
(live_metrics.py), which the end-to-end tests also use as an independent
reading of docs/metrics.md."""
