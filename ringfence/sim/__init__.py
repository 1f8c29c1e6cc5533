"""The synthetic world: brands, counterfeit rings, legitimate trade and each partner's feeds, with ground truth."""
