"""Fault injection: kills, concurrency, bad input and torn checkpoint writes. Prints figures.

    .venv/bin/python benchmarks/reliability.py [--kills 10] [--skip-postgres] [--only degenerate|term]

Runs on small synthetic data so the whole suite takes minutes. PostgreSQL is started like the
tests do (tests/servers.py) when its binaries are present.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import synthetic_rows, write_csv  # noqa: E402

SPACE = ["optimizer.lr=tag(log,interval(1e-3,1e-1))", "model.dropout=interval(0,0.5)"]
FAST = ["embeddings.dim=16", "embeddings.min_count=1", "embeddings.epochs=5", "model.hidden_dims=[16]",
        "trainer.max_epochs=4", "data.batch_size=16", "optimizer.lr=0.02", "tracking.confusion_every=0",
        "hydra.sweeper.heartbeat_interval=0.5", "hydra.sweeper.grace_period=2"]


def sweep_cmd(runs: Path, csv: Path, study: str, n_trials: int, storage: str | None = None) -> list[str]:
    return [sys.executable, "-m", "sweeps", "-m", f"paths.runs_dir={runs}", "data=files", f"data.path={csv}", *FAST,
            *SPACE, f"hydra.sweeper.n_trials={n_trials}", f"hydra.sweeper.study_name={study}",
            *([f"hydra.sweeper.storage={storage}"] if storage else [])]


def finished(trials) -> list:
    return [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]


def duplicates(trials) -> int:
    points = [tuple(sorted(t.params.items())) for t in finished(trials)]
    return len(points) - len(set(points))


def running_mlflow_runs(runs: Path) -> int:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{runs}/mlflow.db")
    experiment = client.get_experiment_by_name("sweeps")
    if experiment is None:
        return 0
    return sum(r.info.status == "RUNNING" for r in client.search_runs([experiment.experiment_id]))


def kill_soak(tmp: Path, csv: Path, kills: int, n_trials: int) -> None:
    runs, storage = tmp / "soak", None
    rng = random.Random(0)
    survived, history = 0, []
    for _ in range(kills):
        proc = subprocess.Popen(sweep_cmd(runs, csv, "soak", n_trials), cwd=tmp, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(2.0, 12.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            survived += 1
        proc.wait()
        if (runs / "optuna.db").exists():
            history.append(len(finished(optuna.load_study(study_name="soak", storage=f"sqlite:///{runs}/optuna.db").trials)))
        time.sleep(2.5)  # let the killed trial's heartbeat go stale
    subprocess.run(sweep_cmd(runs, csv, "soak", n_trials), cwd=tmp, check=True, capture_output=True)
    trials = optuna.load_study(study_name="soak", storage=f"sqlite:///{runs}/optuna.db").trials
    lost = sum(max(0, a - b) for a, b in zip(history, history[1:]))
    print(f"kill soak: {survived} SIGKILLs survived of {kills} attempts; trials expected {n_trials}, "
          f"finished {len(finished(trials))}, duplicates {duplicates(trials)}, trials lost {lost}, "
          f"MLflow runs left RUNNING {running_mlflow_runs(runs)}")


def term_soak(tmp: Path, csv: Path, kills: int, n_trials: int) -> None:
    """SIGTERM (what Slurm scancel, docker stop and systemd send) at random moments of a study run
    with 2 workers: after each, nothing may be RUNNING in Optuna or MLflow, no waiting for stale
    heartbeats; re-runs then finish exactly ``n_trials``."""
    runs = tmp / "term"
    rng = random.Random(1)
    stopped, running_left, codes = 0, 0, set()
    for _ in range(kills):
        proc = subprocess.Popen([*sweep_cmd(runs, csv, "term", n_trials), "hydra.sweeper.n_jobs=2"], cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(3.0, 12.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            stopped += 1
        _, err = proc.communicate(timeout=120)
        codes.add(proc.returncode)
        if (runs / "optuna.db").exists():
            try:
                trials = optuna.load_study(study_name="term", storage=f"sqlite:///{runs}/optuna.db").trials
            except KeyError:  # stopped before the study existed
                trials = []
            running_left += sum(t.state == TrialState.RUNNING for t in trials) + running_mlflow_runs(runs)
    subprocess.run(sweep_cmd(runs, csv, "term", n_trials), cwd=tmp, check=True, capture_output=True)
    trials = optuna.load_study(study_name="term", storage=f"sqlite:///{runs}/optuna.db").trials
    print(f"SIGTERM soak: {stopped} SIGTERMs of {kills} starts (exit codes {sorted(codes)}); trials or MLflow runs "
          f"left RUNNING after them: {running_left}; trials expected {n_trials}, finished {len(finished(trials))}, "
          f"duplicates {duplicates(trials)}")


def concurrency(tmp: Path, csv: Path, postgres: str | None, n_trials: int) -> None:
    storages = {"sqlite": lambda d: f"sqlite:///{d}/optuna.db", "journal": lambda d: f"journal:///{d}/optuna.log"}
    if postgres:
        storages["postgresql"] = lambda d: postgres
    for name, make in storages.items():
        for workers in (2, 4):
            runs = tmp / f"conc-{name}-{workers}"
            study = f"conc-{name}-{workers}"
            storage = make(runs)
            procs = [subprocess.Popen(sweep_cmd(runs, csv, study, n_trials, storage), cwd=tmp, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True) for _ in range(workers)]
            errors = [p.communicate()[1] for p in procs]
            locked = sum(e.count("database is locked") for e in errors)
            if name == "journal":
                from optuna.storages import JournalStorage
                from optuna.storages.journal import JournalFileBackend

                store = JournalStorage(JournalFileBackend(str(runs / "optuna.log")))
            else:
                store = storage
            trials = optuna.load_study(study_name=study, storage=store).trials
            print(f"concurrency {name:>10} x{workers}: expected {n_trials}, finished {len(finished(trials))}, "
                  f"duplicates {duplicates(trials)}, exit codes {[p.returncode for p in procs]}, "
                  f"sqlite lock errors surfaced {locked}")


def bad_inputs(tmp: Path, csv: Path) -> None:
    from tests.test_cli import _bad_input_cases

    cases = {name: overrides for name, (overrides, _) in _bad_input_cases(tmp).items()}
    runs = tmp / "bad"
    base = ["paths.runs_dir=" + str(runs), "data=files", f"data.path={csv}", *FAST[:8]]
    bad_ckpt = tmp / "bad.pt"
    bad_ckpt.write_bytes(b"not a checkpoint")
    jsonl = tmp / "broken.jsonl"
    jsonl.write_text('{"text": "a", "label": 1}\n{broken json\n')
    cases.update({
        "negative weight decay": base + ["optimizer.weight_decay=-1"],
        "momentum >= 1": base + ["optimizer=momentum", "optimizer.momentum=1.5"],
        "unknown schedule": base + ["scheduler=linear_typo"],
        "bad early-stopping mode": base + ["trainer.early_stopping.mode=up"],
        "fp16 on cpu": base + ["trainer.precision=16", "trainer.device=cpu"],
        "cuda without gpu": base + ["trainer.device=cuda"],
        "accumulate 0": base + ["trainer.accumulate_grad_batches=0"],
        "label smoothing 1": base + ["trainer.label_smoothing=1.0"],
        "subset of 1": base + ["data.subset=1"],
        "corrupt checkpoint": base + [f"trainer.resume_from={bad_ckpt}"],
        "missing checkpoint": base + [f"trainer.resume_from={tmp / 'none.pt'}"],
        "unknown run id": base + ["trainer.resume_from=feedfacefeedface"],
        "malformed jsonl": base + [f"data.path={jsonl}"],
        "labels outside classes": base + ["data.classes=[a,b]"],
        "numpy + attention": base + ["model=mlp_numpy", "model.pooling=attention"],
        "log interval from 0": ["-m", *base, "optimizer.lr=tag(log,interval(0,1))"],
        "unparsable space": ["-m", *base, "model.dropout=interval(0.1"],
        "grid over a float": ["-m", *base, "model.dropout=interval(0,0.5)", "hydra/sweeper/sampler=grid"],
        "unknown sampler": ["-m", *base, "model.dropout=interval(0,0.5)", "hydra/sweeper/sampler=tpee"],
        "pruner options mismatch": ["-m", *base, "model.dropout=interval(0,0.5)",
                                    "hydra/sweeper/pruner=hyperband", "+hydra.sweeper.pruner.n_startup_trials=3"],
        "objective/direction mismatch": ["-m", *base, "model.dropout=interval(0,0.5)",
                                         "hydra.sweeper.direction=[maximize,minimize]"],
    })
    clear = 0
    for name, overrides in cases.items():
        done = subprocess.run([sys.executable, "-m", "sweeps", *overrides], cwd=tmp, capture_output=True, text=True)
        one_line = done.returncode != 0 and "Traceback" not in done.stderr + done.stdout
        nothing_running = running_mlflow_runs(runs) == 0
        clear += one_line and nothing_running
        if not (one_line and nothing_running):
            print(f"  unclear: {name}: exit {done.returncode}\n{done.stderr[-800:]}")
    print(f"bad input corpus: {clear} of {len(cases)} gave a clear error with non-zero exit and nothing RUNNING")


TORTURE = """
import sys, torch
sys.path.insert(0, {repo!r})
from sweeps.training.checkpoint import save_checkpoint
epoch = 0
while True:
    epoch += 1
    save_checkpoint({path!r}, {{"model": {{"w": torch.randn(4_000_000)}}, "epoch": epoch}})
