"""Delivery channels: one adapter per channel behind one small interface (``channels.base``).

A leaf package: it imports nothing from ``dispatch`` or ``workers``. Adapters take a rendered
``OutgoingMessage`` and return a ``Receipt`` or raise a ``ChannelError``.
"""
