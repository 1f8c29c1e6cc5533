"""Listing risk and marketplace actions: score listings, hold, take down, suspend, release."""
