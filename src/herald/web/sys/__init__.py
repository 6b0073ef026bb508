"""The platform operators' API under /sys/newsletter."""
