"""Hydra sweep grammar -> Optuna distributions, and the errors for spaces that make no sense."""

from __future__ import annotations

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from sweeps.study import SearchSpaceError, parse_search_space
from sweeps.study.samplers import build_pruner, build_sampler


@pytest.mark.parametrize("override,expected", [
    ("optimizer=sgd,momentum,adam", CategoricalDistribution(["sgd", "momentum", "adam"])),
    ("model.pooling=choice(mean,max)", CategoricalDistribution(["mean", "max"])),
    ("model.hidden_dims=choice([64],[128,64])", CategoricalDistribution(["[64]", "[128,64]"])),
    ("data.batch_size=range(32,129,32)", IntDistribution(32, 128, step=32)),
    ("model.dropout=interval(0.0,0.5)", FloatDistribution(0.0, 0.5)),
    ("trainer.max_epochs=int(interval(2,9))", IntDistribution(2, 9)),
    ("optimizer.lr=tag(log,interval(1e-4,1))", FloatDistribution(1e-4, 1.0, log=True)),
])
def test_hydra_sweeps_map_to_optuna_distributions(override, expected):
    space = parse_search_space([override])
    key = override.split("=")[0]
    assert space.distributions == {key: expected} and space.fixed == []


def test_fixed_overrides_ride_along_and_the_command_line_beats_params():
    space = parse_search_space(["seed=3", "optimizer.lr=interval(0.1,0.2)"],
                               params={"optimizer.lr": "interval(1e-4,1e-3)", "model.dropout": "interval(0,0.3)"})
    assert space.fixed == ["seed=3"]
    assert space.distributions["optimizer.lr"] == FloatDistribution(0.1, 0.2)
    # A trial's overrides: fixed first, then one key=value per sampled parameter.
    assert space.trial_overrides({"optimizer.lr": 0.15, "model.dropout": 0.1}) == \
        ["seed=3", "optimizer.lr=0.15", "model.dropout=0.1"]


@pytest.mark.parametrize("override,message", [
    ("optimizer.lr=tag(log,interval(0,1))", "optimizer.lr"),      # log scale needs low > 0
    ("model.dropout=interval(0.5", "cannot parse"),                # unbalanced parenthesis
    ("seed=1", "nothing to search"),                               # no sweep at all
])
def test_malformed_spaces_are_refused_before_any_trial(override, message):
    with pytest.raises(SearchSpaceError, match=message):
        parse_search_space([override])


def test_grid_sampler_needs_a_finite_space():
    space = parse_search_space(["model.dropout=interval(0,0.5)"])
    with pytest.raises(SearchSpaceError, match="model.dropout"):
        build_sampler("grid", 0, space.distributions, {})


def test_unknown_sampler_and_pruner_names():
    with pytest.raises(SearchSpaceError, match="tpe"):
        build_sampler("tpee", 0, {}, {})
    with pytest.raises(SearchSpaceError, match="median"):
        build_pruner("medain", {})


def test_every_pruner_prunes_nan():
    import optuna

    study = optuna.create_study(pruner=build_pruner("none", {}))
    trial = study.ask()
    trial.report(float("nan"), 1)
    # NopPruner alone would never prune; the NaN guard does.
    assert trial.should_prune()


def test_options_that_do_not_fit_the_pruner_name_the_key():
    with pytest.raises(SearchSpaceError, match="hydra.sweeper.pruner.options"):
        build_pruner("hyperband", {"n_startup_trials": 5})


@pytest.mark.parametrize("name", ["tpe", "random", "grid", "cmaes", "gp", "nsga2"])
def test_every_sampler_runs_a_small_study(name):
    import optuna

    space = parse_search_space(["x=range(0,5)", "y=range(0,5)"] if name == "grid" else
                               ["x=interval(-2.0,2.0)", "y=interval(-2.0,2.0)"])
    study = optuna.create_study(sampler=build_sampler(name, 0, space.distributions, {}))
    for _ in range(6):
        trial = study.ask(space.distributions)
        study.tell(trial, (trial.params["x"] - 1) ** 2 + (trial.params["y"] + 1) ** 2)
    # Every sampler proposes inside the space and the study records all six trials.
    assert len(study.trials) == 6 and all(-2 <= t.params["x"] <= 4 for t in study.trials)


def test_same_seed_same_proposals_and_resumed_seed_differs():
    import optuna

    space = parse_search_space(["x=interval(0.0,1.0)"])

    def first_points(seed):
        study = optuna.create_study(sampler=build_sampler("tpe", seed, space.distributions, {}))
        return [study.ask(space.distributions).params["x"] for _ in range(3)]

    assert first_points(0) == first_points(0)
    assert first_points(0) != first_points(0 + 3 * 7919)  # what a resume after 3 trials would use
