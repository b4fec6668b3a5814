"""actloss: exact activations and losses."""
__version__ = "0.1.0"
