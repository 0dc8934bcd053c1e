"""Typed reads of the config keys the adapters understand.

========================  =======  ===============================================================
key                       type     meaning
========================  =======  ===============================================================
``"local_epochs"``        int      passes over the local training data (overrides the adapter's)
``"proximal_mu"``         float    FedProx proximal strength; ``0`` (default) is plain training
``"learning_rate"``       float    step size of the adapters' own gradient loops
``"server_round"``        int      mixed into the seed, so each round shuffles differently
========================  =======  ===============================================================
"""

from __future__ import annotations

import math

from fedchain.exceptions import ConfigError
from fedchain.fl.typing import Config


def config_int(config: Config, key: str, default: int, *, minimum: int) -> int:
    """Return ``config[key]`` (or ``default``) as an int ``>= minimum``; raise :class:`ConfigError` if not."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"config[{key!r}] must be an int >= {minimum}, not {value!r}")
    return value


def config_float(config: Config, key: str, default: float, *, minimum: float) -> float:
    """Return ``config[key]`` (or ``default``) as a finite float ``>= minimum``, else :class:`ConfigError`."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config[{key!r}] must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < minimum:
        raise ConfigError(f"config[{key!r}] must be a finite number >= {minimum}, not {value!r}")
    return number


def round_seed(seed: int, config: Config) -> list[int]:
    """Return the entropy for this round's generator: the adapter's seed and ``config["server_round"]``."""
    return [seed, config_int(config, "server_round", 0, minimum=0)]
