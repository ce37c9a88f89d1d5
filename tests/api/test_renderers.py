"""The JSON renderer of every adapter."""

import uuid

from chat.api.renderers import ORJSONRenderer


def test_the_renderer_encodes_uuid_keys_and_values():
    key = uuid.uuid4()
    assert ORJSONRenderer().render({key: [key]}) == f'{{"{key}":["{key}"]}}'.encode()
