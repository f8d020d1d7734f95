"""lossadvisor: which loss to train with, why, and with which optimizer — from your data."""

__version__ = "0.1.0"
