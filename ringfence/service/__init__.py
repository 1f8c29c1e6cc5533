"""The multi-organisation service: API, sharing agreements and audit (service issue)."""
