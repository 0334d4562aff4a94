"""Babblefish monitor: listens in the nursery, detects crying and serves it to Home Assistant."""
