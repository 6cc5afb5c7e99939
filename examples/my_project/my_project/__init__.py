"""A user's own project: models and data of its own, trained, tracked, swept and diagnosed by sweeps."""
