"""Every endpoint the emulator answers, named once: routing, fault targets and the README's
table of sandbox endpoints (``make docs``) come from this table (a new endpoint is a row here
and a handler on the app)."""

from typing import NamedTuple

from clodura_cli.api import spec


class Route(NamedTuple):
    """One endpoint: the name faults and the request log use, how it is reached, and the name
    of the app's method that answers it."""

    name: str
    method: str
    path: str
    handler: str
    #: The path is a prefix followed by one more segment (the track endpoint's tracking id).
    prefix: bool = False
    description: str = ""

    def matches(self, path: str) -> bool:
        """True when a request path is this endpoint's (whatever the method)."""
        if self.prefix:
            return path.startswith(self.path + "/") and "/" not in path[len(self.path) + 1 :]
        return path == self.path


# fmt: off
ROUTES: tuple[Route, ...] = (
    Route("search", "POST", spec.SEARCH_PEOPLE_PATH, "_search", description="Search People"),
    Route("orgs", "POST", spec.ORG_SEARCH_PATH, "_org_search", description="Search Organizations"),
    Route("email", "POST", spec.REVEAL_EMAIL_PATH, "_reveal_email", description="Reveal Email"),
    Route("phone", "POST", spec.REVEAL_PHONE_PATH, "_reveal_phone", description="Reveal Phone"),
    Route("track", "GET", spec.TRACK_PATH, "_track", prefix=True,
          description="a reveal job's state (undocumented; --no-track removes it)"),
    Route("credits", "GET", spec.CREDITS_PATH, "_credits", description="the credit balance"),
    Route("verify", "POST", spec.VERIFY_EMAIL_PATH, "_verify_email",
          description="Email Verification (202 and a webhook delivery when deep and catch-all)"),
    Route("enrich-person", "POST", spec.ENRICH_PERSON_PATH, "_enrich_person",
          description="Enrich Contacts (Cleanup & Enrich)"),
    Route("enrich-org", "POST", spec.ENRICH_ORG_PATH, "_enrich_org",
          description="Enrich Company"),
    Route("news", "POST", spec.ORG_NEWS_PATH, "_org_news", description="Company News"),
)
# fmt: on
#: What a scripted fault may target: an endpoint's name, or every endpoint.
FAULT_TARGETS = (*(route.name for route in ROUTES), "*")


def route_for(path: str) -> Route | None:
    """The endpoint a path belongs to, whatever the method."""
    return next((route for route in ROUTES if route.matches(path)), None)
