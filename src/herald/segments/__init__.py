"""Segments: declarative rule trees over subscribers, compiled to SQL or evaluated in Python."""
