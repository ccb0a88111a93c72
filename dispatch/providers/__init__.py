"""SMS providers as the service sees them: their health, shared by every worker, and the choice
of provider for each send (weighted among the healthy, failing over by itself)."""
