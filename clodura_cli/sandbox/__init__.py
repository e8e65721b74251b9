"""The sandbox: an emulator of the Clodura API over a synthetic, deterministic data set.

It is an ordinary WSGI application (standard library only) that runs in-process, called
directly by the client (``--sandbox``), or on loopback (``clodura sandbox serve``).
"""

from __future__ import annotations

from clodura_cli.sandbox.keys import DEFAULT_KEY, SANDBOX_KEYS

__all__ = ["DEFAULT_KEY", "SANDBOX_KEYS"]
