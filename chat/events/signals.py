"""The signal the event log sends when a transaction that recorded events has committed."""

from django.dispatch import Signal

# Sent after a transaction that recorded events commits (transaction.on_commit), once per transaction at most,
# with keyword arguments chatroom_ids: frozenset[uuid.UUID] and user_ids: frozenset[uuid.UUID]
# (the chatrooms whose events changed, and users addressed directly, e.g. a banned user's own event).
events_committed = Signal()
