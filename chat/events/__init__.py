"""The event log of chat changes and its live delivery (see chat/events/selectors.py and chat/events/bus.py)."""
