"""Allocation profiles: sampling heap profiles (`.heapprofile`) and the allocation stacks of
snapshots taken with allocation tracking. No UI imports here."""
