"""A fresh Home Assistant configuration directory for the demo and the end-to-end tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Not default_config: several of its parts (bluetooth, usb, go2rtc, ...) need libraries and
# hardware that a test box lacks. These are what the demo and the test actually use.
CONFIGURATION_YAML = """\
homeassistant:
  name: Babblefish demo
  time_zone: {time_zone}
  unit_system: metric
  country: GB
  currency: EUR
  latitude: 51.5
  longitude: 0.0
  elevation: 10
frontend:
config:
history:
logbook:
recorder:
  commit_interval: 1
  purge_keep_days: 3
energy:
system_log:
logger:
  default: warning
  logs:
    custom_components.babblefish: info
    homeassistant.components.automation: info
http:
  server_host: 127.0.0.1
  server_port: {port}
automation: !include automations.yaml
script:
notify:
input_boolean:
  nursery_night_light:
    name: Nursery night light power
input_number:
  nursery_night_light_level:
    name: Nursery night light level
    min: 0
    max: 255
    step: 1
# The modern template syntax (`template: - light:`); `light: - platform: template` was removed in 2026.6.
template:
  - light:
      - name: Nursery night light
        unique_id: babblefish_demo_nursery_night_light
        state: "{{{{ is_state('input_boolean.nursery_night_light', 'on') }}}}"
        level: "{{{{ states('input_number.nursery_night_light_level') | int(0) }}}}"
        turn_on:
          - action: input_boolean.turn_on
            target:
              entity_id: input_boolean.nursery_night_light
        turn_off:
          - action: input_boolean.turn_off
            target:
              entity_id: input_boolean.nursery_night_light
        set_level:
          - action: input_number.set_value
            target:
              entity_id: input_number.nursery_night_light_level
            data:
              value: "{{{{ brightness }}}}"
          - action: input_boolean.turn_on
            target:
              entity_id: input_boolean.nursery_night_light
"""


def write_config(
    config_dir: Path, *, port: int, time_zone: str = "UTC", automations_yaml: str = "[]\n"
) -> None:
    """A fresh configuration directory with the integration and blueprints installed."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(port=port, time_zone=time_zone), encoding="utf-8"
    )
    (config_dir / "automations.yaml").write_text(automations_yaml, encoding="utf-8")
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "babblefish"
    if not link.exists():
        link.symlink_to(REPO / "custom_components" / "babblefish", target_is_directory=True)
    # core_config and analytics are marked done up front: the wizard's core_config step sets up
    # cloud-backed integrations (weather, text-to-speech) that would reach outside this machine.
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics"]},
                }
            ),
            encoding="utf-8",
        )
    blueprints = config_dir / "blueprints" / "automation" / "babblefish"
    if blueprints.exists():
        shutil.rmtree(blueprints)
    shutil.copytree(REPO / "blueprints" / "automation" / "babblefish", blueprints)
