"""Real training runs for the curve galleries, recorded in MLflow like any other run."""

from __future__ import annotations

from sweeps.app import RunResult, train
from sweeps.config import compose_config
from sweeps.gallery._context import GalleryContext


def toy_run(ctx: GalleryContext, experiment: str, overrides: list[str]) -> tuple[RunResult, list[dict]]:
    """Train on a toy set; return the result and its per-epoch history read back from MLflow."""
    from mlflow.tracking import MlflowClient

    cfg = compose_config([f"paths.runs_dir={ctx.runs_dir}", f"tracking.uri={ctx.tracking_uri}",
                          f"tracking.experiment={experiment}", "tracking.confusion_every=0",
                          "trainer.early_stopping.patience=0", *overrides])
    result = train(cfg)
    client = MlflowClient(tracking_uri=ctx.tracking_uri)
    keys = ("train/loss", "val/loss", "train/acc", "val/acc", "epoch_time_s")
    columns = {k: [m.value for m in sorted(client.get_metric_history(result.run_id, k), key=lambda m: m.step)]
               for k in keys}
    history = [dict(zip(keys, values)) for values in zip(*columns.values())]
    return result, history
