"""The members' directory: networks, organisations, their memberships, and contacts."""
