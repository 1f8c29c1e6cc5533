"""Investigations: cases that collect entities, shipments, listings and sellers, notes, and
evidence whose every transfer of custody is on the audit chain.

The rows and the store's case methods (each write audited in the same transaction) live with
the operational store (``store/operational/case_tables.py``, ``cases.py``). Here: ``vault``
(evidence files stored content-addressed by SHA-256), ``verify`` (re-hash the evidence, check
the chain of custody and the audit chain), ``views`` (JSON shapes), ``service`` (checks against
the lake) and ``referral`` (the case as FtM). The CLI (``ringfence case``) and the API call the
same functions.
"""
