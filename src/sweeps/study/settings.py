"""``hydra.sweeper`` for ``hydra/sweeper=optuna``: the one definition of the sweeper's settings.

The field names and defaults are hydra-optuna-sweeper's (``sampler``, ``direction``, ``storage``,
``study_name``, ``n_trials``, ``n_jobs``, ``max_failure_rate``, ``params``,
``custom_search_space``), so a config written for it works here. The fields after those are what
sweeps adds (pruning, objectives by name, liveness, MLflow). sweeps' own ``conf/config.yaml`` sets
its app's defaults (sqlite storage, maximize ``best/val/acc``) on top of these.

Samplers and pruners are ``_target_`` nodes chosen from the config groups
``hydra/sweeper/sampler`` and ``hydra/sweeper/pruner`` (one typed dataclass per Optuna class
below), or any class of the user's given by ``_target_``. They are instantiated by the sweeper, not
by Hydra (``_recursive_: false``), so it can seed the sampler for a resumed study and build the
grid sampler's grid from the search space.

Kept free of Optuna and MLflow imports: Hydra imports it for every app at start-up.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING

# --- samplers (https://optuna.readthedocs.io/en/stable/reference/samplers/index.html) ------------


@dataclass
class SamplerConf:
    _target_: str = MISSING


@dataclass
class TPESamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.TPESampler"
    # The study's seed; a resumed study or extra worker offsets it by the trials already stored.
    seed: Optional[int] = None
    consider_prior: Optional[bool] = None
    prior_weight: Optional[float] = None
    consider_magic_clip: Optional[bool] = None
    consider_endpoints: Optional[bool] = None
    n_startup_trials: int = 10
    n_ei_candidates: int = 24
    multivariate: Optional[bool] = None
    group: bool = False
    warn_independent_sampling: Optional[bool] = None
    constant_liar: bool = True


@dataclass
class RandomSamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.RandomSampler"
    seed: Optional[int] = None


@dataclass
class GridSamplerConf(SamplerConf):
    # The grid is built from the search space at run time (every parameter must be discrete).
    _target_: str = "optuna.samplers.GridSampler"
    _partial_: bool = True
    seed: Optional[int] = None


@dataclass
class CmaEsSamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.CmaEsSampler"
    seed: Optional[int] = None
    x0: Optional[Dict[str, Any]] = None
    sigma0: Optional[float] = None
    n_startup_trials: int = 1
    independent_sampler: Optional[Any] = None
    warn_independent_sampling: bool = True
    consider_pruned_trials: bool = False
    restart_strategy: Optional[str] = None
    popsize: Optional[int] = None
    inc_popsize: int = -1
    use_separable_cma: bool = False
    with_margin: bool = False
    lr_adapt: bool = False


@dataclass
class NSGAIISamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.NSGAIISampler"
    seed: Optional[int] = None
    population_size: int = 50
    mutation_prob: Optional[float] = None
    crossover_prob: float = 0.9
    swapping_prob: float = 0.5
    constraints_func: Optional[Any] = None


@dataclass
class NSGAIIISamplerConf(NSGAIISamplerConf):
    _target_: str = "optuna.samplers.NSGAIIISampler"
    dividing_parameter: int = 3


@dataclass
class QMCSamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.QMCSampler"
    seed: Optional[int] = None
    qmc_type: str = "sobol"
    scramble: bool = False
    independent_sampler: Optional[Any] = None
    warn_asynchronous_seeding: bool = True
    warn_independent_sampling: bool = True


@dataclass
class GPSamplerConf(SamplerConf):
    _target_: str = "optuna.samplers.GPSampler"
    seed: Optional[int] = None
    independent_sampler: Optional[Any] = None
    n_startup_trials: int = 10
    deterministic_objective: bool = False
    constraints_func: Optional[Any] = None
    warn_independent_sampling: bool = True


@dataclass
class MOTPESamplerConf(SamplerConf):
    # Optuna 4 removed MOTPESampler: choosing it fails with a line that names the replacement.
    _target_: str = "sweeps.study.samplers.motpe_removed"
    seed: Optional[int] = None


SAMPLERS = {"tpe": TPESamplerConf, "motpe": MOTPESamplerConf, "random": RandomSamplerConf, "grid": GridSamplerConf, "cmaes": CmaEsSamplerConf,
            "nsga2": NSGAIISamplerConf, "nsgaii": NSGAIISamplerConf, "nsga3": NSGAIIISamplerConf,
            "qmc": QMCSamplerConf, "gp": GPSamplerConf}

# --- pruners (https://optuna.readthedocs.io/en/stable/reference/pruners.html) --------------------


@dataclass
class PrunerConf:
    _target_: str = MISSING


@dataclass
class NopPrunerConf(PrunerConf):
    _target_: str = "optuna.pruners.NopPruner"


@dataclass
class MedianPrunerConf(PrunerConf):
    _target_: str = "optuna.pruners.MedianPruner"
    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class PercentilePrunerConf(MedianPrunerConf):
    _target_: str = "optuna.pruners.PercentilePruner"
    percentile: float = 25.0


@dataclass
class SuccessiveHalvingPrunerConf(PrunerConf):
    _target_: str = "optuna.pruners.SuccessiveHalvingPruner"
    min_resource: Any = "auto"
    reduction_factor: int = 4
    min_early_stopping_rate: int = 0
    bootstrap_count: int = 0


@dataclass
class HyperbandPrunerConf(PrunerConf):
    _target_: str = "optuna.pruners.HyperbandPruner"
    min_resource: int = 1
    max_resource: Any = "auto"
    reduction_factor: int = 3
    bootstrap_count: int = 0


@dataclass
class ThresholdPrunerConf(PrunerConf):
    # Set lower and/or upper (hydra.sweeper.pruner.upper=...): Optuna needs at least one.
    _target_: str = "optuna.pruners.ThresholdPruner"
    lower: Optional[float] = None
    upper: Optional[float] = None
    n_warmup_steps: int = 0
    interval_steps: int = 1


@dataclass
class PatientPrunerConf(PrunerConf):
    _target_: str = "optuna.pruners.PatientPruner"
    wrapped_pruner: Any = field(default_factory=MedianPrunerConf)
    patience: int = 3
    min_delta: float = 0.0


@dataclass
class DiagnosisPrunerConf(PrunerConf):
    # Stops a trial the epoch sweeps' live diagnosis raises an alarm; otherwise the wrapped pruner.
    _target_: str = "sweeps.diagnosis.pruner.DiagnosisPruner"
    inner: Any = field(default_factory=MedianPrunerConf)


PRUNERS = {"none": NopPrunerConf, "median": MedianPrunerConf, "percentile": PercentilePrunerConf,
           "successive_halving": SuccessiveHalvingPrunerConf, "hyperband": HyperbandPrunerConf,
           "threshold": ThresholdPrunerConf, "patient": PatientPrunerConf, "diagnosis": DiagnosisPrunerConf}


@dataclass
class MlflowConf:
    # Record the study as an MLflow parent run, and the trials' runs as its children.
    enabled: bool = True
    # null = MLflow's own choice (MLFLOW_TRACKING_URI, else its default store).
    tracking_uri: Optional[str] = None
    # null = MLFLOW_EXPERIMENT_NAME, else "Default".
    experiment: Optional[str] = None
    # Artifact root of a new experiment (local stores only); null = MLflow's default.
    artifact_location: Optional[str] = None


@dataclass
class StudySettings:
    # --- hydra-optuna-sweeper's keys, with its defaults -------------------------------------------
    sampler: Any = MISSING
    pruner: Any = MISSING
    # minimize | maximize, or a list of them (one per objective).
    direction: Any = "minimize"
    # null = in memory; sqlite:///..., any SQLAlchemy URL, or journal:///path/study.log.
    storage: Optional[Any] = None
    # null = Optuna's generated name (in memory) or one derived from the search space (stored).
    study_name: Optional[str] = None
    # Finished (complete + pruned) trials the study should hold; re-running only tops up.
    n_trials: int = 20
    # Trials at a time: worker processes on a stored study, launcher batches in memory.
    n_jobs: int = 2
    # Stop the study when failed / ended trials exceeds this (0.0: at the first failure).
    max_failure_rate: float = 0.0
    # Search space as key: sweep expression, e.g. optimizer.lr: tag(log, interval(1e-4, 1e-1)).
    params: Optional[Dict[str, Any]] = None
    # Dotted path of a function (cfg, trial) -> None that suggests more parameters.
    custom_search_space: Optional[str] = None
    # --- sweeps' additions -------------------------------------------------------------------------
    # When the task function returns a mapping: the key(s) to optimize, e.g. best/val/acc.
    objective: Any = None
    # Metric sweeps' own trainer reports every epoch for pruning; null = the objective.
    report_metric: Optional[str] = None
    # Seconds between a running trial's heartbeats, and silence after which it is a dead worker's.
    heartbeat_interval: float = 10.0
    grace_period: float = 60.0
    mlflow: MlflowConf = field(default_factory=MlflowConf)

    def directions(self) -> List[str]:
        value = self.direction
        values = [value] if isinstance(value, str) else list(value)
        return [getattr(v, "name", str(v)) for v in values]

    def objectives(self) -> List[str]:
        value = self.objective
        if value is None:
            return []
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def per_epoch_metric(self) -> Optional[str]:
        """The objective itself by default: ``best/val/acc`` reports the best val/acc so far."""
        objectives = self.objectives()
        return self.report_metric or (objectives[0] if objectives else None)
