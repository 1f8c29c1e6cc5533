"""Stage 5 of the loop: act and learn.

Inspection results, seizures and decisions come back as labels; the watchlist and cases grow.
"""
