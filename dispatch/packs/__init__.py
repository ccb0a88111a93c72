"""Message packs: public information in many languages, pushed to the organisations that pass
it on, with a public page per language and a count of how far it went (the second hop)."""
