"""Platform adapters: thin translators between a platform and the neutral Incoming/Reply types."""
