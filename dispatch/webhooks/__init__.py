"""The edge where providers call us back: delivery reports and inbound SMS for every provider."""
