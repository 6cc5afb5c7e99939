"""``sweeps.tracking.optional_steps``: a failing end-of-run extra is skipped with its reason on the
run, and the run still FINISHES; an interrupt is not swallowed."""

from __future__ import annotations

import logging

import pytest
from mlflow.tracking import MlflowClient

from sweeps.analysis.inputs import DegenerateInput
from sweeps.tracking import MlflowRun
from sweeps.tracking.optional_steps import SKIPPED_TAG_PREFIX, optional_step, record_skip


def test_a_failing_step_is_skipped_with_its_reason_and_the_run_finishes(tracking_store, experiment, caplog):
    done = []
    with caplog.at_level(logging.WARNING, logger="sweeps"), MlflowRun(tracking_store, experiment) as run:
        with optional_step(run, "projection_tsne"):
            raise ValueError("array must not contain infs or NaNs\nsecond line")
        with optional_step(run, "degenerate"):
            raise DegenerateInput("every vector is the same point")
        with optional_step(run, "fine"):
            done.append("fine")
        done.append("after")
    got = MlflowClient(tracking_store).get_run(run.run_id)
    assert got.info.status == "FINISHED" and done == ["fine", "after"]
    tags = {k: v for k, v in got.data.tags.items() if k.startswith(SKIPPED_TAG_PREFIX)}
    # The first line of the error, with its type; a DegenerateInput says its reason alone.
    assert tags == {"sweeps.skipped.projection_tsne": "ValueError: array must not contain infs or NaNs",
                    "sweeps.skipped.degenerate": "every vector is the same point"}
    assert "skipped projection_tsne: ValueError" in caplog.text


def test_interrupts_are_not_caught(tracking_store, experiment):
    with pytest.raises(KeyboardInterrupt):
        with MlflowRun(tracking_store, experiment) as run:
            with optional_step(run, "figure"):
                raise KeyboardInterrupt
    got = MlflowClient(tracking_store).get_run(run.run_id)
    assert got.info.status == "KILLED" and "sweeps.skipped.figure" not in got.data.tags


def test_a_long_reason_is_cut_to_fit_a_tag(tracking_store, experiment):
    with MlflowRun(tracking_store, experiment) as run:
        record_skip(run, "huge", "x" * 5000)
    assert MlflowClient(tracking_store).get_run(run.run_id).data.tags["sweeps.skipped.huge"] == "x" * 1000
