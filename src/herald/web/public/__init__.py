"""Public endpoints: no login; identity comes only from signed tokens."""
