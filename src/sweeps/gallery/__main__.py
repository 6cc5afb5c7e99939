"""``python -m sweeps.gallery <topic> [RUN_ID]``: render a gallery topic to PNGs and log them to MLflow.

    python -m sweeps.gallery activations
    python -m sweeps.gallery landscape 3e6d52ba786a4bd29d0490a76cba05e4
    python -m sweeps.gallery all            # every topic that needs no run
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from sweeps.errors import SweepsError
from sweeps.utils.stores import mlflow_uri
from sweeps.gallery import TOPICS
from sweeps.gallery._context import GalleryContext

NEEDS_RUN = ("landscape",)


def render_topic(topic: str, ctx: GalleryContext) -> list[Path]:
    module = importlib.import_module(f"sweeps.gallery.{topic}")
    return module.render(ctx)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sweeps.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("topic", choices=[*TOPICS, "all"])
    parser.add_argument("run_id", nargs="?", help="MLflow run id (landscape; optional for gradient_flow)")
    parser.add_argument("--runs-dir", default="runs", help="where runs, checkpoints and the MLflow db live")
    parser.add_argument("--tracking-uri", default=None, help="MLflow URI (default: sqlite:///<runs-dir>/mlflow.db)")
    parser.add_argument("--small", action="store_true", help="small settings (seconds, for tests)")
    parser.add_argument("--no-mlflow", action="store_true", help="only write the PNGs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    runs_dir = Path(args.runs_dir)
    uri = args.tracking_uri or mlflow_uri(runs_dir)
    topics = [t for t in TOPICS if t not in NEEDS_RUN] if args.topic == "all" else [args.topic]
    failed = False
    try:
        for topic in topics:
            ctx = GalleryContext(out_dir=runs_dir / "lab" / topic, runs_dir=runs_dir, tracking_uri=uri,
                                 small=args.small, run_id=args.run_id)
            paths = render_topic(topic, ctx)
            failed |= bool(getattr(ctx, "failed", False))
            if not args.no_mlflow:
                _log(uri, topic, paths, args.run_id)
            for path in paths:
                print(f"{topic}: {path}")
    except SweepsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if failed:
        print("gradcheck: some relative error exceeds 1e-6", file=sys.stderr)
        return 1
    return 0


def _log(uri: str, topic: str, paths: list[Path], run_id: str | None) -> None:
    from sweeps.tracking import MlflowRun  # deferred: MLflow loads only when something is logged

    tags = {"sweeps.kind": "lab-gallery", "lab.topic": topic, **({"lab.source_run": run_id} if run_id else {})}
    with MlflowRun(uri, "lab", run_name=f"gallery: {topic}", tags=tags) as run:
        for path in paths:
            run.log_artifact(path, "gallery")


if __name__ == "__main__":
    sys.exit(main())
