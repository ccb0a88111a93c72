"""Campaigns: the networks' routine on the delivery machinery; first, the yearly list review."""
