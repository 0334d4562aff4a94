"""What the demo and the end-to-end test put into Home Assistant: entity lookup, dashboard, blueprint automations."""

from __future__ import annotations

from typing import Any

import aiohttp
import yaml
from hass_harness import Hass, HassWebSocket

LIGHT = "light.nursery_night_light"


async def babblefish_entities(ws: HassWebSocket) -> dict[str, str]:
    """Map each Babblefish entity key (the unique id's suffix, e.g. `crying`) to its entity id."""
    entries = await ws.call("config/entity_registry/list")
    found: dict[str, str] = {}
    for entry in entries:
        if entry.get("platform") != "babblefish" or not entry.get("unique_id"):
            continue
        _, _, key = str(entry["unique_id"]).partition("_")
        if key:
            found[key] = entry["entity_id"]
    if "crying" not in found:
        raise RuntimeError(f"no Babblefish crying entity registered; found {sorted(found)}")
    return found


def dashboard(entities: dict[str, str]) -> dict[str, Any]:
    """A one-view Nursery dashboard: crying tile, climate, sound, history and daily cry minutes."""
    e = entities.get
    names = {
        "cry_minutes_today": "Cry minutes today",
        "cry_episodes_today": "Cry episodes today",
        "last_cry_duration": "Last cry",
        "sound": "Sound",
        "sound_level": "Sound level",
        "temperature": "Temperature",
        "humidity": "Humidity",
    }
    tiles = [
        {"type": "tile", "entity": e("crying"), "name": "Crying", "color": "red"},
        *(
            {"type": "tile", "entity": e(key), "name": name}
            for key, name in names.items()
            if e(key)
        ),
    ]
    cards: list[dict[str, Any]] = [
        {"type": "grid", "columns": 2, "square": False, "cards": tiles},
        {
            "type": "history-graph",
            "title": "Tonight",
            "hours_to_show": 12,
            "entities": [x for x in (e("crying"), e("sound_level")) if x],
        },
        {
            "type": "statistics-graph",
            "title": "Cry minutes per day",
            "entities": [e("cry_minutes_today")],
            "stat_types": ["change"],
            "period": "day",
            "days_to_show": 14,
            "chart_type": "bar",
        },
        {"type": "tile", "entity": LIGHT, "name": "Night light"},
    ]
    if e("cry"):
        cards.append(
            {"type": "logbook", "title": "Cries", "entities": [e("cry")], "hours_to_show": 24}
        )
    climate = [x for x in (e("temperature"), e("humidity")) if x]
    if climate:
        cards.append(
            {
                "type": "history-graph",
                "title": "Nursery climate",
                "hours_to_show": 24,
                "entities": climate,
            }
        )
    return {
        "title": "Nursery",
        "views": [{"title": "Nursery", "path": "nursery", "icon": "mdi:baby-face", "cards": cards}],
    }


def automations_yaml(entities: dict[str, str], off_delay_s: int = 30) -> str:
    """Both shipped blueprints, instantiated for the demo's crying sensor and night light."""
    automations = [
        {
            "id": "babblefish_light_on_crying",
            "alias": "Night light on when the baby cries",
            "use_blueprint": {
                "path": "babblefish/light_on_crying.yaml",
                "input": light_inputs(entities, off_delay_s),
            },
        },
        {
            "id": "babblefish_notify_on_crying",
            "alias": "Notify when the baby cries",
            "use_blueprint": {
                "path": "babblefish/notify_on_crying.yaml",
                "input": notify_inputs(entities),
            },
        },
    ]
    return str(yaml.safe_dump(automations, sort_keys=False))


def light_inputs(entities: dict[str, str], off_delay_s: int = 30) -> dict[str, Any]:
    """The light blueprint on the demo's template night light."""
    return {
        "crying_sensor": entities["crying"],
        "light_target": {"entity_id": LIGHT},
        "brightness": 30,
        "off_delay": {"hours": 0, "minutes": 0, "seconds": off_delay_s},
    }


def notify_inputs(entities: dict[str, str]) -> dict[str, Any]:
    """The notify blueprint, to Home Assistant's own notification panel (no phone needed)."""
    return {
        "crying_sensor": entities["crying"],
        "notify_action": "notify.persistent_notification",
        # A persistent notification has no buttons: nothing to wait for.
        "buttons": False,
        "min_duration": {"hours": 0, "minutes": 0, "seconds": 10},
        "cooldown": 2,
    }


async def configure_home_assistant(
    hass: Hass,
    session: aiohttp.ClientSession,
    *,
    monitor_port: int,
    monitor_token: str,
    username: str,
    password: str,
    off_delay_s: int = 30,
) -> dict[str, str]:
    """Onboard, add the monitor through the config flow, save the dashboard, load the automations."""
    await hass.onboard(session, username, password)
    await hass.add_babblefish(session, "127.0.0.1", monitor_port, monitor_token)
    async with hass.websocket(session) as ws:
        entities = await babblefish_entities(ws)
        await ws.call("lovelace/config/save", config=dashboard(entities))
    automations = automations_yaml(entities, off_delay_s)
    (hass.config_dir / "automations.yaml").write_text(automations, encoding="utf-8")
    await hass.rest(session, "POST", "/api/services/automation/reload", {})
    return entities
