"""Harm before alarm and one headline cause, on hand-made histories (no MLflow, milliseconds)."""

from __future__ import annotations

import math

from sweeps.config import compose_config
from sweeps.diagnosis import label_counts, study_tags, summary_line
from sweeps.diagnosis.diagnoser import diagnose, live_alarm
from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.report import markdown
from tests.diagnosis.test_rules import CASES, _epoch, healthy

CFG = compose_config([]).diagnosis
COLLAPSED = {"data/inputs_vector_cosine": 0.998, "data/inputs_feature_std": 0.004, "data/inputs_empty_docs": 0.0}
SOUND = {"data/inputs_vector_cosine": 0.31, "data/inputs_feature_std": 0.4, "data/inputs_empty_docs": 0.01}


def with_dead(history, dead=0.6):
    return [{**h, "diag/dead_frac/layer1": 0.1 if i == 0 else dead} for i, h in enumerate(history)]


def issue_overfitting(epochs=80):
    """Issue 20's case: 300 reviews, [512,512], Adam 3e-3: train 0.51 -> 0.93 acc, train loss
    0.92 -> 0.17, val loss 0.56 at epoch 20 rising to 0.88, val acc stuck at 0.69-0.73, 60% dead."""
    rows = []
    for i in range(epochs):
        t = i / (epochs - 1)
        val_loss = 0.7 - 0.14 * min(i, 19) / 19 if i < 20 else 0.56 + 0.32 * (i - 19) / (epochs - 20)
        rows.append(_epoch(0.92 - 0.75 * t, val_loss, 0.51 + 0.42 * t, 0.69 + 0.04 * (i % 2), dead=0.6))
    return with_dead(rows)


def test_a_good_run_with_many_dead_units_stays_healthy_with_the_observation_recorded():
    diagnosis = diagnose(with_dead(healthy()), CFG, 2)
    assert diagnosis.labels == ["healthy"]  # no harm: val acc 0.77, loss falling
    assert [o.label for o in diagnosis.observations] == ["dying_relu"]
    assert diagnosis.tag_observations == "dying_relu" and diagnosis.first_fix() == ""  # an observation has no fix
    assert "Observations" in markdown(diagnosis, "run", 10)


def test_dead_units_become_a_label_when_the_run_is_below_its_reference():
    facts = RunFacts(reference_acc=0.85, reference="the study's best trial")
    diagnosis = diagnose(with_dead(healthy()), CFG, facts=facts)
    assert diagnosis.labels == ["dying_relu"]
    assert "study's best" in diagnosis.findings[0].harm  # the harm names the reference


def test_overfitting_wins_over_dying_relu_in_the_issue_case():
    diagnosis = diagnose(issue_overfitting(), CFG, 2)
    assert diagnosis.labels[0] == "overfitting"
    # Dead units in a run that is not near chance: an observation, not a second label.
    assert diagnosis.labels == ["overfitting"] and "dying_relu" in diagnosis.tag_observations


def test_overfitting_is_read_from_the_curves_at_any_length():
    for epochs in (12, 30, 80):
        assert diagnose(issue_overfitting(epochs), CFG, 2).labels[0] == "overfitting", epochs


def test_uninformative_inputs_win_over_the_dead_units_and_flat_loss_they_cause():
    diagnosis = diagnose(CASES["dying_relu"], CFG, facts=RunFacts(data=COLLAPSED))
    assert diagnosis.labels == ["uninformative_inputs"]
    assert diagnosis.explained["dying_relu"] == "uninformative_inputs"  # reported as following from it
    assert diagnosis.first_fix() == "embeddings=glove50"  # a data/embeddings fix, not an lr cut
    report = markdown(diagnosis, "run", 8)
    assert report.index("uninformative_inputs") < report.index("Follows from it: **dying_relu**")


def test_degenerate_inputs_in_a_run_that_learns_are_an_observation():
    diagnosis = diagnose(healthy(), CFG, facts=RunFacts(data=COLLAPSED))
    assert diagnosis.labels == ["healthy"] and diagnosis.tag_observations == "uninformative_inputs"


def test_absent_or_sound_data_metrics_change_nothing():
    for data in ({}, SOUND, {"data/inputs_vector_cosine": math.nan}, {"data/train_size": 300.0}):
        for label, history in CASES.items():
            assert diagnose(history, CFG, facts=RunFacts(data=data)).labels == [label], (data, label)


