"""Contract-test fixtures: the real monitor's test model and recordings, and the integration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Found by name: pytest sees fixtures imported into a conftest.
from tests.ha_fixtures import auto_enable_custom_integrations, config_dir_in_tmp  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
# The monitor tests' tone model and WAV writer (the repository root is on the path via pytest's
# `pythonpath` setting in pyproject.toml).
sys.path.insert(0, str(REPO_ROOT / "tests" / "monitor"))


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """The real monitor listens on loopback."""


@pytest.fixture(scope="session")
def tone_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The monitor tests' tiny int8 model: a tone in one mel band is 'crying'.

    $BABBLEFISH_TONE_MODEL names one built beforehand: the Python 3.14 run (scripts/current_ha.sh)
    has no TensorFlow, so the main environment builds it there.
    """
    from tone_model import build

    prebuilt = os.environ.get("BABBLEFISH_TONE_MODEL")
    if prebuilt:
        return Path(prebuilt)
    return build(tmp_path_factory.mktemp("tone-model"))
