"""One real sqlite MLflow store for the tracking tests (creating one costs a schema migration, about
a second); each test opens its own experiment in it, so no test sees another's runs."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def tracking_store(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('tracking-store')}/mlflow.db"


@pytest.fixture
def experiment() -> str:
    """A fresh experiment name in :func:`tracking_store`."""
    return f"exp-{uuid.uuid4().hex[:10]}"
