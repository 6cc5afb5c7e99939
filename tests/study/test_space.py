"""Hydra sweep grammar -> Optuna distributions (hydra-optuna-sweeper's table and sweeps' own),
samplers and pruners from their ``_target_`` nodes."""

from __future__ import annotations

import optuna
import pytest
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from sweeps.study.runner import tell
from sweeps.study.samplers import build_pruner, build_sampler
from sweeps.study.settings import PRUNERS, SAMPLERS
from sweeps.study.space import SearchSpaceError, parse_search_space


def _one(override: str):
    space = parse_search_space([override])
    (dist,) = space.distributions.values()
    return dist


# hydra-optuna-sweeper's own override -> distribution table (its private test of _impl), as is.
@pytest.mark.parametrize("override,expected", [
    ("key=choice(1,2)", CategoricalDistribution([1, 2])),
    ("key=choice(true, false)", CategoricalDistribution([True, False])),
    ("key=choice('hello', 'world')", CategoricalDistribution(["hello", "world"])),
    ("key=shuffle(range(1,3))", CategoricalDistribution((1, 2))),
    ("key=range(1,3)", IntDistribution(1, 3)),
    ("key=interval(1, 5)", FloatDistribution(1, 5)),
    ("key=int(interval(1, 5))", IntDistribution(1, 5)),
    ("key=tag(log, interval(1, 5))", FloatDistribution(1, 5, log=True)),
    ("key=tag(log, int(interval(1, 5)))", IntDistribution(1, 5, log=True)),
    ("key=range(0.5, 5.5, step=1)", FloatDistribution(0.5, 5.5, step=1)),
])
def test_the_peers_override_table(override, expected):
    actual = _one(override)
    if isinstance(expected, CategoricalDistribution):  # shuffle() reorders the choices
        assert isinstance(actual, CategoricalDistribution) and set(actual.choices) == set(expected.choices)
    else:
        assert actual == expected


@pytest.mark.parametrize("override,expected", [
    ("optimizer=sgd,momentum,adam", CategoricalDistribution(["sgd", "momentum", "adam"])),
    ("model.hidden_dims=choice([64],[128,64])", CategoricalDistribution(["[64]", "[128,64]"])),
    ("data.batch_size=range(32,129,32)", IntDistribution(32, 128, step=32)),
    ("optimizer.lr=tag(log,interval(1e-4,1))", FloatDistribution(1e-4, 1.0, log=True)),
])
def test_sweeps_extensions_and_lists(override, expected):
    assert _one(override) == expected


def test_shuffled_range_keeps_every_value_every_time():
    # The old mapping inferred an IntDistribution from the first two shuffled values and lost values.
    for _ in range(40):
        assert sorted(_one("key=shuffle(range(0,10,step=2))").choices) == [0, 2, 4, 6, 8]


def test_fixed_overrides_ride_along_and_the_command_line_beats_params():
    space = parse_search_space(["seed=3", "~z", "optimizer.lr=interval(0.1,0.2)"],
                               params={"optimizer.lr": "interval(1e-4,1e-3)", "model.dropout": "interval(0,0.3)"})
    assert space.fixed == ["seed=3", "~z"]
    assert space.distributions["optimizer.lr"] == FloatDistribution(0.1, 0.2)
    # A trial's overrides: fixed first, then one key=value per sampled parameter.
    assert space.trial_overrides({"optimizer.lr": 0.15, "model.dropout": 0.1}) == \
        ["seed=3", "~z", "optimizer.lr=0.15", "model.dropout=0.1"]


def test_an_empty_space_is_allowed_like_the_peer():
    assert parse_search_space(["seed=1"]).distributions == {}


@pytest.mark.parametrize("override,message", [
    ("optimizer.lr=tag(log,interval(0,1))", "optimizer.lr"),      # log scale needs low > 0
    ("model.dropout=interval(0.5", "cannot parse"),                # unbalanced parenthesis
    ("hydra.job.chdir=true,false", "Hydra's own key"),
])
def test_malformed_spaces_are_refused_before_any_trial(override, message):
    with pytest.raises(SearchSpaceError, match=message):
        parse_search_space([override])


