"""Long-running roles driven by chain state: participant, aggregator, verifier.

Each role is a class whose ``step()`` re-reads the chain and performs at most the next needed action(s),
returning what it did. The chain is the source of truth; the only local state is a small JSON file per node
(secrets and artifact references) written before the transaction that depends on it, so a node can be
killed at any point and rebuilt from its state file. :func:`~fedchain.node.sim.run_rounds` steps them in one
process (tests, demos); the CLI commands ``fedchain node run`` and ``aggregator run`` wrap them in a loop.

Rewards go by contribution: examples times the update's alignment with the aggregate step (ppm).

Examples
--------
>>> from fedchain.node import split_rewards, Included
>>> a, b = "0x" + "11" * 20, "0x" + "22" * 20
>>> split_rewards(10, [Included(a, 3, b"", 1_000_000), Included(b, 1, b"", 1_000_000)])[0][1]
7
>>> split_rewards(10, [Included(a, 3, b"", 250_000), Included(b, 1, b"", 1_000_000)])[0][1]
4
"""

from fedchain.node._derive import (
    Exclusion,
    Included,
    RoundDerivation,
    derive_round,
    read_round_record,
    round_record,
    split_rewards,
)
from fedchain.node.aggregator import Aggregator
from fedchain.node.errors import ModelIntegrityError, NodeError, NodeStateError, VerificationError
from fedchain.node.participant import Participant
from fedchain.node.sim import SimLog, run_rounds
from fedchain.node.verifier import (
    StrategyFactory,
    TaskReport,
    Verifier,
    check_round,
    rederive_round,
    verify_task,
)

__all__ = [
    "Aggregator",
    "Exclusion",
    "Included",
    "ModelIntegrityError",
    "NodeError",
    "NodeStateError",
    "Participant",
    "RoundDerivation",
    "SimLog",
    "StrategyFactory",
    "TaskReport",
    "VerificationError",
    "Verifier",
    "check_round",
    "derive_round",
    "read_round_record",
    "rederive_round",
    "round_record",
    "run_rounds",
    "split_rewards",
    "verify_task",
]
