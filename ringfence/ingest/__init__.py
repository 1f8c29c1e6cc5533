"""Stage 1 of the loop: read partner feeds, map them onto the canonical model, quarantine what does not fit."""
