"""The neighbour graph's degree rules, shared by the graph, the configuration and the parameter sizing."""

from __future__ import annotations

from fedchain.exceptions import ConfigError


def default_degree(n: int) -> int:
    """``min(n - 1, 2 * ceil(log2 n))``: Bell et al.'s semi-honest degree (kept for comparison only).

    It holds only against honest-but-curious members: fedchain sizes ``k`` from its threat model instead
    (:func:`~fedchain.privacy.secagg.params.size_parameters`).
    """
    if type(n) is not int or n < 1:
        raise ConfigError(f"the number of members must be a positive int, not {n!r}")
    return min(n - 1, 2 * (n - 1).bit_length())


def resolve_degree(n: int, degree: int | None) -> int:
    """The degree a graph of ``n`` members gets: ``n - 1`` (complete) when ``degree`` is ``None`` or
    ``>= n - 1``.

    Raises
    ------
    ConfigError
        ``n < 1``, or a degree below ``n - 1`` that is not an even int of at least 2 (Bell et al.'s ring
        links ``k / 2`` members on each side).
    """
    if type(n) is not int or n < 1:
        raise ConfigError(f"the number of members must be a positive int, not {n!r}")
    if degree is None:
        return n - 1
    if type(degree) is not int or degree < 1:
        raise ConfigError(f"degree must be a positive int, not {degree!r}")
    if degree >= n - 1:
        return n - 1
    if degree % 2:
        raise ConfigError(f"degree {degree} < n - 1 = {n - 1} must be even (k/2 neighbours on each side)")
    return degree


__all__ = ["default_degree", "resolve_degree"]
