"""Outbox row kinds: one class per kind (`registry`), typed row constructors (`rows`).

This package file imports nothing, so that services can use `rows` while the kinds themselves,
which act through services, sit above them.
"""
