"""Verification campaigns (排查): self-check, re-check and spot-check with sound sampling statistics."""
