"""A training run's stages, in order: plan -> pool -> fit -> export (and validate) -> tune -> card."""
