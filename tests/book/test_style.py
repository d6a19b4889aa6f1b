"""The Python sources pass ``ruff check`` and ``ruff format --check``.

Configuration: ``[tool.ruff]`` in pyproject.toml. Fix a failure with
``.venv/bin/ruff check --fix PATH`` and ``.venv/bin/ruff format PATH``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.toc import REPO

PATHS = ["bpcode", "tests", "benchmarks", "book/frameworks", "book/_ext", "etc"]


def ruff() -> str:
    """The venv's ruff (next to the running interpreter), else the one on PATH."""
    candidate = Path(sys.executable).parent / "ruff"
    return str(candidate) if candidate.exists() else "ruff"


@pytest.mark.parametrize(
    "command", [["check"], ["format", "--check"]], ids=["check", "format"]
)
def test_ruff(command):
    try:
        proc = subprocess.run(
            [ruff(), *command, "--no-cache", *PATHS],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except FileNotFoundError:
        pytest.fail("ruff not found: pip install -r requirements.txt")
    assert proc.returncode == 0, (
        f"ruff {' '.join(command)} failed:\n{proc.stdout}{proc.stderr}"
    )
