"""Stage 2 of the loop: resolve party mentions across partners into entities and map their
networks (intelligence fusion issue)."""
