"""clodura-cli: the Clodura B2B data API from the command line."""

__version__ = "0.1.0"


def version_line() -> str:
    """What `clodura --version` prints (the fast path in cli/entry.py and the app's option)."""
    return f"clodura {__version__}\n"
