"""Extraction of China's annual government-information-disclosure reports into checked data."""
__version__ = "0.1.0"
