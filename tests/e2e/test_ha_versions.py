"""`make demo HA=...`: which Home Assistant runs, and the one line saying why when it falls back."""

from __future__ import annotations

import ha_versions
import pytest
from ha_versions import CURRENT_HA, MINIMUM, HassVersionError, choose


@pytest.fixture
def not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user without root: the chroot can be neither built nor entered."""
    monkeypatch.setattr("os.geteuid", lambda: 1000)


def test_auto_falls_back_to_the_minimum_saying_why_and_how(not_root: None) -> None:
    version, why = choose("auto")
    assert version is MINIMUM
    assert why is not None
    assert "needs root" in why and "make demo HA=current" in why


def test_current_refuses_clearly_where_it_cannot_run(not_root: None) -> None:
    with pytest.raises(HassVersionError, match="needs root"):
        choose("current")


def test_minimum_never_needs_the_chroot(not_root: None) -> None:
    assert choose("minimum") == (MINIMUM, None)
    command = MINIMUM.argv(ha_versions.REPO)
    assert command[0].endswith("/hass") and str(CURRENT_HA) not in command


def test_an_unknown_version_names_the_choices() -> None:
    with pytest.raises(HassVersionError, match=r"auto.*current.*minimum"):
        choose("latest")
