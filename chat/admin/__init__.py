"""The operators' moderation desk: every moderation act goes through a service, which records it.

`base` holds the pieces every area shares (and invites/admin.py imports); importing each area's module registers
its model admins."""

from chat.admin import channels, chatrooms, messages, moderation_log, tokens, users

__all__ = ["channels", "chatrooms", "messages", "moderation_log", "tokens", "users"]
