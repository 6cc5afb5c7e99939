"""``sweeps.tracking.mlflow_run`` on a real sqlite MLflow store: every way out of a run ends it with
a terminal status, logging is batched past MLflow's per-request limits, and the helper that names
a run's UI command (the command itself: sweeps.utils.stores)."""

from __future__ import annotations

import shlex
import uuid

import pytest
from mlflow.tracking import MlflowClient

from sweeps.tracking import MlflowRun, ui_command
from sweeps.tracking.orphans import HOST_TAG, PID_TAG
from sweeps.utils.signals import Interrupted


@pytest.fixture
def store(tracking_store) -> str:
    return tracking_store


def _experiment() -> str:
    return f"exp-{uuid.uuid4().hex[:8]}"


def test_ui_command_binds_loopback_and_quotes_paths_with_spaces():
    command = ui_command("sqlite:////tmp/my runs/mlflow.db")
    # It pastes as is: the shell splits it into exactly the intended arguments.
    assert shlex.split(command) == ["mlflow", "ui", "--backend-store-uri", "sqlite:////tmp/my runs/mlflow.db",
                                    "--host", "127.0.0.1", "--port", "5000"]
    # A tracking server is opened, not started: the run's page on it.
    assert ui_command("http://mlflow.local:5000/", "/#/experiments/1/runs/abc") == \
        "open 'http://mlflow.local:5000/#/experiments/1/runs/abc'"


def test_clean_exit_finishes_the_run_with_its_tags_owner_and_experiment_kind(store):
    name = _experiment()
    with MlflowRun(store, name, run_name="r1", tags={"sweeps.model": "mlp", "n": 3}) as run:
        assert MlflowClient(store).get_run(run.run_id).info.status == "RUNNING"
    client = MlflowClient(store)
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED" and got.info.run_name == "r1"
    assert got.data.tags["sweeps.model"] == "mlp" and got.data.tags["n"] == "3"
    assert HOST_TAG in got.data.tags and got.data.tags[PID_TAG].isdigit()
    experiment = client.get_experiment_by_name(name)
    assert experiment.experiment_id == run.experiment_id
    # MLflow 3's UI opens the experiment on its model-training view.
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert run.run_url() == f"/#/experiments/{run.experiment_id}/runs/{run.run_id}"


def test_an_exception_fails_the_run_with_the_error_as_a_tag(store):
    with pytest.raises(ValueError):
        with MlflowRun(store, _experiment()) as run:
            raise ValueError("bad batch")
    got = MlflowClient(store).get_run(run.run_id)
    assert got.info.status == "FAILED" and got.data.tags["error"] == "ValueError: bad batch"


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit(3), Interrupted(15)])
def test_ctrl_c_sigterm_and_exit_kill_the_run(store, stop):
    with pytest.raises(type(stop)) as raised:
        with MlflowRun(store, _experiment()) as run:
            raise stop
    assert MlflowClient(store).get_run(run.run_id).info.status == "KILLED"
    if isinstance(stop, Interrupted):
        # The entry point names the killed run in its one line.
        assert raised.value.killed_runs == [run.run_id]


def test_params_and_metrics_past_mlflows_per_request_limits_are_all_logged(store):
    params = {f"p{i:03d}": i for i in range(250)}  # 100 params per request
    params["long"] = "x" * 7000  # MLflow refuses values past 6000 characters
    metrics = {f"m{i:04d}": float(i) for i in range(1200)}  # 1000 metrics per request
    with MlflowRun(store, _experiment()) as run:
        run.log_params(params)
        run.log_metrics(metrics, step=2, extra=[(1, {"step_metric": 0.5}), (2, {"step_metric": 0.25})])
        run.log_metrics({"skipped": None, "kept": 1.0}, step=3)
        run.set_tags({f"t{i}": i for i in range(150)})
    client = MlflowClient(store)
    got = client.get_run(run.run_id).data
    assert {k: v for k, v in got.params.items() if k != "long"} == {k: str(v) for k, v in params.items() if k != "long"}
    assert got.params["long"] == "x" * 6000
    assert {k: got.metrics[k] for k in metrics} == metrics
    assert [(m.step, m.value) for m in client.get_metric_history(run.run_id, "step_metric")] == [(1, 0.5), (2, 0.25)]
    assert "skipped" not in got.metrics and got.metrics["kept"] == 1.0
    assert all(got.tags[f"t{i}"] == str(i) for i in range(150))


def test_reopening_a_run_by_id_sets_it_running_again_and_ends_it(store):
    name = _experiment()
    with pytest.raises(KeyboardInterrupt):
        with MlflowRun(store, name) as first:
            raise KeyboardInterrupt
    with MlflowRun(store, name, run_id=first.run_id, tags={"resumed": "yes"}) as again:
        assert MlflowClient(store).get_run(first.run_id).info.status == "RUNNING"
    got = MlflowClient(store).get_run(first.run_id)
    assert again.run_id == first.run_id and got.info.status == "FINISHED" and got.data.tags["resumed"] == "yes"


def test_a_child_run_names_its_parent(store):
    name = _experiment()
    with MlflowRun(store, name) as parent:
        with MlflowRun(store, name, parent_run_id=parent.run_id) as child:
            pass
    assert MlflowClient(store).get_run(child.run_id).data.tags["mlflow.parentRunId"] == parent.run_id


def test_attach_adds_artifacts_and_tags_to_a_finished_run_without_touching_its_status(store, tmp_path):
    with MlflowRun(store, _experiment()) as run:
        pass
    attached = MlflowRun.attach(store, run.run_id)
    assert attached.experiment_id == run.experiment_id
    attached.set_tags({"diagnosis.labels": "healthy"})
    attached.log_text("# report", "diagnosis.md")
    attached.log_dict({"a": 1}, "diagnosis/facts.json")
    extra = tmp_path / "notes.txt"
    extra.write_text("hello")
    attached.log_artifact(extra, "more")
    client = MlflowClient(store)
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED" and got.data.tags["diagnosis.labels"] == "healthy"
    assert {a.path for a in client.list_artifacts(run.run_id)} == {"diagnosis.md", "diagnosis", "more"}
    assert open(client.download_artifacts(run.run_id, "more/notes.txt", str(tmp_path / "dl"))).read() == "hello"


def test_figures_are_logged_and_closed(store):
    import matplotlib.pyplot as plt

    with MlflowRun(store, _experiment()) as run:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        run.log_figure(fig, "curves.png")
        assert not plt.fignum_exists(fig.number)  # a study's many trials would otherwise pile them up
    assert [a.path for a in MlflowClient(store).list_artifacts(run.run_id)] == ["curves.png"]


def test_a_store_that_is_not_a_database_is_one_sweeps_error_naming_the_uri(tmp_path):
    from sweeps.errors import SweepsError

    db = tmp_path / "mlflow.db"
    db.write_bytes(b"this is not a sqlite database" * 100)
    uri = f"sqlite:///{db}"
    with pytest.raises(SweepsError) as raised:
        with MlflowRun(uri, "x"):
            pass
    assert "(tracking.uri)" in str(raised.value) and uri in str(raised.value)
