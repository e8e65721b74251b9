"""clodura-cli: the Clodura B2B data API from the command line."""

__version__ = "0.1.0"
