"""Silta: a Telegram bot that keeps social workers and recently released clients in touch."""

__version__ = "0.1.0"
