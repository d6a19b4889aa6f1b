"""Fixtures shared by the unit tests of bpcode."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def torch():
    """PyTorch with float64 as its default dtype, restored afterwards; skips without it."""
    torch = pytest.importorskip(
        "torch",
        reason="PyTorch is not installed (pip install -r requirements-frameworks.txt)",
    )
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)
