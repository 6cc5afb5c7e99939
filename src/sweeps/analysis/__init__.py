"""What a finished run's predictions say: per-class scores, error categories, the most confident
mistakes, attention highlights and 2-D projections of what the network learned."""

from sweeps.analysis.errors import ErrorAnalysis, analyse_errors
from sweeps.analysis.per_class import per_class_table

__all__ = ["ErrorAnalysis", "analyse_errors", "per_class_table"]
