"""Shared paths of the Python package's tests (run by scripts/test-python.sh against the
installed wheel)."""

import json
import os
from pathlib import Path

import pytest

#: The repository root (this file is python/tests/conftest.py).
REPO = Path(__file__).resolve().parents[2]
#: The real diagrams, beside the checkout, always by this relative path.
FIXTURES = REPO / ".." / "shared" / "fixtures"
VALHALL = FIXTURES / "valhall"
GOLDEN = REPO / "fixtures" / "golden"


def request(name: str) -> dict:
    """A Valhall request by file name (``PH-ME-P-0003-001``) or ``all-files``."""
    with open(VALHALL / "requests" / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def cli() -> Path:
    """The CLI binary to compare against: $DIAGRAM_CONVERT_CLI, else the release build."""
    path = Path(os.environ.get("DIAGRAM_CONVERT_CLI", REPO / "target" / "release" / "diagram-convert"))
    assert path.is_file(), f"no CLI at {path}: build it (cargo build --release -p diagram-cli) or set DIAGRAM_CONVERT_CLI"
    return path
