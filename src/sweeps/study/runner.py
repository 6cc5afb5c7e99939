"""The study loop behind the Hydra sweeper.

Each worker (this process, extra processes from ``n_jobs``, or the same command started on other
machines) repeats: recover stale trials, count finished trials in the shared storage, stop at
``n_trials``, otherwise ask for a trial and launch it as a Hydra job. Pulling one trial at a time
means a free worker never waits for a slow sibling, and counting from storage means a re-run
resumes instead of starting over. A study in memory (``storage: null``) cannot be shared by
processes: there ``n_jobs`` trials are launched together as one launcher batch, as
hydra-optuna-sweeper does (in parallel with the joblib or submitit launchers).

Everything that can be refused is refused before the study, its MLflow parent run or any trial
exists: the search space, sampler and pruner, overrides whose keys the app's config lacks, and a
changed search space for an existing named study.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import optuna
from omegaconf import OmegaConf
from optuna.trial import TrialState

from sweeps.errors import SweepsError
from sweeps.study import _storage_adapter as adapter
from sweeps.study.context import StudyLink
from sweeps.study.job import WORKER_ATTR, PrunedResult, forget_local, register_local, trial_env_override
from sweeps.study.liveness import beat, fail_stale_trials
from sweeps.study.objective import ObjectiveError, ObjectiveMissing, objective_values
from sweeps.study.samplers import build_pruner, build_sampler
from sweeps.study.settings import StudySettings
from sweeps.study.space import SearchSpace, parse_search_space
from sweeps.study.storage import absolute_url, load_or_create_study, open_storage
from sweeps.utils.signals import Interrupted

log = logging.getLogger("sweeps.study")
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
SPACE_ATTR = "sweeps.space"
# FAILs that say nothing about the objective: not counted against max_failure_rate.
_BOOKKEEPING = ("duplicate", "stale", "surplus", "interrupted")

# launch(list of override lists, first job number) -> list of Hydra JobReturns
Launch = Callable[[list[list[str]], int], list]


class StudyFailed(SweepsError):
    """The study stopped: too many trials failed, or no trial can return its objective."""


@dataclass
class MlflowTarget:
    uri: str
    experiment: str
    artifact_location: Optional[str] = None


def default_study_name(space: SearchSpace, settings: StudySettings) -> str:
    """Same search + objective -> same name, so re-running a command finds its stored study."""
    text = "|".join([space.describe(), ",".join(settings.objectives()), ",".join(settings.directions())])
    return f"sweeps-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def finite_size(space: SearchSpace) -> int | None:
    """Points in a fully discrete space; None when any parameter is continuous (or none exists)."""
    if not space.distributions:
        return None
    size = 1
    for dist in space.distributions.values():
        if isinstance(dist, optuna.distributions.CategoricalDistribution):
            size *= len(dist.choices)
        elif isinstance(dist, optuna.distributions.IntDistribution) and not dist.log:
            size *= (dist.high - dist.low) // dist.step + 1
        elif isinstance(dist, optuna.distributions.FloatDistribution) and dist.step is not None:
            size *= int(round((dist.high - dist.low) / dist.step)) + 1
        else:
            return None
    return size


def tell(study: optuna.Study, trial, **kwargs) -> None:
    """``study.tell``; GridSampler calls ``study.stop()`` once its grid is used up, which Optuna
    refuses outside ``study.optimize`` *after* storing the result: that refusal is harmless here."""
    try:
        study.tell(trial, **kwargs)
    except RuntimeError as exc:
        if "Study.stop" not in str(exc):
            raise


def counted(trial) -> bool:
    """Trials that use up ``n_trials``: complete, pruned, and failed in the job itself. A FAIL that
    says nothing of the trial's point (stale, interrupted, duplicate, surplus) is run again."""
    if trial.state in FINISHED:
        return True
    return trial.state == TrialState.FAIL and "fail_reason" in trial.user_attrs and \
        not str(trial.user_attrs["fail_reason"]).startswith(_BOOKKEEPING)


@dataclass(frozen=True)
class _Asked:
    """What the loop knows of a trial this worker just asked, without reading it back from the
    storage: enough for :func:`counted` and the duplicate check."""

    number: int
    params: dict
    state: TrialState
    user_attrs: dict = field(default_factory=dict)


def _same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (math.isclose(a[k], b[k]) if isinstance(a[k], float) and isinstance(b[k], float) else a[k] == b[k]) for k in a)


