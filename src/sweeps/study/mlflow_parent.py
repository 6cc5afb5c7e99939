"""The study's MLflow parent run: found again by every worker and every resumed sweep."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from typing import Iterator

import optuna

from sweeps.diagnosis.counts import LABELS_TAG, study_tags, summary_line
from sweeps.tracking.mlflow_run import MlflowRun

PARENT_ATTR = "mlflow_parent_run_id"
log = logging.getLogger("sweeps.study")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """MLflow's store set-up trips deprecation warnings of its own dependencies (SQLAlchemy,
    alembic): noise for the app being swept, and fatal under ``python -Werror``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def open_parent_run(runner, target) -> MlflowRun:
    """The study's parent run, quietly (see :func:`_open_parent_run`)."""
    with _quiet():
        return _open_parent_run(runner, target)


def _open_parent_run(runner, target) -> MlflowRun:
    """Reopen the parent recorded on the study, or create it and record it, with the study's
    settings as params (``runner``: a :class:`~sweeps.study.runner.StudyRunner`; ``target``: its
    :class:`~sweeps.study.runner.MlflowTarget`)."""
    study = runner.study
    run_id = study.user_attrs.get(PARENT_ATTR)
    run = MlflowRun(target.uri, target.experiment, run_name=f"study:{study.study_name}",
                    artifact_location=target.artifact_location,
                    tags={"optuna.study_name": study.study_name, "sweeps.kind": "study"}, run_id=run_id)
    run.__enter__()
    if run_id is None:
        study.set_user_attr(PARENT_ATTR, run.run_id)
    if not run.client.get_run(run.run_id).data.params:  # first worker of this study
        settings = runner.settings
        run.log_params({"study_name": runner.name, "sampler": _target(settings.sampler),
                        "pruner": _target(settings.pruner), "n_trials": runner.target,
                        "objective": ",".join(runner.objectives) or "value",
                        "direction": ",".join(runner.directions), "storage": str(runner.storage_url),
                        **{f"space.{_key(k)}": repr(v) for k, v in runner.space.distributions.items()}})
    return run


def _key(param: str) -> str:
    """An override's key as an MLflow name (``+w`` -> ``w``: MLflow refuses ``+`` and ``~``)."""
    return param.lstrip("+~")


def _target(node) -> str:
    return str(node.get("_target_", "")).rsplit(".", 1)[-1] if node is not None else "none"


def _figure(plot, study: optuna.Study, **kwargs):
    import warnings

    from sweeps.utils.plotting import plt  # noqa: F401 - the Agg backend before Optuna's plots load pyplot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna flags its matplotlib plots as experimental
        ax = plot(study, **kwargs)
    figure = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
    figure.set_size_inches(9, 5)
    return figure


def log_study_summary(run: MlflowRun, study: optuna.Study, objectives: list[str]) -> dict:
    """Best value/params, all trials as CSV, importances and Optuna's plots on the parent run."""
    with _quiet():
        return _log_study_summary(run, study, objectives)


def _log_label_counts(run: MlflowRun, summary: dict) -> None:
    """How many trials carry each diagnosis label (sweeps' trainer diagnoses every run): tags on
    the parent run and a line for the console summary. Apps that do not diagnose get neither."""
    children = run.client.search_runs([run.experiment_id], f"tags.mlflow.parentRunId = '{run.run_id}'",
                                      max_results=5000)
    tags = [child.data.tags for child in children if LABELS_TAG in child.data.tags]
    if tags:
        run.set_tags(study_tags(tags))
        summary["diagnosis"] = summary_line(tags)


def _log_study_summary(run: MlflowRun, study: optuna.Study, objectives: list[str]) -> dict:
    from optuna.visualization import matplotlib as oplt

    frame = study.trials_dataframe()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    run.log_text(buffer.getvalue(), "trials.csv")
    summary: dict = {"n_trials": len(frame)}
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        return summary
    if len(study.directions) == 1:
        best = study.best_trial
        summary.update({"best_value": best.value, "best_params": best.params, "best_trial": best.number,
                        "best_mlflow_run_id": best.user_attrs.get("mlflow_run_id")})
        run.log_metrics({f"best/{objectives[0] if objectives else 'value'}": best.value, "best/trial": best.number},
                        step=0)
        run.set_tags({f"best.{_key(k)}": v for k, v in best.params.items()})
    else:
        summary["pareto_trials"] = [t.number for t in study.best_trials]
    run.log_dict(summary, "best.json")
    _log_label_counts(run, summary)
    plots = {"optimization_history": oplt.plot_optimization_history, "intermediate_values": oplt.plot_intermediate_values,
             "parallel_coordinate": oplt.plot_parallel_coordinate, "slice": oplt.plot_slice}
    if len(complete) >= 2:
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importances = optuna.importance.get_param_importances(study)
            run.log_dict(importances, "param_importances.json")
            summary["importances"] = importances
            plots["param_importances"] = oplt.plot_param_importances
        except Exception as exc:  # too few distinct values to fit the importance model
            log.info("no parameter importances: %s", exc)
    if not any(t.intermediate_values for t in complete):
        plots.pop("intermediate_values")  # nothing was reported per step: the plot would be empty
    for name, plot in plots.items():
        try:
            kwargs = {"target": lambda t: t.values[0], "target_name": objectives[0] if objectives else "value 0"} \
                if len(study.directions) > 1 and name != "intermediate_values" else {}
            run.log_figure(_figure(plot, study, **kwargs), f"plots/{name}.png")
        except Exception as exc:  # a plot can be undefined for a given space (e.g. one parameter)
            log.info("plot %s skipped: %s", name, exc)
    from sweeps.utils.plotting import plt  # pyplot only once a study has plotted

    plt.close("all")
    return summary
