"""Foundation: settings, database, portable types, errors, clock, crypto, i18n, logging."""
