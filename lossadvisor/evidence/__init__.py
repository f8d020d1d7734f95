"""Measured evidence on the user's own data: cross-validate losses (`validate`) and tune one.

Library entry points: `crossval.cross_validate(frame, target, losses, ...)` and
`tune.tune_loss(frame, target, loss, ...)`. scikit-learn, LightGBM and Optuna (the `validate`
extra) are imported inside the functions that need them.
"""
