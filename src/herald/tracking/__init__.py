"""Open and click tracking: the hot-path recorder, machine-open detection and retention."""
