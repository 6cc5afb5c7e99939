"""``sweeps.study.context``: what a running job knows of its trial, and the tags and parent run
that file the job's MLflow run under the study."""

from __future__ import annotations

from sweeps.study.context import StudyLink, TrialContext, _activate, current_trial, study_run_id, trial_context, trial_tags


def test_outside_a_sweep_there_is_no_trial_no_tags_and_no_parent():
    assert trial_context() is None and current_trial() is None
    assert trial_tags() == {} and study_run_id() is None


def test_inside_a_sweep_the_tags_name_the_study_and_trial_and_the_parent_is_the_study_run():
    link = StudyLink(storage=None, study_name="s1", directions=("maximize",), parent_run_id="parent-id")
    previous = _activate(TrialContext(link, number=4, trial=None))
    try:
        # MLflow tags are strings: the trial number is written as MLflow would read it back.
        assert trial_tags() == {"optuna.study_name": "s1", "optuna.trial_number": "4"}
        assert study_run_id() == "parent-id"
    finally:
        _activate(previous)
    assert trial_tags() == {}  # restored on the way out
