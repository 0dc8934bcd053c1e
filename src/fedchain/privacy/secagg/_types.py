"""Type aliases shared by the SecAgg+ modules."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

Words: TypeAlias = npt.NDArray[np.unsignedinteger[Any]]
"""A vector of words mod ``2**bits``: a one-dimensional uint32 or uint64 array."""

MemberIndex: TypeAlias = int
"""A member's on-chain index in the task (``uint32``); members are ordered by it."""
