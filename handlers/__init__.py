"""The conversation, platform-neutral: commands registered in router.py, one module per feature."""
