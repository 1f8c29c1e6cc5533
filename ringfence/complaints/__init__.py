"""Brands' notices against listings: validity scoring, self-service removal, counter-notices,
the repeat-infringer policy and the brand portal (issue 11 item 4; docs/brands.md)."""
