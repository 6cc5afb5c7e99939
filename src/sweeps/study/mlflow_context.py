"""MLflow run-context plugin: a run the app starts inside a sweep job joins the study.

Registered under MLflow's ``mlflow.run_context_provider`` entry point (pyproject.toml), so
``mlflow.start_run()`` anywhere in a trial's job gets the tags ``optuna.study_name`` and
``optuna.trial_number`` and, when it is logged to the store of the study's parent run,
``mlflow.parentRunId`` (the MLflow UI then shows it under the study). Tags the app passes itself
win (e.g. its own ``nested=True`` runs). Outside a sweep this provider adds nothing.
"""

from __future__ import annotations

from mlflow.tracking.context.abstract_context import RunContextProvider

from sweeps.study.context import trial_context, trial_tags


class TrialRunContext(RunContextProvider):
    def in_context(self) -> bool:
        return trial_context() is not None

    def tags(self) -> dict[str, str]:
        context = trial_context()
        if context is None:
            return {}
        tags = trial_tags()
        if context.link.parent_run_id:
            import mlflow

            if mlflow.get_tracking_uri() == context.link.mlflow_uri:
                tags["mlflow.parentRunId"] = context.link.parent_run_id
        return tags
