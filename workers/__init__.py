"""Dramatiq broker set-up and actors. Thin: actors call ``dispatch`` services and ``channels``."""
