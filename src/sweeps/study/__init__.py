"""Optuna studies run through Hydra: search spaces, samplers, pruners, storage, the study loop."""

from sweeps.study.runner import StudyFailed, StudyRunner, SweepSettings
from sweeps.study.space import SearchSpace, SearchSpaceError, parse_search_space

__all__ = ["SearchSpace", "SearchSpaceError", "StudyFailed", "StudyRunner", "SweepSettings", "parse_search_space"]
