"""Repair studies: try the fixes a diagnosis proposes, with several seeds, and keep one only if it
measurably helps.

The broken configuration is re-run with the same seeds as every candidate, so "better" is
measured against seed noise, not against one lucky or unlucky run. A fix is accepted when

- its mean best validation accuracy beats the broken runs' by more than ``min_gain`` and by more
  than two standard errors of the difference of the two means, and
- none of its seeds is diagnosed with the label it was meant to fix.

Each candidate is one trial of an Optuna study (grid over the candidates, value = mean
validation accuracy) and every training run is an MLflow child of one repair parent run.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from statistics import mean, stdev

import optuna
from omegaconf import DictConfig, OmegaConf

from mlflow import MlflowClient

from sweeps.app import train
from sweeps.config import validate_config
from sweeps.diagnosis.diagnoser import diagnose
from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.findings import Diagnosis
from sweeps.diagnosis.fixes import apply_fix
from sweeps.repair.report import log_repair_report
from sweeps.study.storage import load_or_create_study, open_storage
from sweeps.tracking import MlflowRun
from sweeps.tracking.run_history import run_data_metrics, run_history

log = logging.getLogger("sweeps.repair")


@dataclass
class CandidateResult:
    label: str
    fix: str
    val_acc: list[float]
    labels: list[list[str]]
    histories: list[list[dict]] = field(default_factory=list)
    accepted: bool = False
    gain: float = float("nan")
    noise: float = float("nan")


@dataclass
class RepairReport:
    broken: CandidateResult
    candidates: list[CandidateResult]
    parent_run_id: str

    @property
    def accepted(self) -> CandidateResult | None:
        good = [c for c in self.candidates if c.accepted]
        return max(good, key=lambda c: mean(c.val_acc)) if good else None


def _train(config: DictConfig, seed: int, parent_run_id: str, name: str):
    cfg = config.copy()
    OmegaConf.update(cfg, "seed", seed)
    OmegaConf.update(cfg, "tracking.run_name", f"{name}-s{seed}")
    validate_config(cfg)
    return train(cfg, parent_run_id=parent_run_id)


def _measure(config: DictConfig, label: str, fix: str, seeds: list[int], parent_run_id: str, num_classes: int,
             name: str) -> CandidateResult:
    result = CandidateResult(label, fix, [], [])
    client = MlflowClient(config.tracking.uri)
    for seed in seeds:
        run = _train(config, seed, parent_run_id, name)
        history = run_history(client, run.run_id)
        result.val_acc.append(run.metrics["best/val/acc"])
        facts = RunFacts(num_classes=num_classes, data=run_data_metrics(client, run.run_id))
        result.labels.append(diagnose(history, config.diagnosis, num_classes, facts=facts).labels)
        result.histories.append(history)
    return result


def _judge(candidate: CandidateResult, broken: CandidateResult, min_gain: float) -> None:
    k = len(candidate.val_acc)
    spread = lambda xs: stdev(xs) if len(xs) > 1 else 0.0  # noqa: E731
    candidate.gain = mean(candidate.val_acc) - mean(broken.val_acc)
    candidate.noise = 2 * math.sqrt((spread(candidate.val_acc) ** 2 + spread(broken.val_acc) ** 2) / k)
    cured = all(candidate.label not in labels for labels in candidate.labels)
    candidate.accepted = cured and candidate.gain > max(min_gain, candidate.noise)


def repair(run_id: str, broken_config: DictConfig, diagnosis: Diagnosis, seeds: int, num_classes: int,
           storage: str, min_gain: float = 0.005) -> RepairReport:
    """Run the broken config and every candidate fix with ``seeds`` seeds; judge each fix."""
    base = broken_config.copy()
    OmegaConf.update(base, "trainer.resume_from", None)
    seed_list = [int(base.seed) + i for i in range(seeds)]
    # A relative fix ("key=*f") whose key the run had no number for stays unresolved: skip it.
    candidates = [(label, fix) for label in diagnosis.labels for fix in diagnosis.fixes.get(label, [])
                  if "=*" not in fix]
    # Named by the run and the candidate list: repairing again with other fixes (new thresholds,
    # an edited fix list) starts its own study instead of clashing with the old one's choices.
    digest = hashlib.sha1("\n".join(fix for _, fix in candidates).encode()).hexdigest()[:6]
    study_name = f"repair-{run_id[:8]}-{digest}"
    with MlflowRun(base.tracking.uri, base.tracking.experiment, run_name=study_name,
                   tags={"sweeps.repair_of": run_id, "diagnosis.labels": diagnosis.tag_labels}) as parent:
        log.info("repair %s: broken config x %d seeds, then %d candidate fixes", run_id, seeds, len(candidates))
        broken = _measure(base, "broken", "", seed_list, parent.run_id, num_classes, "broken")
        study = load_or_create_study(open_storage(storage), study_name, ["maximize"])
        space = {"candidate": optuna.distributions.CategoricalDistribution(list(range(len(candidates))))}
        results = []
        for index, (label, fix) in enumerate(candidates):
            study.enqueue_trial({"candidate": index})  # every candidate once, in order
            trial = study.ask(space)
            trial.set_user_attr("fix", fix)
            trial.set_user_attr("label", label)
            config = apply_fix(base, fix)
            result = _measure(config, label, fix, seed_list, parent.run_id, num_classes, f"fix{index}")
            _judge(result, broken, min_gain)
            trial.set_user_attr("accepted", result.accepted)
            study.tell(trial, mean(result.val_acc))
            results.append(result)
            log.info("  %s: val acc %.4f (%+.4f, noise %.4f) labels %s -> %s", fix, mean(result.val_acc),
                     result.gain, result.noise, result.labels, "ACCEPTED" if result.accepted else "rejected")
        report = RepairReport(broken, results, parent.run_id)
        log_repair_report(parent, report, run_id)
        return report
