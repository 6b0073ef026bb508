"""Read-side figures across domains: the console overview (audience growth, deliverability)."""
