"""Rewards: contribution scores and the Merkle trees that pay them out on-chain."""

from fedchain.incentives.contribution import (
    ALIGNMENT_ONE,
    alignments,
    contribution_weights,
    split_by_weight,
)
from fedchain.incentives.merkle import RewardTree, SumNode, leaf_hash, verify_proof

__all__ = [
    "ALIGNMENT_ONE",
    "RewardTree",
    "SumNode",
    "alignments",
    "contribution_weights",
    "leaf_hash",
    "split_by_weight",
    "verify_proof",
]
