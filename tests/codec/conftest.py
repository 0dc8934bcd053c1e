"""Helpers for the codec tests: hand-built safetensors blobs, valid or not."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

import pytest

RawBlob = Callable[..., bytes]


def _raw_blob(header: dict[str, Any] | bytes, data: bytes = b"", *, pad: bool = True) -> bytes:
    """Assemble ``u64 header length | header JSON | data`` the way safetensors lays a file out.

    With ``pad`` the header is space-padded to a multiple of 8 bytes, as safetensors writes it.
    """
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":"))
    raw = text if isinstance(text, bytes) else text.encode()
    if pad:
        raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.fixture
def raw_blob() -> RawBlob:
    """Return a function building a safetensors blob from a header and data bytes."""
    return _raw_blob
