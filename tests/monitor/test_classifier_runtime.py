"""Without the LiteRT package the monitor says what to install instead of failing with a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from babblefish_monitor.__main__ import main
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.model import ModelError, load_model_dir

DEMO = Path(__file__).resolve().parents[2] / "demo" / "nursery_demo.flac"


@pytest.fixture
def no_litert(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import ai_edge_litert` fail as it does where the package is not installed."""
    # A None entry in sys.modules makes the import system raise ImportError for that name.
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)


@pytest.mark.usefixtures("no_litert")
def test_classifier_names_the_missing_package() -> None:
    with pytest.raises(ModelError, match=r"pip install ai-edge-litert") as caught:
        Classifier(load_model_dir(None))
    assert "LiteRT runtime is not installed" in str(caught.value)


@pytest.mark.usefixtures("no_litert")
def test_replay_without_litert_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["replay", str(DEMO), "--events-out", str(tmp_path / "events.jsonl")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("babblefish-monitor replay: the LiteRT runtime is not installed")
    assert "Traceback" not in err
