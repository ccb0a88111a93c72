"""Delivery: the outbox of messages to send, their states, and the work of sending them."""
