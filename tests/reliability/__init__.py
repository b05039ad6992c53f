"""Reliability and security suite: crashes, Telegram faults, hostile input, access, data."""
