"""The append-only record of every action by a person or by the system."""