def test_labels_are_ordered_by_cause_and_the_lr_explains_dead_units():
    # A harmed run (val near chance) with huge steps and dead units: the lr is the headline.
    history = [_epoch(0.69, 0.69, 0.52, 0.5, ratio=(0.3, 0.2), dead=0.1 if i == 0 else 0.9) for i in range(8)]
    diagnosis = diagnose(history, CFG, 2)
    assert diagnosis.labels == ["lr_too_high"] and diagnosis.explained["dying_relu"] == "lr_too_high"
    # Overfitting curves on top of a harmed run: both labels, the cause order decides which leads.
    harmed = [{**h, "val/acc": 0.55} for h in issue_overfitting(30)]
    assert diagnose(harmed, CFG, 2).labels == ["overfitting", "dying_relu"]


def test_no_fix_undoes_the_setting_that_made_a_run_its_studys_best():
    params = {"optimizer.lr": "0.003", "model.dropout": "0.0"}
    facts = RunFacts(keep=("optimizer.lr",))
    diagnosis = diagnose(issue_overfitting(), CFG, 2, params, facts=facts)
    fixes = diagnosis.fixes["overfitting"]
    assert fixes and all("optimizer.lr" not in fix for fix in fixes)
    assert any("optimizer.lr" in fix for fix in diagnosis.withheld["overfitting"])  # said, not silently dropped
    # A group swap resets the kept key too.
    assert diagnose(CASES["lr_too_low"], CFG, 2, facts=RunFacts(keep=("optimizer.lr",))).fixes["lr_too_low"] == []


def test_the_live_alarm_never_fires_on_an_observation():
    # Gradient norms past the exploding threshold while the loss falls well below guessing.
    loud = [{**h, "diag/grad_norm/layer1": 500.0} for h in healthy()]
    assert diagnose(loud, CFG, 2).labels == ["healthy"]
    assert live_alarm(loud, CFG, 2) is None
    # The same norms in a run whose loss is no better than guessing: an alarm.
    broken = [{**h, "diag/grad_norm/layer1": 500.0, "train/loss": 0.9} for h in healthy(3)]
    assert live_alarm(broken, CFG, 2).label == "exploding_gradients"


def test_label_counts_for_a_study_summary():
    tags = [{"diagnosis.labels": "healthy", "diagnosis.observations": "dying_relu"},
            {"diagnosis.labels": "overfitting,dying_relu"}, {"diagnosis.labels": "healthy"}, {}]
    assert label_counts(tags) == {"healthy": 2, "dying_relu": 1, "overfitting": 1}
    assert label_counts(tags, tag="diagnosis.observations") == {"dying_relu": 1}
    assert label_counts(["overfitting", "healthy", "overfitting"]) == {"overfitting": 2, "healthy": 1}
    # What the sweep summary prints and the parent run is tagged with.
    assert summary_line(tags) == "diagnosis: healthy 2, dying_relu 1, overfitting 1 (observations: dying_relu 1)"
    assert study_tags(tags) == {"diagnosis.label_counts": "healthy=2,dying_relu=1,overfitting=1",
                                "diagnosis.observation_counts": "dying_relu=1"}


def test_collapsed_inputs_need_less_harm_than_an_internal_statistic():
    # Issue 19's 2,000-review run: 0.63, a linear model 0.8 on the same split.
    history = with_dead([{**h, "val/acc": 0.55 + 0.01 * i, "train/acc": 0.57 + 0.01 * i}
                         for i, h in enumerate(healthy())], dead=0.87)
    assert diagnose(history, CFG, facts=RunFacts(data=COLLAPSED)).labels == ["uninformative_inputs"]
    # Same curves with sound inputs: 0.64 is not near chance, so the dead units stay an observation.
    assert diagnose(history, CFG, facts=RunFacts(data=SOUND)).labels == ["healthy"]


def test_a_diverging_runs_rising_validation_loss_is_not_overfitting():
    # The lr_too_high preset's curves (SGD at lr 5 on IMDB): val loss "rises" from 30 to 114 while
    # the train loss wobbles from 77 to 61-66, all far above guessing.
    train = [77.0, 79.3, 77.5, 77.9, 73.2, 66.2, 62.4, 66.5, 61.0, 60.9, 69.4, 63.4, 61.2, 63.7, 66.3]
    val = [135.5, 29.4, 73.5, 54.7, 34.9, 67.0, 76.4, 47.1, 92.5, 69.2, 65.8, 29.9, 80.6, 90.5, 113.9]
    history = [_epoch(t, v, 0.51, 0.5) for t, v in zip(train, val)]
    assert diagnose(history, CFG, 2).labels == ["lr_too_high"]


