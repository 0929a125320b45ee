"""Ops reads and actions every service offers alike.

The audit trail, parked outbox rows, dead letters, consumer lag.
"""
