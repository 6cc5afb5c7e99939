"""The study loop behind the Hydra sweeper.

Each worker (this process, extra processes from ``n_jobs``, or the same command started on other
machines) repeats: count finished trials in the shared storage, stop at ``n_trials``, otherwise
ask for one trial and launch it as a Hydra job. Pulling one trial at a time means a free worker
never waits for a slow sibling, and counting from storage means a re-run resumes instead of
starting over.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import optuna
from optuna.trial import TrialState

from sweeps.errors import SweepsError
from sweeps.study.mlflow_parent import log_study_summary, open_parent_run
from sweeps.study.samplers import build_pruner, build_sampler
from sweeps.study.space import SearchSpace, parse_search_space
from sweeps.study.storage import load_or_create_study, open_storage
from sweeps.study.trial_link import HEARTBEAT_ATTR, PRUNER_ATTR

log = logging.getLogger("sweeps.study")
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class StudyFailed(SweepsError):
    """Most trials failed: continuing would only burn time."""


@dataclass
class SweepSettings:
    """``hydra.sweeper`` as plain values."""

    n_trials: int = 20
    n_jobs: int = 1
    storage: str = "sqlite:///runs/optuna.db"
    study_name: str | None = None
    direction: list[str] = field(default_factory=lambda: ["maximize"])
    objective: list[str] = field(default_factory=lambda: ["best/val/acc"])
    report_metric: str | None = None
    sampler: str = "tpe"
    seed: int | None = 0
    sampler_options: dict[str, Any] = field(default_factory=dict)
    pruner: str = "median"
    pruner_options: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    max_failure_fraction: float = 0.5
    heartbeat_interval: float = 10.0
    grace_period: float = 60.0

    def per_epoch_metric(self) -> str:
        """The objective itself by default: ``best/val/acc`` reports the best val/acc so far."""
        return self.report_metric or self.objective[0]


def default_study_name(space: SearchSpace, settings: SweepSettings) -> str:
    """Same search + objective -> same name, so re-running a command finds its study."""
    text = "|".join([space.describe(), ",".join(settings.objective), ",".join(settings.direction)])
    return f"sweeps-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def finite_size(space: SearchSpace) -> int | None:
    size = 1
    for dist in space.distributions.values():
        if isinstance(dist, optuna.distributions.CategoricalDistribution):
            size *= len(dist.choices)
        elif isinstance(dist, optuna.distributions.IntDistribution):
            size *= (dist.high - dist.low) // dist.step + 1
        else:
            return None
    return size


def fail_stale_trials(study: optuna.Study, storage, grace_period: float, mlflow_uri: str | None) -> list[int]:
    """RUNNING trials whose heartbeat stopped (a killed worker) become FAIL, their MLflow runs KILLED."""
    now, stale = time.time(), []
    study_id = storage.get_study_id_from_name(study.study_name)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        beat = trial.user_attrs.get(HEARTBEAT_ATTR) or (trial.datetime_start.timestamp() if trial.datetime_start else now)
        if now - beat <= grace_period:
            continue
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        try:
            storage.set_trial_user_attr(trial_id, "fail_reason", "stale: worker stopped (no heartbeat)")
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception:  # another worker got there first
            continue
        stale.append(trial.number)
        run_id = trial.user_attrs.get("mlflow_run_id")
        if run_id and mlflow_uri:
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=mlflow_uri)
            if client.get_run(run_id).info.status == "RUNNING":
                client.set_terminated(run_id, status="KILLED")
    if stale:
        log.warning("marked stale trials FAIL (their worker died): %s", stale)
    return stale


def _same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (math.isclose(a[k], b[k]) if isinstance(a[k], float) and isinstance(b[k], float) else a[k] == b[k]) for k in a)


def share_cores(n_jobs: int) -> dict[str, str]:
    """Give each of ``n_jobs`` workers on this machine its share of the cores, for this process
    and the environment of the workers it starts. torch's default of one thread per core in every
    worker oversubscribes the machine, and the small models of a study then run several times
    slower (2 workers x 2 threads on 2 cores). A thread count the user set wins: the
    environment's OMP_NUM_THREADS here, ``trainer.num_threads`` in the job."""
    env = dict(os.environ)
    if "OMP_NUM_THREADS" not in env:
        share = max(1, (os.cpu_count() or 1) // n_jobs)
        env["OMP_NUM_THREADS"] = str(share)
        import torch

        torch.set_num_threads(share)
    return env


class StudyRunner:
    def __init__(self, settings: SweepSettings, launch, tracking: dict[str, Any], arguments: Sequence[str]) -> None:
        """``launch(overrides, job_idx)`` runs one Hydra job and returns its JobReturn."""
        self.settings, self.launch, self.tracking = settings, launch, tracking
        self.space = parse_search_space(list(arguments), settings.params)
        if len(settings.direction) != len(settings.objective):
            raise SweepsError(f"hydra.sweeper.direction has {len(settings.direction)} entries but "
                              f"hydra.sweeper.objective has {len(settings.objective)}")
        self.name = settings.study_name or default_study_name(self.space, settings)
        # Check sampler and pruner settings before anything is written to the storage.
        build_sampler(settings.sampler, settings.seed, self.space.distributions, settings.sampler_options)
        build_pruner(settings.pruner, settings.pruner_options)
        self.storage = open_storage(settings.storage)
        self.study = load_or_create_study(self.storage, self.name, list(settings.direction))
        if self.study.metric_names is None:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # experimental API: names the objectives in the dashboard
                self.study.set_metric_names(list(settings.objective))
        existing = len(self.study.get_trials(deepcopy=False))
        # Seed from the study's history: a resumed run or a second worker does not replay the
        # first one's random start-up points.
        seed = None if settings.seed is None else settings.seed + existing * 7919
        self.study.sampler = build_sampler(settings.sampler, seed, self.space.distributions, settings.sampler_options)
        self.study.set_user_attr(PRUNER_ATTR, {"name": settings.pruner, "options": dict(settings.pruner_options)})
        self.exhausted = False
        size = finite_size(self.space)
        self.target = settings.n_trials if size is None else min(settings.n_trials, size)
        if self.target < settings.n_trials:
            log.info("the search space has only %d points: running %d trials", size, self.target)

    # -- one trial -----------------------------------------------------------------------------
    def _ask(self) -> optuna.trial.Trial | None:
        """Ask for a trial whose params were never tried and whose slot is still free.

        None once a finite space is exhausted. One read of the storage serves both checks.
        """
        for _ in range(20):
            trial = self.study.ask(self.space.distributions)
            trials = self.study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.RUNNING))
            active = sorted(t.number for t in trials)
            if trial.number in active and active.index(trial.number) >= self.target:
                # Two workers passed the count check at once; the later trial number yields the slot.
                self._discard(trial, "surplus: another worker took the last slot")
                return None
            twin = next((t for t in trials if t.number != trial.number and _same_params(t.params, trial.params)), None)
            if twin is None:
                return trial
            self._discard(trial, f"duplicate of trial {twin.number}; resampled")
            self.study.sampler.reseed_rng()
        self.exhausted = True
        return None

    def _discard(self, trial: optuna.trial.Trial, reason: str) -> None:
        trial.set_user_attr("fail_reason", reason)
        self.study.tell(trial, state=TrialState.FAIL)

    def _link_overrides(self, trial: optuna.trial.Trial, parent_run_id: str) -> list[str]:
        s = self.settings
        return [f"optuna_trial.storage={s.storage}", f"optuna_trial.study_name={self.name}",
                f"optuna_trial.number={trial.number}", f"optuna_trial.report_metric={s.per_epoch_metric()}",
                f"optuna_trial.parent_run_id={parent_run_id}", f"optuna_trial.heartbeat_interval={s.heartbeat_interval}"]

    def _tell(self, trial: optuna.trial.Trial, job_return) -> TrialState:
        try:
            result = job_return.return_value
        except Exception as exc:  # the job raised: record why, keep sweeping
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            trial.set_user_attr("fail_reason", reason)
            self.study.tell(trial, state=TrialState.FAIL)
            log.warning("trial %d failed: %s", trial.number, reason)
            return TrialState.FAIL
        if result.get("stop_reason") in ("pruned", "diverged"):
            trial.set_user_attr("pruned_reason", result["stop_reason"])
            trial.set_user_attr("pruned_at_epoch", result.get("stopped_epoch"))
            self.study.tell(trial, state=TrialState.PRUNED)
            return TrialState.PRUNED
        values = [result.get(name, float("nan")) for name in self.settings.objective]
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            trial.set_user_attr("fail_reason", f"objective {self.settings.objective} not finite: {values}")
            self.study.tell(trial, state=TrialState.FAIL)
            return TrialState.FAIL
        self.study.tell(trial, values=values)
        return TrialState.COMPLETE

    # -- the loop ---------------------------------------------------------------------------------
    def _check_failures(self, trials) -> None:
        failed = [t for t in trials if t.state == TrialState.FAIL
                  and not str(t.user_attrs.get("fail_reason", "")).startswith(("duplicate", "stale", "surplus"))]
        finished = [t for t in trials if t.state in FINISHED]
        if len(failed) >= 3 and len(failed) > self.settings.max_failure_fraction * (len(failed) + len(finished)):
            reasons = sorted({str(t.user_attrs.get("fail_reason", "?")) for t in failed})
            raise StudyFailed(f"study '{self.name}': {len(failed)} of {len(failed) + len(finished)} trials failed; "
                              f"stopping. First reason: {reasons[0]}")

    def run_worker(self, parent_run_id: str) -> None:
        while True:
            fail_stale_trials(self.study, self.storage, self.settings.grace_period, self.tracking["uri"])
            trials = self.study.get_trials(deepcopy=False)
            finished = sum(t.state in FINISHED for t in trials)
            running = sum(t.state == TrialState.RUNNING for t in trials)
            self._check_failures(trials)
            if finished >= self.target:
                return
            if finished + running >= self.target:
                time.sleep(min(2.0, self.settings.heartbeat_interval))  # others hold the last slots
                continue
            trial = self._ask()
            if trial is None:
                if self.exhausted:
                    log.info("search space exhausted after %d trials", finished)
                    return
                continue
            overrides = self.space.trial_overrides(trial.params) + self._link_overrides(trial, parent_run_id)
            try:
                job_return = self.launch(overrides, trial.number)
            except BaseException:
                trial.set_user_attr("fail_reason", "interrupted")
                self.study.tell(trial, state=TrialState.FAIL)
                raise
            state = self._tell(trial, job_return)
            log.info("trial %d %s %s", trial.number, state.name, trial.params)

    def spawn_workers(self, argv: list[str], log_dir: Path) -> list[subprocess.Popen]:
        """``n_jobs > 1``: the same command in extra processes on the same storage."""
        procs = []
        log_dir.mkdir(parents=True, exist_ok=True)
        env = share_cores(self.settings.n_jobs)
        for worker in range(1, self.settings.n_jobs):
            out = open(log_dir / f"worker-{worker}.log", "w")
            cmd = [sys.executable, *argv, "hydra.sweeper.n_jobs=1", f"hydra.sweeper.study_name={self.name}"]
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env))
        return procs

    def run(self, argv: list[str] | None = None, log_dir: Path | None = None) -> dict:
        parent = open_parent_run(self.study, self.tracking["uri"], self.tracking["experiment"],
                                 self.tracking.get("artifact_location"))
        workers = self.spawn_workers(argv, log_dir) if self.settings.n_jobs > 1 and argv else []
        try:
            if not parent.client.get_run(parent.run_id).data.params:  # first worker of this study
                parent.log_params({"study_name": self.name, "sampler": self.settings.sampler,
                                   "pruner": self.settings.pruner, "n_trials": self.target,
                                   "objective": ",".join(self.settings.objective),
                                   "direction": ",".join(self.settings.direction), "storage": self.settings.storage,
                                   **{f"space.{k}": repr(v) for k, v in self.space.distributions.items()}})
            self.run_worker(parent.run_id)
            for proc in workers:
                proc.wait()
            summary = log_study_summary(parent, self.study, self.settings.objective)
        except BaseException as exc:
            for proc in workers:
                proc.terminate()
            parent.__exit__(type(exc), exc, None)
            raise
        parent.__exit__(None, None, None)
        summary.update({"study_name": self.name, "parent_run_id": parent.run_id, "storage": self.settings.storage,
                        "experiment_id": parent.experiment_id, "study_id": self.storage.get_study_id_from_name(self.name)})
        return summary
