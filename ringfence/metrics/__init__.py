"""Public measures of how well counterfeits are kept away from customers."""
