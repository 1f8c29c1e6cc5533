"""Stage 3 of the loop: score shipments, sellers and listings for counterfeit risk, with
reasons (targeting issue)."""
