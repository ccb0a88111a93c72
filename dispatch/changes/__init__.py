"""Members' own changes to the list: a public form, a coordinator's queue, nothing applied
until approved."""
