"""Newsletters (nyhetsepost): composed per language, sent by e-mail and Teams through the outbox,
with one-click unsubscribe that emergency alerts ignore, and members' contributions."""
