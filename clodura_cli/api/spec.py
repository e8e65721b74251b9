"""The Search People request as documented: fields, their kinds and their accepted values."""

from enum import Enum
from typing import NamedTuple

API_PREFIX = "/api/v1"
SEARCH_PEOPLE_PATH = f"{API_PREFIX}/search/people"
REVEAL_EMAIL_PATH = f"{API_PREFIX}/search/people/email/match"
REVEAL_PHONE_PATH = f"{API_PREFIX}/search/people/phone/match"
TRACK_PATH = f"{API_PREFIX}/search/people/track"
CREDITS_PATH = f"{API_PREFIX}/credits"
ORG_SEARCH_PATH = f"{API_PREFIX}/organisation/search"  # British spelling, as documented
VERIFY_EMAIL_PATH = f"{API_PREFIX}/verify/email"
ENRICH_PERSON_PATH = f"{API_PREFIX}/cleanup/enrich"
ENRICH_ORG_PATH = f"{API_PREFIX}/organisation/enrich"
ORG_NEWS_PATH = f"{API_PREFIX}/organisation/news"

MAX_PAGE = 100
#: Search Organizations serves up to 500 pages of up to 100.
ORG_MAX_PAGE = 500
MAX_PER_PAGE = 100
MAX_DOMAINS = 10
#: The API never serves a record past page 100 of 100.
RESULT_WINDOW = MAX_PAGE * MAX_PER_PAGE

SENIORITIES = (
    "Founder",
    "Chairman",
    "President",
    "CEO",
    "CXO",
    "Vice President",
    "Director",
    "Head",
    "Manager",
    "Senior",
    "Junior",
    "Entry Level",
    "Executive",
)
EMAIL_STATUSES = ("verified", "unverified", "unavailable")
EMPLOYEE_SIZES = (
    "0 - 1",
    "2 - 10",
    "11 - 50",
    "51 - 200",
    "201 - 500",
    "501 - 1000",
    "1001 - 5000",
    "5001 - 10000",
    "10000+",
)
REVENUES = ("< 1M", "1M-10M", "11M-100M", "101M-500M", "501M-1B", "1B+")
BUSINESS_MODELS = ("Product", "Services", "Solutions")
#: The funding types the vendor's page documents (the sandbox draws from them). The filter
#: itself is an open list, checked against the app's longer list (``api/lists``).
FUNDING_TYPES = (
    "Pre Seed Round",
    "Seed Round",
    "Angel Round",
    "Venture Round",
    *(f"Series {letter}" for letter in "ABCDEFGHIJ"),
    "Private Equity Round",
    "Post-IPO Equity",
)


class Kind(Enum):
    """How a body field is typed on the wire."""

    INT = "integer"
    STRING = "string"
    ARRAY = "array"
    BOOL = "boolean"
    DATE = "date"


class Field(NamedTuple):
    """One request body field (of Search People, unless a table says otherwise) and the
    command-line flag that sets it."""

    api: str
    flag: str
    kind: Kind
    #: Where the flag stands in the help (None: with the command's own options).
    panel: str | None
    help: str
    #: A closed list: any other value is refused before anything is sent.
    choices: tuple[str, ...] = ()
    #: An open list, by name (a file in ``api/lists``, see ``api.vocabulary``): other values are
    #: sent with a warning and the closest known ones.
    values: str = ""
    #: The largest value of an integer field.
    maximum: int = MAX_PAGE

    @property
    def name(self) -> str:
        """The flag's name (``--funding-type`` -> ``funding-type``): `clodura values` FIELD."""
        return self.flag.split("/")[0].lstrip("-")

    @property
    def param(self) -> str:
        """The Python parameter name of the flag (``--org-id`` -> ``org_id``)."""
        return self.flag.split("/")[0].lstrip("-").replace("-", "_")


PERSON, LOCATION, COMPANY, FUNDING, TECH, PAGING = (
    "Person",
    "Location",
    "Company",
    "Funding",
    "Technology",
    "Paging",
)

