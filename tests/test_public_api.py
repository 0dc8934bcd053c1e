"""The top-level surface is curated: sorted, complete and importable (as httpx guards its own)."""

from __future__ import annotations

import fedchain
import fedchain.exceptions


def test_all_is_sorted_and_importable() -> None:
    names = [n for n in fedchain.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in fedchain.__all__:
        assert getattr(fedchain, name) is not None


def test_every_error_derives_from_the_root() -> None:
    for name in fedchain.exceptions.__all__:
        cls = getattr(fedchain.exceptions, name)
        assert issubclass(cls, fedchain.exceptions.FedchainError), name


def test_exception_tree_in_the_docstring_names_every_class() -> None:
    doc = fedchain.exceptions.__doc__ or ""
    for name in fedchain.exceptions.__all__:
        assert name in doc, f"{name} is missing from the hierarchy tree"
