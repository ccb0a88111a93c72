"""Incidents: declaring, updating and closing, their message versions, and their audience."""
