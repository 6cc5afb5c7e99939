"""Non-neural baselines that run and are tracked exactly like the networks they are compared with."""

from sweeps.baselines.tfidf_logreg import TfidfLogreg, fit_tfidf_logreg

__all__ = ["TfidfLogreg", "fit_tfidf_logreg"]
