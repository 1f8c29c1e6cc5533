"""Stage 4 of the loop: choose what to inspect, hold or take down under capacity, with
exploration (targeting issue)."""
