"""Test helpers for code built on fedchain: a deployment with a task and its parties, on any dev backend.

>>> from fedchain.chain import EmbeddedBackend
>>> from fedchain.testing import World
>>> with EmbeddedBackend() as chain:
...     world = World.create(chain, members=2)
...     r, tree = world.run_round()
...     world.owner.models.version_count(world.task)
2
"""

from fedchain.testing.world import BOND, DURATIONS, PER_ROUND, STAKE, TOKEN, World, h

__all__ = ["BOND", "DURATIONS", "PER_ROUND", "STAKE", "TOKEN", "World", "h"]
