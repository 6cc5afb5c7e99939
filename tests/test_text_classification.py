"""Issue 6 end to end on small data: trainable bags, pooling kinds, the TF-IDF baseline, analysis
artifacts and the results table, all through real MLflow sqlite stores."""

from __future__ import annotations

import numpy as np
import pytest
from mlflow import MlflowClient

from sweeps.app import train
from sweeps.errors import ConfigError
from sweeps.report import main as report_main
from tests.conftest import compose_config, small_overrides

FAST = ["tracking.projection_points=60", "tracking.tsne=false"]
BAG = ["features.trainable=true", "model.ngrams=2", "model.token_weighting=tfidf", "model.pooling=mean_max", "optimizer.lr=0.01"]


def _artifacts(client: MlflowClient, run_id: str, folder: str = "") -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, folder or None)}


def test_trainable_bag_learns_records_analysis_and_is_deterministic(tmp_path, tiny_csv):
    overrides = small_overrides(tmp_path / "runs", tiny_csv, embeddings="random") + BAG + FAST
    result = train(compose_config(overrides))
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    assert result.metrics["test/acc"] >= 0.8
    assert run.data.tags["sweeps.model"] == "mlp-trainable"
    assert {"analysis/errors.md", "analysis/per_class.csv", "analysis/error_categories.csv",
            "analysis/confident_mistakes.csv", "analysis/projection_pca.png"} <= _artifacts(client, result.run_id, "analysis")
    assert "errors/all/rate" in run.data.metrics
    again = train(compose_config(overrides))
    assert again.metrics["test/loss"] == result.metrics["test/loss"]


def test_trainable_bag_resumes_exactly(tmp_path, tiny_csv):
    base = small_overrides(tmp_path / "runs", tiny_csv, embeddings="random") + BAG + ["tracking.projection_points=0",
                                                                 "trainer.early_stopping.patience=0"]
    straight = train(compose_config(base + ["trainer.max_epochs=4"]))
    first = train(compose_config(base + ["trainer.max_epochs=2"]))
    resumed = train(compose_config(base + ["trainer.max_epochs=4", f"trainer.resume_from={first.run_id}"]))
    assert resumed.run_id == first.run_id
    assert resumed.metrics["test/loss"] == pytest.approx(straight.metrics["test/loss"], abs=1e-6)


def test_attention_pooling_writes_highlighted_words(tmp_path, tiny_csv):
    overrides = small_overrides(tmp_path / "runs", tiny_csv) + ["model.pooling=attention", *FAST]
    result = train(compose_config(overrides))
    client = MlflowClient(result.tracking_uri)
    assert "analysis/attention.html" in _artifacts(client, result.run_id, "analysis")
    page = open(client.download_artifacts(result.run_id, "analysis/attention.html", str(tmp_path))).read()
    # Words are shaded by weight, under a caption per document: the test split's most confident
    # mistakes and correct answers, up to 10 of each.
    assert "<span style='background:rgba(255,80,0," in page
    test_size = int(client.get_run(result.run_id).data.metrics["data/test_size"])
    wrong = round((1 - result.metrics["test/acc"]) * test_size)
    assert page.count("<h3>mistake: true ") == min(10, wrong)
    assert page.count("<h3>correct: true ") == min(10, test_size - wrong) > 0


