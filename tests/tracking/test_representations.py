"""``sweeps.tracking.representations``: before/after projections of what the network learned, and
attention highlights on the test documents, logged to a real MLflow store."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from mlflow.tracking import MlflowClient

from sweeps.models import AttentionPooling, TextClassifier
from sweeps.tracking import MlflowRun
from sweeps.tracking.representations import RepresentationLogger, log_attention_highlights
from sweeps.training import Evaluation, TensorSplit


def _val(n=30, d=5) -> TensorSplit:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=g)
    return TensorSplit(x, (x[:, 0] > 0).long())


def test_the_before_picture_is_taken_at_build_time_and_both_maps_logged_after(tracking_store, experiment):
    torch.manual_seed(0)
    model = TextClassifier(5, [4], 2)
    with MlflowRun(tracking_store, experiment) as run:
        logger = RepresentationLogger(run, model, _val(), ["neg", "pos"], points=12, tsne=True, seed=0)
        before = {k: v.copy() for k, v in logger.before.items()}
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)  # "training"
        logger.log_after()
    # A seeded draw of 12 of the 30 documents, the same each time.
    again = RepresentationLogger(run, model, _val(), ["neg", "pos"], points=12, tsne=False, seed=0)
    assert len(logger.index) == 12 and torch.equal(logger.index, again.index)
    assert set(before) == {"pooled", "hidden"} and before["hidden"].shape == (12, 4)
    assert not np.allclose(before["hidden"], again.before["hidden"])  # the picture was taken before the change
    client = MlflowClient(tracking_store)
    assert {a.path for a in client.list_artifacts(run.run_id, "analysis")} == \
        {"analysis/projection_pca.png", "analysis/projection_tsne.png"}


def test_a_model_without_representations_logs_nothing(tracking_store, experiment):
    model = torch.nn.Linear(5, 1)
    with MlflowRun(tracking_store, experiment) as run:
        logger = RepresentationLogger(run, model, _val(), ["neg", "pos"], points=10, tsne=False, seed=0)
        logger.log_after()
    assert logger.before is None and MlflowClient(tracking_store).list_artifacts(run.run_id) == []


def test_attention_highlights_show_the_surest_mistakes_and_correct_answers(tracking_store, experiment, tmp_path):
    torch.manual_seed(0)
    vocab = ["good", "bad", "plot", "<b>bold</b>"]
    model = TextClassifier(3, [], 2, pooler=AttentionPooling(torch.randn(len(vocab) + 1, 3)))
    ids = torch.tensor([[1, 3, 0], [2, 3, 4], [1, 1, 2], [4, 0, 0]])
    test = TensorSplit(ids, torch.tensor([1, 0, 1, 0]), lengths=torch.tensor([2, 3, 3, 1]))
    evaluation = Evaluation(0.5, {}, np.array([0.9, 0.8, 0.6, 0.3]), np.array([1, 1, 1, 0]))
    features = SimpleNamespace(vocab=vocab, class_names=["neg", "pos"])
    with MlflowRun(tracking_store, experiment) as run:
        log_attention_highlights(run, model, test, evaluation, features, per_kind=2)
    page = open(MlflowClient(tracking_store).download_artifacts(run.run_id, "analysis/attention.html",
                                                                str(tmp_path))).read()
    # One mistake (document 1, predicted pos at 0.8), the two surest correct answers (0.9, then 0.7).
    captions = [line.split("<h3>")[1].split("</h3>")[0] for line in page.splitlines() if "<h3>" in line]
    assert captions == ["mistake: true neg, predicted pos (0.800)", "correct: true pos, predicted pos (0.900)",
                        "correct: true neg, predicted neg (0.700)"]
    # Padding is not shown, and words are escaped.
    assert page.count("<span") == 3 + 2 + 1 and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_models_without_attention_get_no_page(tracking_store, experiment):
    model = TextClassifier(3, [], 2)
    with MlflowRun(tracking_store, experiment) as run:
        log_attention_highlights(run, model, None, None, None)
    assert MlflowClient(tracking_store).list_artifacts(run.run_id) == []