# fmt: off
SEARCH_FIELDS: tuple[Field, ...] = (
    Field("page", "--page", Kind.INT, PAGING, "Page to fetch (1-100)."),
    Field("perPage", "--per-page", Kind.INT, PAGING, "Records per page (1-100)."),
    Field("personId", "--person-id", Kind.STRING, PERSON, "Fetch one person by Clodura id."),
    Field("firstName", "--first-name", Kind.STRING, PERSON, "First name."),
    Field("lastName", "--last-name", Kind.STRING, PERSON, "Last name."),
    Field("linkedinUrl", "--linkedin-url", Kind.STRING, PERSON, "Standard LinkedIn profile URL."),
    Field("seniority", "--seniority", Kind.ARRAY, PERSON, "Seniority level.", SENIORITIES),
    Field("personTitle", "--title", Kind.ARRAY, PERSON, "Job title (approximate match)."),
    Field("includeSimilarTitles", "--similar-titles/--exact-titles", Kind.BOOL, PERSON,
          "Match titles approximately (API default) or exactly."),
    Field("functional", "--function", Kind.ARRAY, PERSON,
          "Department or function.", values="functions"),
    Field("contactEmailStatus", "--email-status", Kind.STRING, PERSON,
          "Email verification status.", EMAIL_STATUSES),
    Field("personCity", "--city", Kind.ARRAY, LOCATION, "Person's city."),
    Field("personState", "--state", Kind.ARRAY, LOCATION, "Person's state."),
    Field("personCountry", "--country", Kind.ARRAY, LOCATION,
          "Person's country: a name or an ISO code (US, GBR).", values="countries"),
    Field("personLocationExclude", "--exclude-location", Kind.BOOL, LOCATION,
          "Exclude the person-location filters instead of including them."),
    Field("organizationId", "--org-id", Kind.STRING, COMPANY, "Company id."),
    Field("organizationName", "--org-name", Kind.STRING, COMPANY, "Employer name."),
    Field("companyDomain", "--domain", Kind.ARRAY, COMPANY, "Bare company domain (at most 10)."),
    Field("companyEmployeeSize", "--employees", Kind.ARRAY, COMPANY,
          "Headcount range.", EMPLOYEE_SIZES),
    Field("companyCountry", "--company-country", Kind.ARRAY, LOCATION,
          "Company HQ country: a name or an ISO code.", values="countries"),
    Field("companyState", "--company-state", Kind.ARRAY, LOCATION, "Company HQ state."),
    Field("companyCity", "--company-city", Kind.ARRAY, LOCATION, "Company HQ city."),
    Field("includeAllOffice", "--all-offices", Kind.BOOL, LOCATION,
          "Match company location on every office, not just HQ."),
    Field("excludeViewedPeople", "--exclude-viewed", Kind.BOOL, PERSON,
          "Omit contacts already viewed or unlocked."),
    Field("industry", "--industry", Kind.ARRAY, COMPANY, "Industry.", values="industries"),
    Field("industryKeywords", "--industry-keyword", Kind.ARRAY, COMPANY, "Industry keyword."),
    Field("revenue", "--revenue", Kind.ARRAY, COMPANY, "Annual revenue band.", REVENUES),
    Field("businessModel", "--business-model", Kind.ARRAY, COMPANY,
          "Business model.", BUSINESS_MODELS),
    Field("fundingType", "--funding-type", Kind.ARRAY, FUNDING,
          "Funding round type.", values="funding-types"),
    Field("fundingFromDate", "--funded-from", Kind.DATE, FUNDING,
          "Funded on or after YYYY-MM-DD, or relative: today, yesterday, -90d, -6w, -3m, -1y."),
    Field("fundingToDate", "--funded-to", Kind.DATE, FUNDING,
          "Funded on or before YYYY-MM-DD, or relative (today, -30d, ...)."),
    Field("technologyParameters", "--tech", Kind.ARRAY, TECH, "Technology the company uses."),
    Field("webKeywords", "--web-keyword", Kind.ARRAY, TECH, "Keyword on the company website."),
)
# fmt: on

FIELDS_BY_API = {field.api: field for field in SEARCH_FIELDS}


def _shared(api: str) -> Field:
    """A field Search Organizations takes as Search People does (same name, flag and help)."""
    return FIELDS_BY_API[api]


#: Search Organizations. Part A names organisationId, domain, organisationName, the organisation
#: locations and includeAllOffice; industry, business model, revenue, size, web keywords and
#: technologies are sent under the names Search People uses for them.
# fmt: off
ORG_FIELDS: tuple[Field, ...] = (
    Field("page", "--page", Kind.INT, PAGING, "Page to fetch (1-500).", maximum=ORG_MAX_PAGE),
    _shared("perPage"),
    Field("organisationName", "--name", Kind.STRING, COMPANY, "Organisation name."),
    Field("organisationId", "--org-id", Kind.ARRAY, COMPANY, "Organisation id."),
    Field("domain", "--domain", Kind.STRING, COMPANY, "Bare company domain (acme.com)."),
    Field("organisationCity", "--city", Kind.ARRAY, LOCATION, "City of an office."),
    Field("organisationState", "--state", Kind.ARRAY, LOCATION, "State of an office."),
    Field("organisationCountry", "--country", Kind.ARRAY, LOCATION,
          "Country of an office: a name or an ISO code.", values="countries"),
    Field("includeAllOffice", "--all-offices", Kind.BOOL, LOCATION,
          "Match the location on every office, not just HQ."),
    _shared("industry"),
    _shared("industryKeywords"),
    _shared("businessModel"),
    _shared("revenue"),
    _shared("companyEmployeeSize"),
    _shared("webKeywords"),
    _shared("technologyParameters"),
)
# fmt: on
ORG_FIELDS_BY_API = {field.api: field for field in ORG_FIELDS}
#: The fields an organisation record is known to carry (the answer's shape is undocumented;
#: these are the emulator's, and anything else the API sends is kept).
ORG_RECORD_FIELDS = (
    "organisationId", "organisationName", "domain", "domains", "industry", "industryKeywords",
    "companyEmployeeSize", "revenue", "businessModel", "organisationCity", "organisationState",
    "organisationCountry", "offices", "technologies", "webKeywords",
)  # fmt: skip
ORG_LOCATION_FIELDS = ("organisationCity", "organisationState", "organisationCountry")

PERSON_LOCATION_FIELDS = ("personCity", "personState", "personCountry")
COMPANY_LOCATION_FIELDS = ("companyCountry", "companyState", "companyCity")

#: The fields of a Search People record, in the documented order.
PERSON_RECORD_FIELDS = (
    "personId",
    "firstName",
    "lastName",
    "linkedinUrl",
    "seniority",
    "personTitle",
    "functional",
    "personCity",
    "personState",
    "personCountry",
    "contactEmailStatus",
    "organizationId",
    "organizationName",
    "companyDomain",
    "companyEmployeeSize",
    "companyCountry",
    "page",
    "perPage",
)
