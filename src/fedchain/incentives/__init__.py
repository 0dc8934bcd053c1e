"""Rewards: contribution scores and the Merkle trees that pay them out on-chain."""

from fedchain.incentives.merkle import RewardTree, leaf_hash, verify_proof

__all__ = ["RewardTree", "leaf_hash", "verify_proof"]