def test_tfidf_baseline_is_a_tracked_run_and_the_report_compares(tmp_path, tiny_csv, capsys):
    runs = tmp_path / "runs"
    baseline = train(compose_config(small_overrides(runs, tiny_csv, model="logreg_tfidf") + ["model.min_df=1"]))
    network = train(compose_config(small_overrides(runs, tiny_csv) + FAST))
    client = MlflowClient(baseline.tracking_uri)
    run = client.get_run(baseline.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["sweeps.model"] == "logreg_tfidf"
    assert baseline.metrics["test/acc"] >= 0.8 and run.data.metrics["model/parameters"] > 10
    assert {"analysis/top_features.json", "analysis/errors.md"} <= _artifacts(client, baseline.run_id, "analysis")
    assert report_main(["--tracking-uri", baseline.tracking_uri]) == 0
    table = capsys.readouterr().out
    assert "tf-idf uni+bigram logreg C=1" in table and network.run_id[:8] in table and baseline.run_id[:8] in table


@pytest.mark.parametrize("overrides, key", [
    (["model.ngrams=2"], "model.ngrams"),  # bigrams need a trainable bag
    (["model.ngrams=3"], "model.ngrams"),
    (["model.C=0"], "model.C"),  # with model=logreg_tfidf (below)
    (["features.trainable=true", "optimizer._target_=sweeps.lab.optimizers.Adam"], "features.trainable"),
    (["trainer.instrument_every=-1"], "trainer.instrument_every"),
    (["tracking.projection_points=-5"], "tracking.projection_points"),
    (["trainer.num_threads=0"], "trainer.num_threads"),
])
def test_inconsistent_text_options_name_the_key(tmp_path, tiny_csv, overrides, key):
    model = "logreg_tfidf" if key == "model.C" else "mlp"
    with pytest.raises(ConfigError) as error:
        train(compose_config(small_overrides(tmp_path / "runs", tiny_csv, model=model) + overrides))
    assert error.value.key == key


# Issue 19: inputs are measured before training; degenerate ones warn, and an empty vocabulary is refused.
COLLAPSED = ["embeddings.dim=50", "embeddings.epochs=5", "embeddings.min_token_passes=0"]


def test_collapsed_vectors_are_measured_flagged_and_tagged(tmp_path, tiny_csv):
    result = train(compose_config(small_overrides(tmp_path / "runs", tiny_csv) + COLLAPSED + FAST))
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    # 5 Word2Vec epochs over ~6k tokens move every vector onto one shared direction (cosine 0.995).
    assert run.data.metrics["data/inputs_vector_cosine"] > 0.8
    assert {"data/inputs_feature_std", "data/inputs_empty_docs"} <= set(run.data.metrics)
    assert run.data.tags["inputs.warning"].startswith("uninformative inputs: the word2vec vectors")
    neighbours = open(client.download_artifacts(result.run_id, "embeddings/neighbours.txt", str(tmp_path))).read()
    assert neighbours.startswith("vectors collapsed") and "(1.00)" not in neighbours


def test_enough_token_passes_give_informative_vectors_and_no_warning(tmp_path, tiny_csv):
    overrides = small_overrides(tmp_path / "runs", tiny_csv) + ["embeddings.dim=50", "embeddings.epochs=5"] + FAST
    result = train(compose_config(overrides))
    run = MlflowClient(result.tracking_uri).get_run(result.run_id)
    # The same corpus and config, but epochs raised to reach embeddings.min_token_passes (cosine ~0.5).
    assert run.data.metrics["embeddings/epochs_run"] == 100
    assert run.data.metrics["data/inputs_vector_cosine"] < 0.8 and "inputs.warning" not in run.data.tags


@pytest.mark.parametrize("extra", [[], BAG])
def test_a_vocabulary_emptied_by_min_count_is_refused_before_any_run(tmp_path, tiny_csv, extra):
    runs = tmp_path / "runs"
    with pytest.raises(ConfigError) as error:
        train(compose_config(small_overrides(runs, tiny_csv, new_store=True) + extra + ["embeddings.min_count=100000"]))
    assert error.value.key == "embeddings.min_count" and "leaves no word" in str(error.value)
    assert not (runs / "mlflow.db").exists()  # nothing was opened, so nothing is left RUNNING


def test_subset_keeps_vectors_fitted_on_the_whole_training_split(tmp_path, tiny_csv):
    from sweeps.features import prepare_features

    base = small_overrides(tmp_path / "runs", tiny_csv) + ["data.subset=40"]
    whole = prepare_features(compose_config(base))
    only = prepare_features(compose_config(base + ["features.fit_on=subset"]))
    # 40 labelled rows either way (the same stratified draw); the vectors differ: the whole split's
    # text knows more words, so fewer training tokens are out of vocabulary.
    assert len(whole.train) == len(only.train) == 40
    assert (whole.train.labels == only.train.labels).all()
    assert whole.train.oov_rate <= only.train.oov_rate
    assert not (whole.test.pooled == only.test.pooled).all()


def test_extra_corpus_trains_the_vectors_and_the_data_set_itself_is_refused(tmp_path, tiny_csv):
    from sweeps.features import prepare_features
    from tests.conftest import write_csv

    extra = write_csv(tmp_path / "unlabelled.csv", [("a quixotic zyzzyva of a film", "x"), ("zyzzyva", "y")] * 20)
    base = small_overrides(tmp_path / "runs", tiny_csv)
    node = "embeddings.extra_corpus={_target_:sweeps.data.TextFiles,path:'%s'}"
    widened = prepare_features(compose_config(base + [node % extra]))
    # Only the training split's rows are labelled data; the extra text only shapes the vectors.
    assert len(widened.train) == len(prepare_features(compose_config(base)).train)
    with np.load(widened.vectors_file) as vectors:  # the trained vectors, as cached
        assert "zyzzyva" in vectors["words"].tolist()
    runs = tmp_path / "fresh"
    refused = small_overrides(runs, tiny_csv, new_store=True) + [node % tiny_csv]
    with pytest.raises(ConfigError) as error:  # the data set itself: refused before anything is read or opened
        train(compose_config(refused))
    assert error.value.key == "embeddings.extra_corpus" and "validation and test" in str(error.value)
    assert not (runs / "mlflow.db").exists()


@pytest.mark.parametrize("node, key, message", [
    ("{_target_:sweeps.data.TextFiles}", "embeddings.extra_corpus.path", "is required"),
    ("{_target_:sweeps.data.ToyData}", "embeddings.extra_corpus._target_", "not a text source"),
    ("imdb", "embeddings.extra_corpus", "must be a data node"),
    ("{_target_:sweeps.data.TextFiles,path:/no/such/file.csv}", None, "embeddings.extra_corpus: data file not found"),
])
def test_a_bad_extra_corpus_is_one_line_naming_its_key(tmp_path, tiny_csv, node, key, message):
    from sweeps.errors import DataError

    runs = tmp_path / "runs"
    with pytest.raises(ConfigError if key else DataError) as error:
        train(compose_config(small_overrides(runs, tiny_csv, new_store=True) + [f"embeddings.extra_corpus={node}"]))
    assert message in str(error.value)
    if key:
        assert error.value.key == key
    else:  # the data source's own message, its key renamed to the one the user set
        assert str(error.value).endswith("(embeddings.extra_corpus.path)")
