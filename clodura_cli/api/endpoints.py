"""The paged search endpoints: where each is, its filters, how far it pages, what it returns."""

from collections.abc import Mapping
from typing import NamedTuple

from clodura_cli.api import spec
from clodura_cli.api.parsing import LIST_WRAPPER_KEYS
from clodura_cli.api.spec import Field

DEFAULT_PER_PAGE = 25


class Endpoint(NamedTuple):
    """A paged search endpoint: where it is, its filters, how far it pages, what it returns."""

    name: str
    path: str
    fields: Mapping[str, Field]
    max_page: int
    #: Keys a page's list may be wrapped under, besides a bare array.
    list_keys: tuple[str, ...]
    #: The field that names a record (what --new-only remembers).
    id_field: str
    #: The fields its records are known to carry (for --fields checks and CSV columns).
    record_fields: tuple[str, ...]

    @property
    def window(self) -> int:
        """The last record the endpoint serves."""
        return self.max_page * spec.MAX_PER_PAGE


PEOPLE = Endpoint(
    "people", spec.SEARCH_PEOPLE_PATH, spec.FIELDS_BY_API, spec.MAX_PAGE, LIST_WRAPPER_KEYS,
    "personId", spec.PERSON_RECORD_FIELDS,
)  # fmt: skip
ORGANISATIONS = Endpoint(
    "organisations", spec.ORG_SEARCH_PATH, spec.ORG_FIELDS_BY_API, spec.ORG_MAX_PAGE,
    ("data", "results", "organisations", "organizations", "orgs", "companies"), "organisationId",
    spec.ORG_RECORD_FIELDS,
)  # fmt: skip
