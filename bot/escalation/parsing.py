"""Checked reading of plain YAML values; every error names the key it is about."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import MISSING, Field, fields
from typing import Any, TypeVar

T = TypeVar("T")
MAX_NAME_LENGTH = 50


class PolicyError(ValueError):
    """escalation.yml cannot be used; the message says which key and why."""


def mapping(value: object, where: str) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where} must be a mapping of keys to values, got {_shown(value)}")
    return value


def known_keys(values: Mapping[Any, Any], allowed: Collection[str], where: str) -> None:
    unknown = sorted(str(key) for key in values if key not in allowed)
    if unknown:
        raise PolicyError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known keys are "
            f"{', '.join(sorted(allowed))}"
        )


def number(value: object, where: str, *, integer: bool, maximum: float | None = None) -> float:
    """A non-negative number (a whole one if `integer`); booleans are not numbers."""
    wanted = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise PolicyError(f"{where} must be {wanted} ≥ 0, got {_shown(value)}")
    if value < 0 or (maximum is not None and value > maximum):
        bounds = f"between 0 and {maximum:g}" if maximum is not None else "≥ 0"
        raise PolicyError(f"{where} must be {bounds}, got {value}")
    return value


def positive_int(value: object, where: str) -> int:
    result = int(number(value, where, integer=True))
    if result == 0:
        raise PolicyError(f"{where} must be at least 1, got 0")
    return result


def name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise PolicyError(
            f"{where} must be a non-empty name of at most {MAX_NAME_LENGTH} characters, "
            f"got {_shown(value)}"
        )
    return value.strip()


def names(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise PolicyError(f"{where} must be a list of names, got {_shown(value)}")
    return tuple(name(item, f"{where}[{index}]") for index, item in enumerate(value))


def numbers_into(cls: type[T], raw: object, where: str) -> T:
    """A dataclass of numbers: the given keys override the defaults, by field type."""
    values = mapping(raw, where)
    specs = {spec.name: spec for spec in fields(cls)}  # type: ignore[arg-type]
    known_keys(values, specs, where)
    parsed = {
        key: _field_number(specs[key], value, f"{where}.{key}") for key, value in values.items()
    }
    return cls(**parsed)


def _field_number(spec: Field, value: object, where: str) -> float:
    integer = isinstance(spec.default, int) and spec.default is not MISSING
    return number(value, where, integer=integer, maximum=spec.metadata.get("maximum"))


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
