"""``sweeps.tracking.callbacks`` on a real MLflow store: the per-epoch curves and confusion images,
and the decision-boundary image that a diverged model skips with its reason."""

from __future__ import annotations

import numpy as np
import torch
from mlflow.tracking import MlflowClient

from sweeps.models import TextClassifier
from sweeps.tracking import MlflowRun
from sweeps.tracking.callbacks import DecisionBoundaryLogger, MlflowEpochLogger
from sweeps.training import EpochReport, Evaluation


def _report(epoch: int) -> EpochReport:
    confusion = np.array([[5, 1], [2, 4]])
    evaluation = Evaluation(0.5, {"acc": 0.75, "confusion": confusion}, np.zeros(12), np.zeros(12, dtype=int))
    return EpochReport(epoch, {"train/loss": 1.0 / epoch, "val/acc": 0.5 + epoch / 10}, evaluation,
                       step_metrics=[(epoch * 10 - 5, {"lr_step": 0.1}), (epoch * 10, {"lr_step": 0.05})])


def _images(client: MlflowClient, run_id: str, key: str) -> list[str]:
    return [a.path for a in client.list_artifacts(run_id, "images") if key in a.path and a.path.endswith(".png")]


def _steps(images: list[str]) -> list[int]:
    """The step each logged image carries (MLflow names them ``<key>+step+<n>+timestamp+...``)."""
    return sorted(int(p.split("+step+")[1].split("+")[0]) for p in images)


def test_each_epoch_logs_its_curves_the_sampled_steps_and_every_nth_confusion_image(tracking_store, experiment):
    with MlflowRun(tracking_store, experiment) as run:
        logger = MlflowEpochLogger(run, ["neg", "pos"], confusion_every=2)
        for epoch in (1, 2, 3, 4):
            logger.on_epoch_end(_report(epoch))
    client = MlflowClient(tracking_store)
    assert [(m.step, m.value) for m in client.get_metric_history(run.run_id, "train/loss")] == \
        [(e, 1.0 / e) for e in (1, 2, 3, 4)]
    assert [m.value for m in client.get_metric_history(run.run_id, "epoch")] == [1, 2, 3, 4]
    assert [(m.step, m.value) for m in client.get_metric_history(run.run_id, "lr_step")][:2] == [(5, 0.1), (10, 0.05)]
    # Epochs 2 and 4 only, each image logged with its step.
    assert _steps(_images(client, run.run_id, "val_confusion")) == [2, 4]


def test_confusion_every_zero_logs_no_images(tracking_store, experiment):
    with MlflowRun(tracking_store, experiment) as run:
        MlflowEpochLogger(run, ["neg", "pos"], confusion_every=0).on_epoch_end(_report(1))
    assert _images(MlflowClient(tracking_store), run.run_id, "val_confusion") == []


def test_decision_boundary_is_drawn_on_the_first_and_every_nth_epoch(tracking_store, experiment):
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    model = TextClassifier(2, [4], 2)
    model.train()
    with MlflowRun(tracking_store, experiment) as run:
        logger = DecisionBoundaryLogger(run, model, x, y, every=3)
        for epoch in range(1, 7):
            logger.on_epoch_end(_report(epoch))
    assert model.training  # drawing put the model back in training mode
    images = _images(MlflowClient(tracking_store), run.run_id, "decision_boundary")
    assert _steps(images) == [1, 3, 6]


def test_a_diverged_model_skips_the_image_once_with_the_reason(tracking_store, experiment):
    model = TextClassifier(2, [4], 2)
    with torch.no_grad():
        model.head.weight.fill_(float("nan"))
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    with MlflowRun(tracking_store, experiment) as run:
        logger = DecisionBoundaryLogger(run, model, x, (x[:, 0] > 0).astype(int))
        for epoch in (1, 2, 3):
            logger.on_epoch_end(_report(epoch))
    client = MlflowClient(tracking_store)
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED" and _images(client, run.run_id, "decision_boundary") == []
    assert got.data.tags["sweeps.skipped.decision_boundary"] == "the model's outputs hold NaN or inf (a diverged model?)"
