"""``python -m sweeps.report``: the results table across runs, read from MLflow.

Baseline vs pooling kinds vs trainable embeddings, per data set: test accuracy and F1, training
time and parameter count, with each run's id to open it in the MLflow UI.
"""

from __future__ import annotations

import argparse
import sys

from sweeps.tracking.results_table import results_table, to_markdown
from sweeps.utils.stores import mlflow_uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sweeps.report", description=__doc__.splitlines()[0])
    parser.add_argument("--tracking-uri", default=mlflow_uri())
    parser.add_argument("--experiment", default="sweeps")
    parser.add_argument("--data", default=None, help="only runs on this data set (imdb, bbc_news ...)")
    parser.add_argument("--include-trials", action="store_true", help="also list every study trial")
    parser.add_argument("--csv", action="store_true", help="CSV instead of a Markdown table")
    args = parser.parse_args(argv)
    try:
        table = results_table(args.tracking_uri, args.experiment, args.data, args.include_trials)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if table.empty:
        print(f"no finished runs with test metrics in experiment '{args.experiment}'", file=sys.stderr)
        return 1
    print(table.to_csv(index=False, float_format="%.4f") if args.csv else to_markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
