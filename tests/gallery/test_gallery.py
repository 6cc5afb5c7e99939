"""Every gallery topic renders on small settings, writes a non-empty PNG and logs it to MLflow."""

from __future__ import annotations

import pytest

from sweeps.app import train
from sweeps.config import compose_config
from sweeps.gallery.__main__ import main
from sweeps.gallery import TOPICS
from tests.conftest import mlflow_runs


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("gallery-runs")
    result = train(compose_config([f"paths.runs_dir={runs}", "data=xor", "trainer.max_epochs=3",
                                   "tracking.confusion_every=0"]))
    return runs, result.run_id


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_writes_a_non_empty_png_and_logs_it(topic, trained_run):
    runs, run_id = trained_run
    argv = [topic, *([run_id] if topic in ("landscape", "gradient_flow") else []), "--runs-dir", str(runs), "--small"]
    assert main(argv) == 0
    pngs = list((runs / "lab" / topic).glob("*.png"))
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    gallery = [r for r in mlflow_runs(f"sqlite:///{runs}/mlflow.db", "lab") if r.data.tags.get("lab.topic") == topic]
    assert gallery and gallery[0].info.status == "FINISHED"


def test_landscape_without_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["landscape", "--runs-dir", str(tmp_path), "--no-mlflow"]) == 2
    assert "needs a run" in capsys.readouterr().err


def test_gradcheck_topic_fails_when_backprop_is_wrong(tmp_path, monkeypatch):
    from sweeps.lab import layers

    original = layers.Linear.backward

    def wrong_backward(self, dout):
        dx = original(self, dout)
        self.grads["W"] *= 1.01  # a 1% bug in dW
        return dx

    monkeypatch.setattr(layers.Linear, "backward", wrong_backward)
    # The topic's exit status is the check: non-zero as soon as one error exceeds 1e-6.
    assert main(["gradcheck", "--runs-dir", str(tmp_path), "--no-mlflow"]) == 1
