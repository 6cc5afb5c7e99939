"""One MLflow run per training run, always ended with a terminal status.

Uses ``MlflowClient`` rather than the fluent API: no global "active run", so a study can hold a
parent run open while trials log to their own children.
"""

from __future__ import annotations

import random
import shlex
import time
from pathlib import Path
from typing import Any, Mapping

from sweeps.errors import SweepsError
from sweeps.tracking.orphans import mark_orphans_killed, owner_tags
from sweeps.utils.locks import sqlite_creation_lock
from sweeps.utils.signals import Interrupted, deferred_signals
from sweeps.utils.stores import SQLITE, mlflow_ui_argv, shell_command

# MLflow's per-request limits for log_batch.
_MAX_PARAMS_PER_BATCH = 100
_MAX_METRICS_PER_BATCH = 1000
_MAX_PARAM_CHARS = 6000
_CONNECT_ATTEMPTS = 6
_KIND_TAG = "mlflow.experimentKind"


def _local_store_path(uri: str) -> Path | None:
    if uri.startswith(SQLITE):
        return Path(uri[len(SQLITE):])
    return None


def ui_command(uri: str, run_url_hint: str = "") -> str:
    """Shell command that opens the MLflow UI on ``uri`` bound to loopback, quoted so it pastes
    as is (paths with spaces)."""
    if uri.startswith(("http://", "https://")):
        return f"open {shlex.quote(uri.rstrip('/') + run_url_hint)}"
    return shell_command(mlflow_ui_argv(uri))


class MlflowRun:
    """Context manager around one MLflow run.

    On normal exit the run is FINISHED; on Ctrl-C/SIGTERM it is KILLED; on any exception FAILED.
    The run is tagged with its owning host and pid, and opening one first marks KILLED the
    runs of dead processes of this host (:mod:`sweeps.tracking.orphans`).
    """

    def __init__(self, uri: str, experiment: str, *, run_name: str | None = None,
                 artifact_location: str | None = None, tags: Mapping[str, str] | None = None,
                 run_id: str | None = None, parent_run_id: str | None = None) -> None:
        self.uri, self.experiment_name, self.run_name = uri, experiment, run_name
        self.artifact_location = artifact_location
        self.tags = {k: str(v) for k, v in (tags or {}).items()}
        self.run_id = run_id
        self.parent_run_id = parent_run_id
        self.client = None
        self.experiment_id: str | None = None

    def _connect(self):
        from mlflow.tracking import MlflowClient

        store = _local_store_path(self.uri)
        if store is not None:
            store.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(_CONNECT_ATTEMPTS):
            try:
                with sqlite_creation_lock(self.uri):  # first use migrates the db: one process at a time
                    client = MlflowClient(tracking_uri=self.uri)
                    experiment = client.get_experiment_by_name(self.experiment_name)
                break
            except Exception as exc:
                # Several workers creating a new sqlite store at once race on its tables: retry.
                if attempt == _CONNECT_ATTEMPTS - 1:
                    raise SweepsError(f"cannot reach MLflow tracking store {self.uri} (tracking.uri): "
                                      f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
                time.sleep(0.2 * (attempt + 1) + random.random() * 0.3)
        if experiment is None:
            location = None
            if self.artifact_location and store is not None:
                location = Path(self.artifact_location).resolve().as_uri()
            try:
                self.experiment_id = client.create_experiment(self.experiment_name, artifact_location=location)
            except Exception:
                # Another process created it between our lookup and create.
                self.experiment_id = client.get_experiment_by_name(self.experiment_name).experiment_id
        else:
            self.experiment_id = experiment.experiment_id
        if experiment is None or _KIND_TAG not in experiment.tags:
            # MLflow 3's UI opens experiments without this tag on its GenAI (traces) view; ours hold
            # training runs, so ask for the model-training view.
            client.set_experiment_tag(self.experiment_id, _KIND_TAG, "custom_model_development")
        return client

    @classmethod
    def attach(cls, uri: str, run_id: str) -> "MlflowRun":
        """An existing run (any status, any creator) to add tags and artifacts to, leaving its
        status alone: how a later diagnosis is recorded on a finished run."""
        from mlflow.tracking import MlflowClient

        attached = cls(uri, "", run_id=run_id)
        attached.client = MlflowClient(tracking_uri=uri)
        attached.experiment_id = attached.client.get_run(run_id).info.experiment_id
        return attached

    def __enter__(self) -> "MlflowRun":
        self.client = self._connect()
        mark_orphans_killed(self.client, self.experiment_id)
        tags = {**self.tags, **owner_tags()}
        if self.parent_run_id:
            tags["mlflow.parentRunId"] = self.parent_run_id
        if self.run_id is None:
            run = self.client.create_run(self.experiment_id, run_name=self.run_name, tags=tags)
            self.run_id = run.info.run_id
        else:
            self.client.update_run(self.run_id, status="RUNNING")
            self.set_tags(tags)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            status = "FINISHED"
        elif issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            status = "KILLED"
            if isinstance(exc, Interrupted):
                exc.killed_runs.append(self.run_id)
        else:
            status = "FAILED"
            self.set_tags({"error": f"{exc_type.__name__}: {exc}"[:5000]})
        self.client.set_terminated(self.run_id, status=status)

    # -- logging -----------------------------------------------------------------------------
    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:_MAX_PARAM_CHARS]) for k, v in params.items()]
        for start in range(0, len(items), _MAX_PARAMS_PER_BATCH):
            self._log_batch(params=items[start:start + _MAX_PARAMS_PER_BATCH])

    def log_metrics(self, metrics: Mapping[str, float], step: int,
                    extra: list[tuple[int, Mapping[str, float]]] = ()) -> None:
        """All metrics of a step (plus ``extra`` (step, metrics) pairs) in as few requests as possible:
        one ``log_metric`` call each would cost ~30x more."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step) for k, v in metrics.items() if v is not None]
        items += [Metric(k, float(v), now, s) for s, values in extra for k, v in values.items()]
        for start in range(0, len(items), _MAX_METRICS_PER_BATCH):
            self._log_batch(metrics=items[start:start + _MAX_METRICS_PER_BATCH])

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        items = [RunTag(k, str(v)) for k, v in tags.items()]
        for start in range(0, len(items), _MAX_PARAMS_PER_BATCH):
            self._log_batch(tags=items[start:start + _MAX_PARAMS_PER_BATCH])

    def _log_batch(self, **items: Any) -> None:
        """One ``log_batch`` request, which a stop signal (Ctrl-C, Slurm's SIGTERM) does not cut in half:
        raised inside SQLAlchemy's flush it would break the store's session, and the run could then not be
        marked KILLED; it is raised as :class:`Interrupted` once the write has committed."""
        with deferred_signals():
            self.client.log_batch(self.run_id, **items)

    def log_image(self, image, key: str, step: int) -> None:
        self.client.log_image(self.run_id, image, key=key, step=step)

    def log_figure(self, figure, artifact_file: str) -> None:
        """Log and close: a study runs many trials in one process, and pyplot keeps every open figure."""
        from sweeps.utils.plotting import plt  # pyplot only when a figure is logged

        try:
            self.client.log_figure(self.run_id, figure, artifact_file)
        finally:
            plt.close(figure)

    def log_dict(self, data: Any, artifact_file: str) -> None:
        self.client.log_dict(self.run_id, data, artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        self.client.log_text(self.run_id, text, artifact_file)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def run_url(self) -> str:
        return f"/#/experiments/{self.experiment_id}/runs/{self.run_id}"
