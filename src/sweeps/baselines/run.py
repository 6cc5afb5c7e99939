"""``model=logreg_tfidf`` as a tracked run: same split, same metrics and artifacts as a network."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sweeps.baselines.tfidf_logreg import fit_tfidf_logreg
from sweeps.data import load_rows, make_splits
from sweeps.tracking import flatten_config
from sweeps.tracking.analysis_artifacts import log_prediction_analysis
from sweeps.tracking.run_setup import RunResult, open_run
from sweeps.training import EpochReport, Evaluation

log = logging.getLogger("sweeps")


def train_tfidf_logreg(cfg: DictConfig, callbacks: list | None = None, *,
                       parent_run_id: str | None = None) -> RunResult:
    """Fit, evaluate on val and test, record. ``callbacks`` see one "epoch" (the fit), so a study
    trial gets its validation value reported like any other run's."""
    rows = load_rows(cfg, Path(cfg.paths.runs_dir) / "cache" / "hf")
    splits = make_splits(rows, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed, cfg.data.subset)
    k = splits.num_classes
    with open_run(cfg, parent_run_id=parent_run_id) as run:
        for callback in callbacks or []:
            if hasattr(callback, "on_run_start"):
                callback.on_run_start(run.run_id)
        run.log_params(flatten_config(OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)))
        model = fit_tfidf_logreg(cfg, splits)
        train, val, test = (model.evaluate(s, k) for s in (splits.train, splits.val, splits.test))
        log.info("tf-idf logreg: %d features, fitted in %.1fs", len(model.vectorizer.vocabulary_), model.train_time_s)
        epoch = {"train/loss": train["loss"], "train/acc": train["metrics"]["acc"], "val/loss": val["loss"],
                 "val/acc": val["metrics"]["acc"], "val/f1": val["metrics"]["f1"]}
        report = EpochReport(1, epoch, Evaluation(val["loss"], val["metrics"], val["probs"], val["preds"]),
                             is_best=True)
        for callback in callbacks or []:
            callback.on_epoch_end(report)
        final = {
            **epoch, "test/loss": test["loss"], "test/acc": test["metrics"]["acc"],
            "test/precision": test["metrics"]["precision"], "test/recall": test["metrics"]["recall"],
            "test/f1": test["metrics"]["f1"], "best/val/loss": val["loss"], "best/val/acc": val["metrics"]["acc"],
            "best_epoch": 1, "stopped_epoch": 1, "time/train_s": model.train_time_s,
            "final/train/acc": train["metrics"]["acc"], "model/parameters": model.parameters,
            "data/train_size": len(splits.train), "data/val_size": len(splits.val), "data/test_size": len(splits.test),
            "data/dropped_rows": rows.dropped.get("total", 0),
        }
        run.log_metrics(final, step=1)
        run.set_tags({"stop_reason": "fitted", "stopped_epoch": 1})
        run.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
        log_prediction_analysis(run, splits.class_names, splits.test.labels, test["preds"], test["probs"],
                                test["metrics"]["confusion"], splits.test.texts, model.oov_rates(splits.test),
                                errors=cfg.tracking.analysis)
        coef = model.classifier.coef_
        names = model.vectorizer.get_feature_names_out()
        if coef.shape[0] == 1:
            order = np.argsort(coef[0])
            run.log_dict({"most_negative": names[order[:30]].tolist(), "most_positive": names[order[-30:]][::-1].tolist()},
                         "analysis/top_features.json")
        return RunResult(run_id=run.run_id, experiment_id=run.experiment_id, metrics=final, best_epoch=1,
                         stopped_epoch=1, stop_reason="fitted", tracking_uri=cfg.tracking.uri, run_url=run.run_url())
