"""Consent proof, the audit trail, the shared suppression list and instance keys."""
