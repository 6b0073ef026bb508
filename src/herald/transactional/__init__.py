"""The transactional stream: system mail (confirmations, resets) with its own policies."""
