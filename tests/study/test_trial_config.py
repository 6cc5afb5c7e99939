"""Job configs from the sweep's base config (the sweeper's fast path) are exactly Hydra's own."""

from __future__ import annotations

from pathlib import Path

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from hydra_plugins.sweeps_optuna_sweeper._compose import TrialConfigLoader

APPS = Path(__file__).parent / "apps"


def _trial(i: int) -> list[str]:
    return [f"x={i / 10}", "ret=float", f"++hydra.job.env_set.SWEEPS_OPTUNA_TRIAL={i}", f"hydra.sweep.subdir=s/{i}"]


def test_trial_configs_from_the_base_config_equal_hydras_composition_and_groups_fall_back():
    with initialize_config_dir(config_dir=str(APPS), version_base="1.3"):
        hydra_loader = GlobalHydra.instance().config_loader()
        master = hydra_loader.load_configuration("objective_app", ["hydra/sweeper=optuna", "x=interval(-1,1)"],
                                                 run_mode=RunMode.MULTIRUN)
        loader = TrialConfigLoader(hydra_loader)
        loader.load_sweep_config(master, _trial(0))
        assert loader._verified and not loader._disabled  # the first trial was checked against Hydra's
        for i in range(1, 4):
            fast, full = loader.load_sweep_config(master, _trial(i)), hydra_loader.load_sweep_config(master, _trial(i))
            assert OmegaConf.to_container(fast) == OmegaConf.to_container(full)
            assert fast.x == i / 10 and fast.hydra.job.env_set.SWEEPS_OPTUNA_TRIAL == str(i)
        # A config group choice changes the defaults tree: only Hydra's composition will do.
        assert loader._from_base(master, ["hydra/sweeper=basic"]) is None
        assert loader.load_sweep_config(master, ["hydra/sweeper=basic"]).hydra.runtime.choices["hydra/sweeper"] == "basic"
        # An override Hydra refuses is refused in Hydra's own words, not the fast path's.
        try:
            loader.load_sweep_config(master, ["no_such_key=1"])
        except Exception as exc:
            assert "no_such_key" in str(exc)
        else:
            raise AssertionError("an unknown key was accepted")


def test_a_fast_config_unlike_hydras_turns_the_fast_path_off():
    with initialize_config_dir(config_dir=str(APPS), version_base="1.3"):
        hydra_loader = GlobalHydra.instance().config_loader()
        master = hydra_loader.load_configuration("objective_app", ["hydra/sweeper=optuna"], run_mode=RunMode.MULTIRUN)
        loader = TrialConfigLoader(hydra_loader)
        loader._record = lambda cfg, parsed: OmegaConf.update(cfg, "ret", "tampered")  # a drifted Hydra
        assert loader.load_sweep_config(master, _trial(0)).ret == "float"  # Hydra's config is what the job gets
        assert loader._disabled and loader.load_sweep_config(master, _trial(1)).ret == "float"
