"""``hydra/sweeper=optuna``: the sweeper's config, registered when Hydra discovers plugins."""
# No "from __future__ import annotations": Hydra executes plugin modules outside sys.modules,
# where dataclasses cannot resolve string annotations.


from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hydra.core.config_store import ConfigStore


@dataclass
class SamplerConf:
    # tpe | random | grid | cmaes | gp | nsga2
    name: str = "tpe"
    # Seed of the sampler; a resumed study offsets it by the trials already run.
    seed: Optional[int] = 0
    # Extra keyword arguments for the Optuna sampler (e.g. n_startup_trials for tpe).
    options: Dict[str, Any] = field(default_factory=dict)


@dataclass
class PrunerConf:
    # none | median | percentile | successive_halving | hyperband | threshold | patient
    name: str = "median"
    # Keyword arguments for the Optuna pruner (e.g. n_startup_trials, n_warmup_steps).
    options: Dict[str, Any] = field(default_factory=dict)


@dataclass
class OptunaSweeperConf:
    _target_: str = "hydra_plugins.sweeps_optuna_sweeper.optuna_sweeper.OptunaSweeper"
    # Finished (complete + pruned) trials the study should hold; re-running only tops up.
    n_trials: int = 20
    # Worker processes on this machine; more machines can run the same command on shared storage.
    n_jobs: int = 1
    # sqlite:///..., any SQLAlchemy URL, or journal:///path/study.log
    storage: str = "sqlite:///runs/optuna.db"
    # null = derived from the search space and objective, so the same command finds the same study.
    study_name: Optional[str] = None
    # maximize | minimize, or a list for multi-objective.
    direction: Any = "maximize"
    # Metric(s) the job returns that the study optimizes, e.g. best/val/acc or [best/val/acc, time/train_s].
    objective: Any = "best/val/acc"
    # Metric reported every epoch for pruning; null = the objective. "best/val/acc" reports the best
    # val/acc so far (what the objective would be if the trial stopped there), "val/acc" that epoch's.
    report_metric: Optional[str] = None
    sampler: SamplerConf = field(default_factory=SamplerConf)
    pruner: PrunerConf = field(default_factory=PrunerConf)
    # Search space as key: sweep expression, e.g. optimizer.lr: tag(log, interval(1e-4, 1e-1)).
    params: Optional[Dict[str, Any]] = None
    # Stop the study when more than this fraction of trials fail (after at least 3 failures).
    max_failure_fraction: float = 0.5
    # Seconds between a running trial's heartbeats, and silence after which it is declared dead.
    heartbeat_interval: float = 10.0
    grace_period: float = 60.0


ConfigStore.instance().store(group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider="sweeps")
