"""fedchain: confidential federated learning coordinated by EVM smart contracts."""

from fedchain._version import __version__

__all__ = ["__version__"]
