"""Non-neural baselines that run and are tracked exactly like the networks they are compared with."""

from sweeps.baselines.run import build_estimator
from sweeps.baselines.tfidf_logreg import TfidfLogreg

__all__ = ["TfidfLogreg", "build_estimator"]
