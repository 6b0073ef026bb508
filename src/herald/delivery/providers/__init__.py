"""Provider adapters: smtp (any relay), mailjet (Send API v3.1), acs (Azure ACS Email)."""
