"""Each trial's job config without Hydra re-composing the whole config every time.

Hydra's launchers call ``config_loader.load_sweep_config(master, overrides)`` for every job: the
whole defaults tree (the app's groups, ``hydra/*``, the sweeper's sampler and pruner groups) is
loaded and merged again, about 50 ms a job on a plain app, the larger part of the sweeper's
per-trial cost. A trial's overrides only set values (``x=0.31``, the trial's ``env_set`` and
``subdir``) that cannot change what the defaults tree selects: Hydra applies value overrides
after composing. So the job config is the sweep's base config (composed once, with no trial
override) with the trial's value overrides applied the way Hydra applies them, plus the
bookkeeping Hydra adds (``hydra.overrides``, ``hydra.job.override_dirname``).

Safety: the first trial is composed both ways and compared; any difference and this sweep goes
back to Hydra's own composition for every job. So does any override that is not a plain value
change (a config group such as ``model=cnn``, ``+key``, ``~key``), and any error (Hydra's own
composition then raises its own message). Used for in-process jobs only (basic launcher): other
launchers compose in the job's process, where a one-off cache would not pay.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, List, Optional

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger("sweeps.study")


class TrialConfigLoader:
    """A ``ConfigLoader`` for the launcher: ``load_sweep_config`` from a cached base config;
    everything else is the sweep's own loader."""

    def __init__(self, delegate: Any) -> None:
        self.delegate = delegate
        self._base: Optional[DictConfig] = None
        self._verified = False
        self._disabled = False
        self._parser = OverridesParser.create()

    def __getattr__(self, name: str) -> Any:
        if name == "delegate":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.delegate, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: List[str]) -> DictConfig:
        fast = None if self._disabled else self._from_base(master_config, list(sweep_overrides))
        if fast is not None and self._verified:
            return fast
        full = self.delegate.load_sweep_config(master_config, list(sweep_overrides))
        if fast is not None:
            self._verify(fast, full)
        return full

    # -- the fast path ------------------------------------------------------------------------------
    def _from_base(self, master: DictConfig, overrides: List[str]) -> Optional[DictConfig]:
        """The job config from the base config, or None where only Hydra's composition will do."""
        try:
            parsed = self._parser.parse_overrides(overrides=overrides)
            if not all(_plain_value(o) for o in parsed):
                return None
            if self._base is None:
                self._base = self.delegate.load_sweep_config(master, [])
            if any(o.key_or_group in self._base.hydra.runtime.choices for o in parsed):  # a config group
                return None
            cfg = copy.deepcopy(self._base)
            for override in parsed:  # as Hydra's ConfigLoaderImpl._apply_overrides_to_config
                OmegaConf.update(cfg, override.key_or_group, override.value(), merge=True,
                                 force_add=override.is_force_add())
            self._record(cfg, parsed)
            OmegaConf.copy_cache(from_config=master, to_config=cfg)
            return cfg
        except Exception as exc:  # Hydra's own composition reports it in its own words
            log.debug("trial config from the base config failed (%s): Hydra composes it", exc)
            return None

    @staticmethod
    def _record(cfg: DictConfig, parsed: list) -> None:
        """What Hydra's ``load_configuration`` records about the overrides it applied."""
        app = [o for o in parsed if not o.is_hydra_override()]
        for override in parsed:
            target = cfg.hydra.overrides.hydra if override.is_hydra_override() else cfg.hydra.overrides.task
            target.append(override.input_line)
        conf = cfg.hydra.job.config.override_dirname
        cfg.hydra.job.override_dirname = _overrides_dirname(app, list(conf.exclude_keys), conf.item_sep, conf.kv_sep)

    def _verify(self, fast: DictConfig, full: DictConfig) -> None:
        """Trust the fast path only once it gave exactly Hydra's config for a real trial."""
        same = OmegaConf.to_container(fast, resolve=False) == OmegaConf.to_container(full, resolve=False) \
            and OmegaConf.is_struct(fast) == OmegaConf.is_struct(full)
        if same:
            self._verified = True
        else:
            self._disabled = True
            log.debug("trial config from the base config differs from Hydra's: Hydra composes every job")


def _plain_value(override: Any) -> bool:
    """``key=value`` or ``++key=value``: nothing a defaults tree could depend on."""
    return override.package is None and not override.is_delete() and not override.is_add() \
        and not override.is_sweep_override()


def _overrides_dirname(overrides: list, exclude_keys: list[str], item_sep: str, kv_sep: str) -> str:
    """``hydra.job.override_dirname`` as Hydra computes it (config_loader_impl.get_overrides_dirname)."""
    lines = sorted(o.input_line for o in overrides if o.key_or_group not in exclude_keys)
    return re.sub(pattern="[=]", repl=kv_sep, string=item_sep.join(lines))