def share_cores(n_jobs: int) -> dict[str, str]:
    """Give each of ``n_jobs`` workers on this machine its share of the cores, for this process
    and the environment of the workers it starts. torch's default of one thread per core in every
    worker oversubscribes the machine, and small models then run several times slower (2 workers
    x 2 threads on 2 cores). A thread count the user set (OMP_NUM_THREADS) wins. torch is not
    imported here: an app that never uses it does not pay for it."""
    env = dict(os.environ)
    if "OMP_NUM_THREADS" not in env:
        share = max(1, (os.cpu_count() or 1) // n_jobs)
        env["OMP_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(share)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(share)
    return env


class StudyRunner:
    """One worker of a study: validated and opened in ``__init__``, run with :meth:`run`.

    Args:
        settings: ``hydra.sweeper``.
        arguments: the sweep's command-line overrides.
        check_overrides: composes the job config for one set of overrides and raises on keys the
            app's config does not have (a callable so this module needs no Hydra context).
        custom_search_space: ``(cfg, trial)`` suggesting more parameters, or None.
        mlflow: where the study's parent run goes; None = no MLflow.
    """

    def __init__(self, settings: StudySettings, arguments: Sequence[str], *,
                 check_overrides: Callable[[list[str]], None] | None = None,
                 custom_search_space: Callable[[Any, optuna.trial.Trial], None] | None = None,
                 app_config: Any = None, mlflow: MlflowTarget | None = None) -> None:
        self.settings, self.custom, self.app_config, self.mlflow = settings, custom_search_space, app_config, mlflow
        self.directions, self.objectives = settings.directions(), settings.objectives()
        if self.objectives and len(self.objectives) != len(self.directions):
            raise SweepsError(f"hydra.sweeper.direction has {len(self.directions)} entries but "
                              f"hydra.sweeper.objective has {len(self.objectives)}")
        if not 0.0 <= settings.max_failure_rate <= 1.0:
            raise SweepsError(f"hydra.sweeper.max_failure_rate must be in [0, 1], got {settings.max_failure_rate}")
        params = OmegaConf.to_container(settings.params, resolve=True) \
            if OmegaConf.is_config(settings.params) else settings.params
        self.space = parse_search_space(list(arguments), params)
        # Check sampler, pruner and the app's keys before anything is written anywhere.
        build_sampler(settings.sampler, self.space.distributions)
        self.pruner = build_pruner(settings.pruner)
        if check_overrides is not None:
            check_overrides(self.space.trial_overrides(self.space.sample_point()))
        self.storage_url = absolute_url(settings.storage)
        self.storage = None if self.storage_url is None else open_storage(
            self.storage_url, heartbeat_interval=settings.heartbeat_interval, grace_period=settings.grace_period,
            heartbeat_stale_trial_callback=lambda _study, trial: self._on_stale(trial))
        name = settings.study_name or (default_study_name(self.space, settings) if self.storage else None)
        self.study = load_or_create_study(self.storage, name, self.directions, pruner=self.pruner)
        self.name = self.study.study_name
        self._check_same_space()
        if self.study.metric_names is None and self.objectives:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # experimental API: names the objectives in the dashboard
                self.study.set_metric_names(list(self.objectives))
        existing = len(self.study.get_trials(deepcopy=False))
        # Seed from the study's history: a resumed run or a second worker does not replay the
        # first one's random start-up points.
        self.study.sampler = build_sampler(settings.sampler, self.space.distributions, seed_offset=existing * 7919)
        self.exhausted = False
        self.running: list[int] = []
        # Jobs launched in this process (Hydra's basic launcher) beat from their first instant;
        # a remote job (submitit, Slurm) may take a while to start, so the sweeper beats for it once.
        self.jobs_in_process = True
        self._next_stale_check = 0.0
        size = finite_size(self.space)
        self.target = settings.n_trials if size is None else min(settings.n_trials, size)
        if self.target < settings.n_trials:
            log.info("the search space has only %d points: running %d trials", size, self.target)

    # -- checks ----------------------------------------------------------------------------------
    def _check_same_space(self) -> None:
        """A stored study re-run with another search space would mix two experiments."""
        described = self.space.describe(fixed=False)
        stored = self.study.user_attrs.get(SPACE_ATTR)
        if stored is None:
            stored = self._space_of_trials()
            if stored is None:
                self.study.set_user_attr(SPACE_ATTR, described)
                return
        if stored != described:
            differ = _diff(stored, described)
            raise SweepsError(f"study '{self.name}' exists with another search space ({differ}); give this one "
                              f"a new hydra.sweeper.study_name (e.g. {self.name}-v2) or re-run the old space")

    def _space_of_trials(self) -> str | None:
        """Space of a study stored before the space was recorded (its trials' distributions)."""
        trials = self.study.get_trials(deepcopy=False)
        if not trials:
            return None
        dists = {k: d for t in trials for k, d in t.distributions.items() if k in self.space.distributions}
        if not dists:
            return None
        return SearchSpace(dists).describe(fixed=False)

    def _check_failures(self, trials) -> None:
        failed = [t for t in trials if t.state == TrialState.FAIL and counted(t)]
        ended = sum(counted(t) for t in trials)
        rate = self.settings.max_failure_rate
        if failed and len(failed) > rate * ended:
            first = str(failed[0].user_attrs["fail_reason"])
            raise StudyFailed(f"study '{self.name}': {len(failed)} of {ended} trials failed "
                              f"(hydra.sweeper.max_failure_rate={rate:g}); trial {failed[0].number}: {first}")

    # -- one trial -------------------------------------------------------------------------------
    def _ask(self, known: list) -> optuna.trial.Trial | None:
        """A trial whose params were never tried and whose slot is still free; None once a finite
        space is exhausted.

        ``known`` is the study's trials as read at the top of the loop, and grows by each trial this
        worker asks. When the new trial's number is ``len(known)`` no other worker has asked one
        since that read (trial numbers count the study's trials), so ``known`` is complete: the
        slot is free (the loop already checked finished + running < target) and the duplicate check
        can use it. Otherwise (another worker asked meanwhile) the storage is read again.
        """
        for _ in range(20):
            with warnings.catch_warnings():
                # Optuna expects a heartbeat only inside study.optimize(); here the job beats
                # instead (sweeps.study.liveness), which is the point of asking outside it.
                warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")
                trial = self.study.ask(self.space.distributions)
            if self.custom is not None:
                self.custom(self.app_config, trial)
            if trial.number == len(known):
                trials = [t for t in known if counted(t) or t.state == TrialState.RUNNING]
            else:
                trials = [t for t in self.study.get_trials(deepcopy=False)
                          if counted(t) or t.state == TrialState.RUNNING]
                active = sorted(t.number for t in trials)
                if self.storage is not None and trial.number in active and active.index(trial.number) >= self.target:
                    # Two workers passed the count check at once; the later trial number yields the slot.
                    self._discard(trial, "surplus: another worker took the last slot")
                    return None
            twin = None if not trial.params else next(
                (t for t in trials if t.number != trial.number and _same_params(t.params, trial.params)), None)
            if twin is None:
                known.append(_Asked(trial.number, trial.params, TrialState.RUNNING))
                return trial
            self._discard(trial, f"duplicate of trial {twin.number}; resampled")
            # Not a twin for the next draw (FAIL, not counted), but it holds a trial number.
            known.append(_Asked(trial.number, trial.params, TrialState.FAIL))
            self.study.sampler.reseed_rng()
        self.exhausted = True
        return None

    def _discard(self, trial: optuna.trial.Trial, reason: str) -> None:
        trial.set_user_attr("fail_reason", reason[:500])
        tell(self.study, trial, state=TrialState.FAIL)

    def _fail(self, trial: optuna.trial.Trial, reason: str) -> TrialState:
        self._discard(trial, reason)
        log.warning("trial %d failed: %s", trial.number, reason)
        return TrialState.FAIL

    def _tell(self, trial: optuna.trial.Trial, job_return) -> TrialState:
        try:
            result = job_return.return_value
            if isinstance(result, PrunedResult):
                if result.reason and "pruned_reason" not in trial.user_attrs:
                    trial.set_user_attr("pruned_reason", result.reason)
                tell(self.study, trial, state=TrialState.PRUNED)
                return TrialState.PRUNED
            values = objective_values(result, self.objectives, len(self.directions))
        except ObjectiveMissing as exc:  # from the job's first epoch or from what it returned
            self._fail(trial, str(exc))
            raise StudyFailed(f"study '{self.name}' stopped: {exc}") from None
        except ObjectiveError as exc:
            return self._fail(trial, str(exc))
        except Exception as exc:  # the job raised (or its process died): record why, keep sweeping
            self._close_run(trial)
            return self._fail(trial, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        tell(self.study, trial, values=values)
        return TrialState.COMPLETE

    def _overrides(self, trial: optuna.trial.Trial, job_dir: str | None) -> list[str]:
        extra = [trial_env_override(trial.number)]
        if job_dir is not None:
            extra.append(f"hydra.sweep.subdir={job_dir}/{trial.number}")
        return [*self.space.trial_overrides(trial.params), *extra]

    # -- the loop ----------------------------------------------------------------------------------
    def _on_stale(self, trial) -> None:
        """A stale trial's MLflow run, left RUNNING by its dead job, becomes KILLED."""
        log.warning("trial %d is stale (its job stopped): FAIL", trial.number)
        self._close_run(trial)

    def _close_run(self, trial) -> None:
        """The trial's MLflow run, if its job died without ending it (killed process, a launcher
        that lost the job), becomes KILLED: no run stays RUNNING after its trial has ended."""
        run_id = trial.user_attrs.get("mlflow_run_id")
        if run_id and self.mlflow is not None:
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=self.mlflow.uri)
            if client.get_run(run_id).info.status == "RUNNING":
                client.set_terminated(run_id, status="KILLED")

    def _batch_size(self, finished: int, running: int) -> int:
        if self.storage is not None:
            return 1
        return max(1, min(self.settings.n_jobs, self.target - finished - running))

    def run_worker(self, launch: Launch, job_dir: str | None = None) -> None:
        """Launch trials until the study holds ``target`` finished ones (or its space is used up)."""
        while True:
            if self.storage is not None and time.monotonic() >= self._next_stale_check:
                # A trial can only go stale after grace_period: checking every few seconds is enough.
                fail_stale_trials(self.study, self.storage, self.settings.grace_period, self._on_stale)
                self._next_stale_check = time.monotonic() + min(self.settings.heartbeat_interval,
                                                                self.settings.grace_period / 4)
            trials = self.study.get_trials(deepcopy=False)
            finished = sum(counted(t) for t in trials)
            running = sum(t.state == TrialState.RUNNING for t in trials)
            self._check_failures(trials)
            if finished >= self.target:
                return
            if finished + running >= self.target:
                time.sleep(min(2.0, self.settings.heartbeat_interval))  # others hold the last slots
                continue
            batch = []
            known = list(trials)  # grows by each trial of the batch (see _ask)
            for _ in range(self._batch_size(finished, running)):
                trial = self._ask(known)
                if trial is None:
                    break
                batch.append(trial)
            if not batch:
                if self.exhausted:
                    log.info("search space exhausted after %d trials", finished)
                    return
                continue
            self._launch(launch, batch, job_dir)

    def _launch(self, launch: Launch, batch: list, job_dir: str | None) -> None:
        self.running = [t.number for t in batch]
        for trial in batch:
            register_local(self.name, trial)
            if self.storage is not None and not self.jobs_in_process:
                beat(self.storage, adapter.id_of(trial))
        try:
            returns = launch([self._overrides(t, job_dir) for t in batch], batch[0].number)
        except BaseException as exc:
            reason = f"interrupted by {exc.signal_name}" if isinstance(exc, Interrupted) else "interrupted"
            for trial in batch:
                self._discard(trial, reason)
            raise
        finally:
            for trial in batch:
                forget_local(self.name, trial.number)
        self.running = []
        for trial, job_return in zip(batch, returns):
            state = self._tell(trial, job_return)
            log.info("trial %d %s %s", trial.number, state.name, trial.params)

    def spawn_workers(self, argv: list[str], log_dir: Path) -> list[subprocess.Popen]:
        """``n_jobs > 1`` on a stored study: the same command in extra processes on the same storage."""
        procs = []
        log_dir.mkdir(parents=True, exist_ok=True)
        env = share_cores(self.settings.n_jobs)
        for worker in range(1, self.settings.n_jobs):
            out = open(log_dir / f"worker-{worker}.log", "w")
            cmd = [sys.executable, *argv, "hydra.sweeper.n_jobs=1", f"hydra.sweeper.study_name={self.name}"]
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env))
        return procs

    def fail_orphans(self, workers: list[str]) -> list[int]:
        """RUNNING trials of the given (killed) ``host:pid`` workers become FAIL, their runs KILLED."""
        orphans = [t for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                   if t.user_attrs.get(WORKER_ATTR) in workers]
        for trial in orphans:
            adapter.set_user_attr(self.storage, adapter.trial_id(self.storage, self.study, trial.number),
                                  "fail_reason", "interrupted: its worker was stopped")
            tell(self.study, trial.number, state=TrialState.FAIL)
            self._close_run(trial)
        return [t.number for t in orphans]

    def link(self, parent_run_id: str | None, experiment_id: str | None) -> StudyLink:
        """What every job of this study gets (pickled to jobs in other processes)."""
        return StudyLink(
            storage=self.storage_url, study_name=self.name, directions=tuple(self.directions),
            pruner=OmegaConf.to_container(OmegaConf.create(self.settings.pruner), resolve=True)
            if self.settings.pruner is not None else None,
            report_metric=self.settings.per_epoch_metric(), objectives=tuple(self.objectives),
            heartbeat_interval=float(self.settings.heartbeat_interval),
            mlflow_uri=self.mlflow.uri if self.mlflow else None, mlflow_experiment_id=experiment_id,
            parent_run_id=parent_run_id)


def _diff(stored: str, described: str) -> str:
    old, new = dict(_pairs(stored)), dict(_pairs(described))
    keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return "; ".join(f"{k}: {old.get(k, 'absent')} -> {new.get(k, 'absent')}" for k in keys[:3]) or "fixed overrides"


def _pairs(text: str):
    for part in text.split(";"):
        if ":" in part:
            key, _, value = part.partition(":")
            yield key, value
