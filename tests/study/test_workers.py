"""Parallel workers on one storage: exactly n_trials, nothing run twice."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from tests.conftest import mlflow_runs, run_cli, small_overrides

SPACE = ["optimizer.lr=tag(log,interval(1e-3,1e-1))", "model.dropout=interval(0,0.5)"]


def _finished(trials):
    return [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]


def test_n_jobs_2_on_sqlite_finishes_exactly_n_trials_without_duplicates(tmp_path, tiny_csv):
    done = run_cli(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, "hydra.sweeper.n_trials=4",
                    "hydra.sweeper.n_jobs=2", "hydra.sweeper.study_name=par"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    trials = optuna.load_study(study_name="par", storage=f"sqlite:///{tmp_path}/runs/optuna.db").get_trials()
    finished = _finished(trials)
    assert len(finished) == 4
    assert len({tuple(sorted(t.params.items())) for t in finished}) == 4
    # Both processes took trials: the work really was shared.
    assert len({t.user_attrs["worker"] for t in finished}) == 2
    assert all(r.info.status == "FINISHED" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))


def test_journal_storage_works_like_sqlite(tmp_path, tiny_csv):
    journal = tmp_path / "runs" / "study.log"
    done = run_cli(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, "hydra.sweeper.n_trials=2",
                    f"hydra.sweeper.storage=journal:///{journal}", "hydra.sweeper.study_name=j"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="j", storage=JournalStorage(JournalFileBackend(str(journal))))
    assert len(_finished(study.get_trials())) == 2
