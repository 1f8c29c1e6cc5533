"""Signed unit codes: a brand signs each unit's GTIN and serial with Ed25519 so that anyone
holding the brand's public key can check a code offline, and scans by customs, carriers and
marketplaces reveal cloned codes (one serial in two places, or seen too often)."""
