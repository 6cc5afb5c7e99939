"""One row per finished run, read back from MLflow: the comparison table of the README."""

from __future__ import annotations

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import ViewType

COLUMNS = ["data", "model", "embeddings", "pooling", "test/acc", "test/f1", "train_s", "parameters", "run"]


def _model_label(run) -> str:
    """What a reader compares: the baseline, or the network's pooling and embeddings kind."""
    tags, params = run.data.tags, run.data.params
    kind = tags.get("sweeps.model", "mlp")
    if kind == "logreg_tfidf":
        return (f"tf-idf {'uni+bigram' if params.get('model.ngrams') == '2' else 'unigram'} logreg "
                f"C={float(params.get('model.C', 1)):g}")
    hidden = params.get("model.hidden_dims", "[]")
    extras = {"2": " +bigrams", "3": " +trigrams"}.get(params.get("model.ngrams", "1"), "")
    weighting = f" {params.get('model.token_weighting')}" if kind == "mlp-trainable" else ""
    trained = "trainable" if kind == "mlp-trainable" else "frozen"
    return f"mlp {hidden} ({trained}{weighting}{extras})"


def results_table(tracking_uri: str, experiment: str, data: str | None = None,
                  include_trials: bool = False) -> pd.DataFrame:
    """Finished runs of ``experiment``, best test accuracy first within each data set.

    Study trials are left out unless asked for: a study is summarised by its parent run."""
    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise LookupError(f"no MLflow experiment named '{experiment}' at {tracking_uri}")
    rows = []
    for run in client.search_runs([found.experiment_id], "attributes.status = 'FINISHED'", ViewType.ACTIVE_ONLY,
                                  max_results=5000):
        tags, params, metrics = run.data.tags, run.data.params, run.data.metrics
        if "test/acc" not in metrics or (not include_trials and "optuna.trial_number" in tags):
            continue
        if data and tags.get("sweeps.data") != data:
            continue
        rows.append({
            "data": tags.get("sweeps.data", "?"), "model": _model_label(run),
            "embeddings": "-" if tags.get("sweeps.model") == "logreg_tfidf" else tags.get("sweeps.embeddings", "?"),
            "pooling": "-" if tags.get("sweeps.model") == "logreg_tfidf" else params.get("model.pooling", "?"),
            "test/acc": metrics["test/acc"], "test/f1": metrics.get("test/f1", float("nan")),
            "train_s": metrics.get("time/train_s", float("nan")),
            "parameters": int(metrics.get("model/parameters", 0)), "run": run.info.run_id[:8],
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["data", "test/acc"], ascending=[True, False], ignore_index=True)


def to_markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in table.itertuples(index=False):
        cells = [f"{v:.4f}" if isinstance(v, float) and c.startswith("test") else
                 f"{v:.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
                 for c, v in zip(COLUMNS, row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