def test_a_loss_that_starts_high_and_creeps_down_is_a_low_lr_not_an_overshoot():
    # SGD at 1e-4 from a poor init: 1.12 -> 0.71, above ln 2 throughout, still falling, val acc 0.64.
    history = [_epoch(1.116 * 0.97 ** i, 0.99 * 0.972 ** i, 0.51 + 0.008 * i, 0.51 + 0.009 * i, ratio=(1e-5, 7e-5))
               for i in range(15)]
    diagnosis = diagnose(history, CFG, 2)
    assert diagnosis.labels == ["lr_too_low"]
    assert "still falling" in diagnosis.findings[0].harm  # the harm is the unfinished curve


def test_a_wobble_at_the_ceiling_is_an_observation_and_a_costly_zigzag_is_noisy_training():
    # The main job's best trial (val 0.804): its val loss wobbles by ~0.02 around 0.44.
    wobble = [_epoch(t, v, a + 0.02, a) for t, v, a in zip(
        [0.485, 0.446, 0.431, 0.425, 0.418, 0.417, 0.414, 0.41, 0.406, 0.408, 0.403],
        [0.5105, 0.4573, 0.4403, 0.4782, 0.4369, 0.4328, 0.4498, 0.4262, 0.4518, 0.4374, 0.464],
        [0.752, 0.781, 0.795, 0.772, 0.792, 0.8, 0.797, 0.804, 0.795, 0.796, 0.781])]
    diagnosis = diagnose(wobble, CFG, 2)
    assert diagnosis.labels == ["healthy"] and diagnosis.tag_observations == "noisy_training"
    # The noisy preset (batch 4, Adam 0.01, tanh): the settled val loss averages 10% above its minimum.
    noisy = [_epoch(t, v, ta, va) for t, v, ta, va in zip(
        [0.578, 0.544, 0.526, 0.531, 0.533, 0.53, 0.527, 0.525], [0.51, 0.74, 0.467, 0.532, 0.579, 0.52, 0.468, 0.471],
        [0.719, 0.749, 0.761, 0.765, 0.76, 0.763, 0.766, 0.768], [0.763, 0.691, 0.78, 0.762, 0.77, 0.779, 0.796, 0.788])]
    assert diagnose(noisy, CFG, 2).labels == ["noisy_training"]


def test_a_run_at_the_pipelines_ceiling_with_dropout_is_not_underfitting():
    # An imdb-study trial (dropout 0.48): train acc read with dropout on 0.80, val 0.80, loss 0.44.
    ceiling = [_epoch(0.511 - 0.004 * i, 0.475 - 0.002 * i, 0.75 + 0.003 * i, 0.767 + 0.002 * i) for i in range(20)]
    assert diagnose(ceiling, CFG, 2).labels == ["healthy"]


def test_tiny_steps_that_leave_the_model_unable_to_fit_are_the_cause_of_the_underfitting():
    # An optimizers-study trial, momentum at lr 1.2e-4: train acc 0.61, loss 0.67 (0.97 x ln 2),
    # val 0.64 (not near chance), val loss falling by 0.5% an epoch (not "still falling steadily").
    history = [_epoch(t, v, ta, va, ratio=(2e-6, 5e-5)) for t, v, ta, va in zip(
        [0.722, 0.688, 0.682, 0.677, 0.673, 0.67], [0.69, 0.682, 0.678, 0.674, 0.671, 0.667],
        [0.506, 0.545, 0.564, 0.583, 0.597, 0.608], [0.508, 0.573, 0.611, 0.62, 0.628, 0.636])]
    diagnosis = diagnose(history, CFG, 2)
    assert diagnosis.labels == ["lr_too_low"] and diagnosis.explained == {"underfitting": "lr_too_low"}
    assert "explains underfitting" in diagnosis.findings[0].harm


def test_each_input_check_alone_is_enough():
    # Collapsed vectors (issue 19's Word2Vec: cosine 0.999), near-constant features, or most docs empty.
    for data in ({"data/inputs_vector_cosine": 0.999}, {"data/inputs_feature_std": 0.02}, {"data/inputs_empty_docs": 0.7}):
        assert diagnose(CASES["dying_relu"], CFG, facts=RunFacts(data=data)).labels == ["uninformative_inputs"], data


