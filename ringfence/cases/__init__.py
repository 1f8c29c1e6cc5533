"""Investigations: cases that collect entities, shipments, listings and sellers, notes, and
evidence whose every transfer of custody is on the audit chain.

``tables`` (the rows), ``store`` (the store's case methods, each write audited in the same
transaction), ``vault`` (evidence files stored content-addressed by SHA-256) and ``verify`` (re-
hash the evidence, check the chain of custody and the audit chain). The CLI (``ringfence case``)
and the API call the same functions.
"""