"""


def checkpoint_torture(tmp: Path, kills: int) -> None:
    from sweeps.training.checkpoint import load_checkpoint

    path = tmp / "torture" / "last.pt"
    path.parent.mkdir()
    rng = random.Random(1)
    good, loaded_epochs = 0, []
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", TORTURE.format(repo=str(REPO), path=str(path))])
        while not path.exists():
            time.sleep(0.05)
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        payload = load_checkpoint(path)
        good += 1
        loaded_epochs.append(payload["epoch"])
    leftovers = len(list(path.parent.glob(".last.pt.*.tmp")))
    print(f"checkpoint torture: {kills} SIGKILLs during writes, last good checkpoint loaded {good}/{kills} times "
          f"(epochs {loaded_epochs[:5]}...), torn temp files left beside it {leftovers} (the next write removes them)")


DEGENERATE_SOURCE = {
    "healthy": lambda rng, n, d: rng.normal(size=(n, d)),
    "nan": lambda rng, n, d: np_where(rng.random((n, d)) < 0.2, float("nan"), rng.normal(size=(n, d))),
    "inf": lambda rng, n, d: np_where(rng.random((n, d)) < 0.2, float("inf"), rng.normal(size=(n, d))),
    "huge": lambda rng, n, d: rng.normal(size=(n, d)) * 1e37,
    "constant": lambda rng, n, d: rng.normal(size=(1, d)).repeat(n, axis=0),
    "1-row": lambda rng, n, d: rng.normal(size=(1, d)),
    "2-class-only": lambda rng, n, d: rng.normal(size=(n, d)),
}


def np_where(mask, value, array):
    import numpy as np

    return np.where(mask, value, array)


def _degenerate_case(uri: str, step: str, kind: str) -> str:
    """One optional end-of-run step on one kind of input, wrapped as a run wraps it. Returns
    drawn | skipped: <reason> (raises if the step escaped its guard)."""
    import numpy as np

    from sweeps.analysis import analyse_errors, per_class_table
    from sweeps.analysis.attention_html import attention_page
    from sweeps.analysis.projections import projection_figure
    from sweeps.evaluation.metrics import confusion_matrix
    from sweeps.tracking import MlflowRun
    from sweeps.tracking.analysis_artifacts import confidence_of, log_prediction_analysis
    from sweeps.tracking.optional_steps import optional_step
    from sweeps.tracking.plots import close, confusion_figure, curves_figure, decision_boundary_figure

    rng = np.random.default_rng(0)
    x = DEGENERATE_SOURCE[kind](rng, 60, 16)
    n = len(x)
    classes = ["a", "b", "c"]
    labels = np.arange(n) % (2 if kind == "2-class-only" else 3)
    logits = x[:, :3]
    with np.errstate(all="ignore"):  # the point: probabilities as broken as a diverged model's
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = probs / probs.sum(axis=1, keepdims=True)
    preds = np.nan_to_num(logits, nan=0, posinf=0, neginf=0).argmax(axis=1)
    texts = [f"not a {i} but fine" for i in range(n)]

    def run_step(run) -> None:
        if step in ("projection_pca", "projection_tsne"):
            fig, skipped = projection_figure({"hidden": rng.normal(size=(n, 16))}, {"hidden": x}, labels, classes,
                                             step.split("_")[1])
            close(fig)
            if skipped:
                from sweeps.tracking.optional_steps import record_skip

                record_skip(run, step, "; ".join(skipped))
        elif step == "confusion_figure":
            close(confusion_figure(confusion_matrix(labels, preds, 3), classes, "test"))
        elif step == "training_curves":
            history = [{"train/loss": v, "val/loss": v, "train/acc": v, "val/acc": v, "lr": v} for v in x[:, 0]]
            close(curves_figure(history, 1))
        elif step == "error_analysis":
            analysis = analyse_errors(texts, labels, preds, confidence_of(probs), classes, np.abs(x[:, 1]))
            analysis.markdown("errors")
        elif step == "per_class_table":
            per_class_table(labels, preds, classes)
        elif step == "attention_html":
            attention_page([(texts[0].split() * 4, x[:16, 0], "doc")], "attention")
        elif step == "decision_boundary":
            points = x[:, :2]
            close(decision_boundary_figure(lambda grid: np.resize(x[:, 0], len(grid)), points, labels, "epoch 1"))
        elif step == "prediction_analysis":
            log_prediction_analysis(run, classes, labels, preds, probs, confusion_matrix(labels, preds, 3), texts,
                                    np.abs(x[:, 1]))

    from mlflow.tracking import MlflowClient

    with MlflowRun(uri, "degenerate", run_name=f"{step}-{kind}") as run:
        if step == "decision_boundary":
            # The callback's own check (DecisionBoundaryLogger._predict) runs before matplotlib.
            from sweeps.analysis.inputs import DegenerateInput

            with optional_step(run, step):
                if not np.isfinite(x).all():
                    raise DegenerateInput("the model's outputs hold NaN or inf")
                run_step(run)
        else:
            with optional_step(run, step):
                run_step(run)
    tags = MlflowClient(uri).get_run(run.run_id).data.tags
    reasons = [v for k, v in tags.items() if k.startswith("sweeps.skipped.")]
    return f"skipped: {reasons[0]}" if reasons else "drawn"


DEGENERATE_STEPS = ["projection_pca", "projection_tsne", "confusion_figure", "training_curves", "error_analysis",
                    "per_class_table", "attention_html", "decision_boundary", "prediction_analysis"]


def _degenerate_child(uri: str, step: str, kind: str, out) -> None:
    out.send(_degenerate_case(uri, step, kind))


def degenerate_inputs(tmp: Path) -> None:
    """Every optional end-of-run step on NaN, inf, huge, constant, 1-row and 2-class-only input,
    each in a forked child so a segfault in native code counts as a crash instead of ending this."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    uri = f"sqlite:///{tmp}/degenerate.db"
    _degenerate_case(uri, "per_class_table", "healthy")  # create the store once, before forking
    crashes, outcomes = [], {"drawn": 0, "checked": 0, "caught": 0}
    for step in DEGENERATE_STEPS:
        for kind in DEGENERATE_SOURCE:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_degenerate_child, args=(uri, step, kind, send))
            child.start()
            child.join(300)
            if child.exitcode != 0 or not receive.poll():
                crashes.append(f"{step} on {kind}: exit {child.exitcode}")
                continue
            result = receive.recv()
            # checked: refused by an input check before native code; caught: raised, and the
            # step's guard turned the exception into a recorded skip.
            outcomes["drawn" if result == "drawn" else
                     "caught" if re.match(r"skipped: \w+(Error|Exception|Warning): ", result) else "checked"] += 1
            if result != "drawn":
                print(f"  {step:>20} on {kind:<13} {result}")
    total = len(DEGENERATE_STEPS) * len(DEGENERATE_SOURCE)
    print(f"degenerate inputs: {total} step x input cases: {outcomes['drawn']} drawn, {outcomes['checked']} "
          f"skipped by an input check, {outcomes['caught']} skipped after an exception, all with a recorded reason; "
          f"{len(crashes)} crashes {crashes if crashes else ''}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=["degenerate", "term"], help="run one part only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        csv = write_csv(tmp / "reviews.csv", synthetic_rows(400))
        if args.only == "degenerate":
            degenerate_inputs(tmp)
            return
        if args.only == "term":
            term_soak(tmp, csv, args.kills, args.trials)
            return
        degenerate_inputs(tmp)
        checkpoint_torture(tmp, 20)
        bad_inputs(tmp, csv)
        kill_soak(tmp, csv, args.kills, args.trials)
        term_soak(tmp, csv, args.kills, args.trials)
        postgres = None
        if not args.skip_postgres:
            from tests.servers import PostgresUnavailable, start_postgres

            try:
                postgres = start_postgres()
            except PostgresUnavailable as reason:
                print(f"concurrency on PostgreSQL skipped: {reason}")
        try:
            concurrency(tmp, csv, postgres[0] if postgres else None, args.trials)
        finally:
            if postgres:
                from tests.servers import stop_postgres

                stop_postgres(postgres[1], postgres[2])


if __name__ == "__main__":
    main()
