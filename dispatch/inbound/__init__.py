"""What members send back: SMS replies arrive at the edge from any provider, are read once, and
are handed to the registered handlers (opt-outs, meeting answers, acknowledgements and field
reports) through one router."""
