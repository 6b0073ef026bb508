"""Lists, subscribers, subscriptions, double opt-in, import/export and erasure."""