def bbc_tiny_model(epochs=15):
    """A BBC News run of 3-d vectors into 3 hidden units (measured): train accuracy creeping from 0.22
    to 0.62, validation 0.64 at best, the loss still falling 2-3% an epoch with normal-sized steps."""
    return [_epoch(1.70 - 0.037 * i, 1.65 - 0.035 * i, 0.22 + 0.028 * i, 0.20 + 0.03 * i, ratio=(6e-4, 1e-3), dead=0.0)
            for i in range(epochs)]


def test_a_run_far_below_the_linear_baseline_that_cannot_fit_its_training_data_is_underfitting():
    history = bbc_tiny_model()
    assert diagnose(history, CFG, 5).labels == ["healthy"]  # the curves alone: no plateau, loss below 0.8 ln 5
    facts = RunFacts(num_classes=5, data={"data/linear_baseline_val_acc": 0.988})
    diagnosis = diagnose(history, CFG, 5, facts=facts)
    assert diagnosis.labels == ["underfitting"]
    [finding] = diagnosis.roots
    assert "linear baseline" in finding.harm and "0.988" in finding.harm


def test_a_run_at_its_pipelines_ceiling_under_the_linear_baseline_is_not_harmed():
    # IMDB's mean-pooled Word2Vec at 0.80 with TF-IDF + LR at 0.89: 9 points under it, within the gap.
    ceiling = [_epoch(0.60 - 0.02 * i, 0.58 - 0.012 * i, 0.70 + 0.01 * i, 0.70 + 0.011 * i) for i in range(10)]
    facts = RunFacts(num_classes=2, data={"data/linear_baseline_val_acc": 0.892})
    assert diagnose(ceiling, CFG, 2, facts=facts).labels == ["healthy"]
    # ... and its dead units stay an observation: being under a stronger model is not harm.
    assert diagnose(with_dead(ceiling), CFG, 2, facts=facts).tag_observations == "dying_relu"


def test_a_model_that_fits_its_training_data_is_not_underfitting_however_far_below_the_baseline():
    # 100 training documents memorised: train accuracy 1.0, validation 0.55 vs a linear 0.75.
    memorised = [_epoch(0.6 - 0.06 * i, 0.69, 0.6 + 0.04 * i, 0.55) for i in range(11)]
    facts = RunFacts(num_classes=2, data={"data/linear_baseline_val_acc": 0.75})
    assert "underfitting" not in diagnose(memorised, CFG, 2, facts=facts).labels


def test_a_cause_found_with_the_poor_fit_keeps_the_headline():
    # Tiny steps on BBC News: lr_too_low explains the poor fit, which follows from it.
    slow = [_epoch(1.60 - 0.004 * i, 1.60 - 0.004 * i, 0.25, 0.24, ratio=(1e-6, 1e-5)) for i in range(15)]
    facts = RunFacts(num_classes=5, data={"data/linear_baseline_val_acc": 0.988})
    diagnosis = diagnose(slow, CFG, 5, facts=facts)
    assert diagnosis.labels == ["lr_too_low"]
    assert diagnosis.explained.get("underfitting") == "lr_too_low"


def creeping(ratio, epochs=15):
    """A BBC News training loss still at 0.85 x ln 5 after 15 epochs of steady descent."""
    return [_epoch(1.62 - 0.018 * i, 1.60 - 0.018 * i, 0.22 + 0.012 * i, 0.22 + 0.012 * i, ratio=(ratio / 3, ratio), dead=0.0)
            for i in range(epochs)]


def test_a_creeping_loss_is_lr_too_low_only_when_the_steps_are_small():
    facts = RunFacts(num_classes=5, data={"data/linear_baseline_val_acc": 0.988})
    # Healthy-sized steps (a tiny model on BBC News moves 9e-4-1.4e-3 a step): it cannot do better.
    assert diagnose(creeping(1e-3), CFG, 5, facts=facts).labels == ["underfitting"]
    # Small steps (held-out lr_too_low runs: 3e-5-1.4e-4): the learning rate, with the poor fit following.
    slow = diagnose(creeping(1.2e-4), CFG, 5, facts=facts)
    assert slow.labels == ["lr_too_low"] and slow.explained.get("underfitting") == "lr_too_low"
    # Without instrumentation the curves decide, as before.
    bare = [{k: v for k, v in h.items() if not k.startswith("diag/")} for h in creeping(1e-3)]
    assert diagnose(bare, CFG, 5).labels == ["lr_too_low"]
