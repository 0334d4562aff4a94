"""Sensors: cry minutes and episodes today, last cry, climate, sound level and class, diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfSoundPressure,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import BabblefishConfigEntry, BabblefishCoordinator, BabblefishData
from .entity import BabblefishEntity
from .protocol import CAPABILITY_CLIMATE, CAPABILITY_SOUND_LEVEL, CLIMATE_OK, SOURCE_STATUSES
from .sound import BabblefishSoundSensor

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BabblefishSensorEntityDescription(SensorEntityDescription):
    """How one sensor reads the monitor's data."""

    value_fn: Callable[[BabblefishData], float | int | str | datetime | None]
    exists_fn: Callable[[BabblefishData], bool] = lambda _: True
    available_fn: Callable[[BabblefishData], bool] = lambda _: True


SENSORS: tuple[BabblefishSensorEntityDescription, ...] = (
    BabblefishSensorEntityDescription(
        key="cry_minutes_today",
        translation_key="cry_minutes_today",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        # Drops to 0 at the monitor's midnight, which statistics read as the start of a new day.
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=1,
        value_fn=lambda data: data.state.cry_minutes_today,
    ),
    BabblefishSensorEntityDescription(
        key="cry_episodes_today",
        translation_key="cry_episodes_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.state.episodes_today,
    ),
    BabblefishSensorEntityDescription(
        key="last_cry_duration",
        translation_key="last_cry_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        value_fn=lambda data: (
            data.state.last_episode.duration_s if data.state.last_episode else None
        ),
    ),
    BabblefishSensorEntityDescription(
        key="last_cry",
        translation_key="last_cry",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: data.state.last_episode.start if data.state.last_episode else None,
    ),
    BabblefishSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        exists_fn=lambda data: CAPABILITY_CLIMATE in data.info.capabilities,
        available_fn=lambda data: data.state.climate.status == CLIMATE_OK,
        value_fn=lambda data: data.state.climate.temperature_c,
    ),
    BabblefishSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        exists_fn=lambda data: CAPABILITY_CLIMATE in data.info.capabilities,
        available_fn=lambda data: data.state.climate.status == CLIMATE_OK,
        value_fn=lambda data: data.state.climate.humidity_pct,
    ),
    BabblefishSensorEntityDescription(
        key="sound_level",
        translation_key="sound_level",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        exists_fn=lambda data: CAPABILITY_SOUND_LEVEL in data.info.capabilities,
        value_fn=lambda data: data.state.sound_level.rms_dbfs,
    ),
    BabblefishSensorEntityDescription(
        key="peak_sound_level",
        translation_key="peak_sound_level",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        exists_fn=lambda data: CAPABILITY_SOUND_LEVEL in data.info.capabilities,
        value_fn=lambda data: data.state.sound_level.peak_dbfs,
    ),
    BabblefishSensorEntityDescription(
        key="source_status",
        translation_key="source_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(SOURCE_STATUSES),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: (
            data.state.source.status if data.state.source.status in SOURCE_STATUSES else None
        ),
    ),
    BabblefishSensorEntityDescription(
        key="model_version",
        translation_key="model_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.info.model.version,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BabblefishConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this monitor's capabilities allow."""
    coordinator = entry.runtime_data
    entities: list[SensorEntity] = [
        BabblefishSensor(coordinator, description)
        for description in SENSORS
        if description.exists_fn(coordinator.data)
    ]
    if coordinator.data.info.model.labels:
        entities.append(BabblefishSoundSensor(coordinator))
    async_add_entities(entities)


class BabblefishSensor(BabblefishEntity, SensorEntity):
    """A sensor whose value is a function of the monitor's data."""

    entity_description: BabblefishSensorEntityDescription

    def __init__(
        self, coordinator: BabblefishCoordinator, description: BabblefishSensorEntityDescription
    ) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Unavailable while disconnected, and while the value's source says it has none."""
        return super().available and self.entity_description.available_fn(self.coordinator.data)

    @property
    def native_value(self) -> float | int | str | datetime | None:
        """The current value."""
        return self.entity_description.value_fn(self.coordinator.data)
