"""Tests of the operational store, its migrations and CLI, and the analytics engines."""
