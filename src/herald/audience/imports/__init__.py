"""Streaming CSV import with attested consent: parse, validate, and write in set-based batches."""
