"""Who may do what: API tokens, users of the web pages, roles and guards."""
