"""The sandbox's documented API keys and the plan each one stands for."""

from typing import NamedTuple

STANDARD = "standard"
MULTI_PROVIDER = "multi-provider"


class SandboxPlan(NamedTuple):
    """A plan as the emulator enforces it."""

    name: str
    family: str
    description: str
    #: Standard plans: amounts used at the start, and the pool sizes.
    contacts_used: int = 0
    max_contacts: int = 0
    direct_dials_used: int = 0
    max_direct_dials: int = 0
    #: Multi-Provider plans: one pool.
    remaining_credits: int = 0
    #: True for a plan whose reveal endpoints answer 403.
    reveals_forbidden: bool = False


SANDBOX_KEYS: dict[str, SandboxPlan] = {
    "sandbox-standard": SandboxPlan(
        "Prospect Pro",
        STANDARD,
        "Standard plan: contact views and direct dials counted separately",
        contacts_used=142,
        max_contacts=5000,
        direct_dials_used=38,
        max_direct_dials=1000,
    ),
    "sandbox-multi": SandboxPlan(
        "PAYG",
        MULTI_PROVIDER,
        "Multi-Provider plan: one pool of credits",
        remaining_credits=100_000,
    ),
    "sandbox-exhausted": SandboxPlan(
        "PAYG",
        MULTI_PROVIDER,
        "Multi-Provider plan with no credits left: every charged call gets 402",
        remaining_credits=0,
    ),
    "sandbox-free": SandboxPlan(
        "Free Forever",
        MULTI_PROVIDER,
        "Free plan: searches work, reveals get 403",
        remaining_credits=50,
        reveals_forbidden=True,
    ),
}

#: The key `--sandbox` uses when the environment holds no sandbox key.
DEFAULT_KEY = "sandbox-standard"

#: The secret the sandbox signs its webhook deliveries with (`clodura sandbox keys` shows it;
#: `--sandbox` commands that receive deliveries check with it).
WEBHOOK_SECRET = "sandbox-webhook-secret"
