"""Repair studies (``python -m sweeps.diagnose run_id=... repair=true``): re-run a diagnosed run
with each fix its diagnosis proposes, over several seeds, and keep a fix only if it measurably
helps. It trains through :func:`sweeps.app.train`, so it sits above the app; the rules that
propose the fixes are :mod:`sweeps.diagnosis`."""
