"""Why a run trains badly: instrumentation, rules, the report, repair studies, the pruner."""

from sweeps.diagnosis.counts import label_counts, study_tags, summary_line

__all__ = ["label_counts", "study_tags", "summary_line"]
