"""The inputs and fit steps of an estimator run (``model=logreg_tfidf``, or any ``model`` class
with sklearn's ``fit`` rather than a ``torch.nn.Module``).

:func:`sweeps.app.train` records an estimator with the same steps as a network: same tags,
params, ``data/*`` metrics, final metrics, artifacts and result. Only what is here differs: the
inputs are the token splits (no word vectors to build), and the fit is one call, reported to the
run's callbacks as epoch 1, so a study trial's reporter, the live diagnosis and the epoch logger
see it as they see a network's epoch.

An estimator offers ``fit(splits)`` (returns self), ``evaluate(split, num_classes)`` ->
``{"loss", "metrics", "probs", "preds"}`` and ``parameters``; ``oov_rates(split)`` (per document)
and ``top_features()`` (a JSON-able dict, or None) when it has them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig

from sweeps.data import load_rows, make_splits
from sweeps.data.splits import Splits
from sweeps.features import quality
from sweeps.training import EpochReport, Evaluation, FitResult, StopTraining
from sweeps.training.outcome import FitOutcome, RunInputs
from sweeps.utils.instantiate import instantiate_with

if TYPE_CHECKING:
    from sweeps.tracking.mlflow_run import MlflowRun

_SPLITS = ("train", "val", "test")


def token_splits(cfg: DictConfig) -> tuple[Splits, dict[str, float]]:
    """The run's train/val/test token lists (the same split as a network's) and the seconds spent
    (``load_rows_s``, ``tokenize_s``, the names the features step uses)."""
    start = time.perf_counter()
    rows = load_rows(cfg, Path(cfg.paths.runs_dir) / "cache" / "hf")
    loaded = time.perf_counter()
    splits = make_splits(rows, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed, cfg.data.subset)
    return splits, {"load_rows_s": loaded - start, "tokenize_s": time.perf_counter() - loaded}


def token_inputs(splits: Splits, timings: dict[str, float]) -> RunInputs:
    """What the run records about token inputs: the sizes, the class count, OOV rates (share of a
    split's tokens the training split never shows) and ``data/inputs_empty_docs`` (training
    documents without a token). The vector checks do not apply: there are no vectors."""
    seen = {t for doc in splits.train.tokens for t in doc}
    summary = {f"data/{name}_size": float(len(getattr(splits, name))) for name in _SPLITS}
    summary["data/num_classes"] = float(splits.num_classes)
    for name in _SPLITS:
        tokens = [t for doc in getattr(splits, name).tokens for t in doc]
        summary[f"data/oov_rate_{name}"] = sum(t not in seen for t in tokens) / len(tokens) if tokens else 0.0
    empty = quality.empty_fraction(np.asarray([len(doc) for doc in splits.train.tokens]))
    summary[quality.EMPTY_DOCS] = empty
    summary.update({f"time/{k}": v for k, v in timings.items()})
    warning = ""
    if empty > quality.MAX_EMPTY_DOCS:
        warning = (f"uninformative inputs: {100 * empty:.0f}% of training documents have no token "
                   f"(> {100 * quality.MAX_EMPTY_DOCS:.0f}%): is data.text_column the text?")
    return RunInputs(class_names=list(splits.class_names), summary=summary, warning=warning,
                     test_labels=splits.test.labels, test_texts=splits.test.texts)


def _evaluation(scored: dict) -> Evaluation:
    return Evaluation(scored["loss"], scored["metrics"], scored["probs"], scored["preds"])


def build_estimator(cfg: DictConfig) -> Any:
    """``cfg.model`` built with the run's seed (``cfg.seed``), not fitted: an object with ``fit(splits)``,
    ``evaluate(split, num_classes)`` and ``parameters`` (:class:`~sweeps.baselines.TfidfLogreg`)."""
    return instantiate_with(cfg.model, offered={"seed": int(cfg.seed)})


class EstimatorFit:
    """The fit step of an estimator: built from ``cfg.model`` with the run's seed, fitted once on
    the training split, scored on train/val (epoch 1, shown to ``callbacks``) and test.

    ``callbacks`` may raise :class:`sweeps.training.StopTraining` (a pruner): the fit is done by
    then, so its reason becomes the stop reason and the run is recorded as usual.
    """

    device = "cpu"

    def __init__(self, cfg: DictConfig, splits: Splits, callbacks: list) -> None:
        self.splits, self.callbacks = splits, callbacks
        self.model = build_estimator(cfg)

    def ran_params(self) -> dict[str, Any]:
        """Values that differ from the configured ones as the fit ran: none for an estimator."""
        return {}

    def fit(self) -> FitOutcome:
        splits, k = self.splits, self.splits.num_classes
        start = time.perf_counter()
        self.model.fit(splits)
        fitted_s = time.perf_counter() - start
        train, val = self.model.evaluate(splits.train, k), self.model.evaluate(splits.val, k)
        metrics = {"train/loss": train["loss"], "train/acc": train["metrics"]["acc"], "val/loss": val["loss"],
                   "val/acc": val["metrics"]["acc"], "val/f1": val["metrics"]["f1"],
                   "epoch_time_s": time.perf_counter() - start}
        report = EpochReport(1, metrics, _evaluation(val), is_best=True)
        stop_reason = "fitted"
        try:
            for callback in self.callbacks:
                callback.on_epoch_end(report)
        except StopTraining as request:
            stop_reason = request.reason
        fit = FitResult(history=[report.metrics], best_epoch=1, best_value=val["loss"], stopped_epoch=1,
                        stop_reason=stop_reason, best_state={}, train_time_s=fitted_s)
        oov = self.model.oov_rates(splits.test) if hasattr(self.model, "oov_rates") else None
        return FitOutcome(fit=fit, test=_evaluation(self.model.evaluate(splits.test, k)),
                          train_acc=train["metrics"]["acc"], parameters=int(self.model.parameters),
                          test_doc_oov=oov)

    def log_artifacts(self, run: "MlflowRun") -> None:
        """What the estimator tells about itself (``analysis/top_features.json`` for TF-IDF)."""
        top = self.model.top_features() if hasattr(self.model, "top_features") else None
        if top is not None:
            run.log_dict(top, "analysis/top_features.json")

    def log_extras(self, run: "MlflowRun", figures: bool) -> None:
        """Nothing: projections and attention pages read a network's layers."""
