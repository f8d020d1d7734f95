"""`lossadvisor profile` (placeholder until the profiler lands)."""
