"""The user's folders on Linux, without platformdirs.

platformdirs costs 10-40 ms to import; on Linux its rule for the user's folders is short:
``$XDG_CONFIG_HOME`` (``$XDG_DATA_HOME``) when set, else ``~/.config`` (``~/.local/share``).
That rule is applied here for the usual case. Anything unusual (a relative variable or
$HOME, another system) gets None, and the caller asks platformdirs.
"""

from __future__ import annotations

import os
import sys

#: Per kind of folder: the XDG variable and the default under $HOME.
_XDG = {"config": ("XDG_CONFIG_HOME", ".config"), "data": ("XDG_DATA_HOME", ".local/share")}


def linux_folder(kind: str, app: str) -> str | None:
    """The app's ``config`` or ``data`` folder as platformdirs finds it on Linux, or None
    where the rule above does not settle it."""
    if not sys.platform.startswith("linux"):
        return None
    variable, default = _XDG[kind]
    xdg = os.environ.get(variable, "")
    home = os.environ.get("HOME", "")
    if xdg.startswith("/"):
        return os.path.join(xdg, app)
    if not xdg.strip() and home.startswith("/"):
        return os.path.join(home.rstrip("/") or "/", default, app)
    return None
