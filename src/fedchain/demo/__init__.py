"""The end-to-end scenario behind ``fedchain demo`` (``make demo``)."""

from fedchain.demo.federation import TOKEN, FederationConfig, FederationResult, RoundRow, run_federation

__all__ = ["TOKEN", "FederationConfig", "FederationResult", "RoundRow", "run_federation"]
