"""Stage 5 of the loop: inspection results, seizures and decisions come back as labels; the watchlist and cases grow."""
