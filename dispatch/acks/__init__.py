"""Acknowledgements (by link and SMS reply) and field reports from the listening posts."""
