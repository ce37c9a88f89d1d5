"""Strict serializer fields both adapters use: JSON types as sent, never coerced."""

import uuid
from typing import Any

from rest_framework import serializers

from chat.text import is_storable


class StrictCharField(serializers.CharField):
    """A JSON string only (a number is not text), that every database can store."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or not is_storable(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a JSON string, in either letter case (DRF would also take an integer)."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data.strip())


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF would also take "yes", 1, "on"...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data
