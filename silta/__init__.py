"""Silta's wiring: the application and the command line, which may import every layer."""