def _node(group: dict, name: str, **overrides):
    return OmegaConf.merge(OmegaConf.structured(group[name]), overrides)


def test_grid_sampler_needs_a_finite_space_and_builds_its_grid_from_it():
    continuous = parse_search_space(["model.dropout=interval(0,0.5)"])
    with pytest.raises(SearchSpaceError, match="model.dropout"):
        build_sampler(_node(SAMPLERS, "grid"), continuous.distributions)
    grid = parse_search_space(["x=choice(-1,1)", "y=range(-1.0,1.0,step=1)"])
    study = optuna.create_study(sampler=build_sampler(_node(SAMPLERS, "grid"), grid.distributions))
    for _ in range(6):
        trial = study.ask(grid.distributions)
        tell(study, trial, values=0.0)  # the last tell would call study.stop() outside optimize()
    # 2 x 3 points (Optuna's ranges are closed), each proposed exactly once.
    assert sorted((t.params["x"], t.params["y"]) for t in study.trials) == \
        [(x, y) for x in (-1, 1) for y in (-1.0, 0.0, 1.0)]


def test_a_keyword_the_class_does_not_take_is_one_line_naming_the_group():
    with pytest.raises(SearchSpaceError, match="hydra.sweeper.pruner.*n_startup_trials"):
        build_pruner(OmegaConf.create({"_target_": "optuna.pruners.HyperbandPruner", "n_startup_trials": 5}))
    with pytest.raises(SearchSpaceError, match="hydra.sweeper.sampler"):
        build_sampler(OmegaConf.create({"_target_": "optuna.samplers.NoSuchSampler"}), {})
    with pytest.raises(SearchSpaceError, match="removed in Optuna 4.0"):
        build_sampler(_node(SAMPLERS, "motpe"), {})


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_every_pruner_option_builds_its_optuna_class(name):
    pruner = build_pruner(_node(PRUNERS, name, **({"upper": 1.0} if name == "threshold" else {})))
    assert isinstance(pruner, optuna.pruners.BasePruner)
    # The nested pruners are instantiated too (patient wraps median, diagnosis wraps median).
    if name in ("patient", "diagnosis"):
        inner = pruner._wrapped_pruner if name == "patient" else pruner.inner
        assert isinstance(inner, optuna.pruners.MedianPruner)


@pytest.mark.parametrize("name", [n for n in sorted(SAMPLERS) if n != "motpe"])
def test_every_sampler_option_runs_a_small_study(name):
    space = parse_search_space(["x=range(0,4)", "y=range(0,4)"] if name == "grid" else
                               ["x=interval(-2.0,2.0)", "y=interval(-2.0,2.0)"])
    directions = ["minimize", "minimize"] if name.startswith("nsga") else ["minimize"]
    study = optuna.create_study(directions=directions,
                                sampler=build_sampler(_node(SAMPLERS, name, seed=0), space.distributions))
    for _ in range(6):
        trial = study.ask(space.distributions)
        value = (trial.params["x"] - 1) ** 2 + (trial.params["y"] + 1) ** 2
        study.tell(trial, [value, -value] if len(directions) == 2 else value)
    # Every sampler proposes inside the space and the study records all six trials.
    assert len(study.trials) == 6 and all(-2 <= t.params["x"] <= 4 for t in study.trials)


def test_same_seed_same_proposals_and_resumed_seed_differs():
    space = parse_search_space(["x=interval(0.0,1.0)"])
    node = _node(SAMPLERS, "tpe", seed=0)

    def first_points(offset):
        study = optuna.create_study(sampler=build_sampler(node, space.distributions, seed_offset=offset))
        return [study.ask(space.distributions).params["x"] for _ in range(3)]

    assert first_points(0) == first_points(0)
    assert first_points(0) != first_points(3 * 7919)  # what a resume after 3 trials would use
