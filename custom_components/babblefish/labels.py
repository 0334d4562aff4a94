"""Sound-class labels as the Sound sensor's states: the default model's are translated, others readable."""

from __future__ import annotations

from typing import Final

# The shipped default model's labels (addon/.../models/default/labels.txt). Each has a state
# translation under entity.sensor.sound.state; tests keep the two lists in step.
TRANSLATED_LABELS: Final = frozenset(
    {"crying", "talking", "human_nonspeech", "animal", "white_noise", "quiet", "other"}
)


def sound_state(label: str) -> str:
    """The state for a label: itself when translated, else the label as words ("dog_bark" -> "Dog bark").

    A custom model's labels have no translation; spelled out they still read as a parent would
    write them in the history and logbook.
    """
    if label in TRANSLATED_LABELS:
        return label
    words = " ".join(label.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else label


def sound_states(labels: tuple[str, ...]) -> dict[str, str]:
    """Each label's state; a label whose spelled-out form another label already takes keeps its own."""
    states: dict[str, str] = {}
    for label in labels:
        state = sound_state(label)
        states[label] = label if state in states.values() else state
    return states
