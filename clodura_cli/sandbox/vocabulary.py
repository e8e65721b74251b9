"""Word lists the synthetic data set is drawn from."""

from __future__ import annotations

FIRST_NAMES = (
    "Aarav Aditi Aisha Akira Alejandro Alice Amara Amelia Ana Andrei Anika Arjun Astrid Ava Ben "
    "Bianca Bruno Camila Carlos Chen Chiara Chloe Daniel Dara David Diego Elena Elif Emeka Emily "
    "Emma Erik Fatima Felix Fernanda Finn Gabriel Grace Hana Hannah Hiroshi Ian Ines Isaac Isabel "
    "Ivan Jade James Javier Ji-woo Joao Jonas Julia Kai Kamal Karin Kavya Kenji Kofi Lars Laura "
    "Leila Leo Liam Lina Lucas Lucia Mai Malik Marco Maria Mateo Maya Mehmet Mia Miguel Mina "
    "Mohammed Nadia Naomi Nikhil Nina Noah Olga Oliver Omar Oscar Pablo Priya Rafael Rahul Ravi "
    "Rosa Ryan Sakura Samuel Sara Sebastian Shreya Sofia Sven Tariq Thomas Tomas Valentina Victor "
    "Wei Yara Yusuf Zara Zoe"
).split()

LAST_NAMES = (
    "Abebe Adeyemi Ahmed Alvarez Andersson Bailey Banerjee Becker Bianchi Brown Campbell Castro "
    "Chen Choi Costa Das Dubois Dumont Eriksen Fernandes Fischer Garcia Gomez Gupta Haddad Hansen "
    "Hernandez Hoffmann Ibrahim Ito Iyer Jansen Jensen Johnson Kapoor Kaur Khan Kim Kowalski "
    "Kumar Larsen Laurent Lee Lopez Martin Martinez Mehta Meyer Moreau Muller Murphy Nakamura "
    "Nguyen Nielsen Novak Okafor Okonkwo Oliveira Olsen Park Patel Pereira Petrov Popescu Rao "
    "Reddy Rossi Russo Santos Sato Schmidt Schneider Shah Sharma Silva Singh Smith Sorensen Suzuki "
    "Tanaka Taylor Thomas Tran Vargas Verma Wagner Walker Wang Weber Williams Wilson Wong Yamamoto "
    "Yilmaz Zhang Zielinski Achterberg Bergstrom Carvalho Delgado Eze Farouk Grant Horvath Ivanova "
    "Jovanovic Kariuki Lindqvist Mahlangu Navarro O'Brien Prakash Quinn Rahman Sadeghi Takahashi "
    "Uchenna Vasquez Whitfield Xu Yadav Zapata"
).split()

#: city, state, country
CITIES = (
    ("San Francisco", "California", "United States"),
    ("Los Angeles", "California", "United States"),
    ("San Jose", "California", "United States"),
    ("New York", "New York", "United States"),
    ("Boston", "Massachusetts", "United States"),
    ("Austin", "Texas", "United States"),
    ("Dallas", "Texas", "United States"),
    ("Seattle", "Washington", "United States"),
    ("Chicago", "Illinois", "United States"),
    ("Denver", "Colorado", "United States"),
    ("Atlanta", "Georgia", "United States"),
    ("Miami", "Florida", "United States"),
    ("Toronto", "Ontario", "Canada"),
    ("Vancouver", "British Columbia", "Canada"),
    ("Montreal", "Quebec", "Canada"),
    ("London", "England", "United Kingdom"),
    ("Manchester", "England", "United Kingdom"),
    ("Edinburgh", "Scotland", "United Kingdom"),
    ("Dublin", "Leinster", "Ireland"),
    ("Berlin", "Berlin", "Germany"),
    ("Munich", "Bavaria", "Germany"),
    ("Paris", "Ile-de-France", "France"),
    ("Lyon", "Auvergne-Rhone-Alpes", "France"),
    ("Amsterdam", "North Holland", "Netherlands"),
    ("Stockholm", "Stockholm County", "Sweden"),
    ("Copenhagen", "Capital Region", "Denmark"),
    ("Madrid", "Community of Madrid", "Spain"),
    ("Barcelona", "Catalonia", "Spain"),
    ("Milan", "Lombardy", "Italy"),
    ("Zurich", "Zurich", "Switzerland"),
    ("Warsaw", "Masovia", "Poland"),
    ("Tel Aviv", "Tel Aviv District", "Israel"),
    ("Dubai", "Dubai", "United Arab Emirates"),
    ("Pune", "Maharashtra", "India"),
    ("Mumbai", "Maharashtra", "India"),
    ("Bengaluru", "Karnataka", "India"),
    ("Hyderabad", "Telangana", "India"),
    ("New Delhi", "Delhi", "India"),
    ("Singapore", "Singapore", "Singapore"),
    ("Sydney", "New South Wales", "Australia"),
    ("Melbourne", "Victoria", "Australia"),
    ("Tokyo", "Tokyo", "Japan"),
    ("Seoul", "Seoul", "Korea South"),
    ("Sao Paulo", "Sao Paulo", "Brazil"),
    ("Mexico City", "Mexico City", "Mexico"),
    ("Lagos", "Lagos", "Nigeria"),
    ("Nairobi", "Nairobi County", "Kenya"),
    ("Cape Town", "Western Cape", "South Africa"),
)

#: industry, its keywords. The names are the app's (``api/lists/industries.tsv``), but for two
#: older names the API may still hold (Marketing and Advertising, Internet), so that the warning
#: a name outside the list gets can be seen; and see OLDER_INDUSTRY_NAMES.
INDUSTRIES = (
    ("Software Development", ("SaaS", "AI", "Cloud", "B2B")),
    ("IT Services and IT Consulting", ("IT Services", "Cloud", "Consulting")),
    ("Financial Services", ("FinTech", "Payments", "Banking")),
    ("Banking", ("Banking", "FinTech", "Lending")),
    ("Insurance", ("InsurTech", "Risk", "Claims")),
    ("Hospitals and Health Care", ("HealthTech", "Telemedicine", "Clinics")),
    ("Pharmaceutical Manufacturing", ("Biotech", "Drug Discovery", "Clinical Trials")),
    ("Marketing and Advertising", ("AdTech", "MarTech", "Content")),
    ("Retail", ("E-commerce", "Omnichannel", "Consumer")),
    (
        "Transportation, Logistics, Supply Chain and Storage",
        ("Logistics", "Freight", "Supply Chain"),
    ),
    ("E-Learning Providers", ("EdTech", "E-learning", "Higher Education")),
    ("Real Estate", ("PropTech", "Commercial Real Estate", "Rentals")),
    ("Telecommunications", ("5G", "Networking", "Connectivity")),
    ("Motor Vehicle Manufacturing", ("Electric Vehicles", "Mobility", "Autonomous Driving")),
    ("Computer and Network Security", ("Cybersecurity", "Identity", "Zero Trust")),
    ("Internet", ("Marketplace", "Consumer Internet", "Social")),
    ("Business Consulting and Services", ("Strategy", "Transformation", "Consulting")),
    ("Renewable Energy Power Generation", ("CleanTech", "Solar", "Climate")),
    ("Food and Beverage Services", ("FoodTech", "Consumer Goods", "Delivery")),
    ("Human Resources Services", ("HR Tech", "Recruiting", "Payroll")),
    ("Media Production", ("Streaming", "Video", "Creator Economy")),
    ("Hospitality", ("Travel", "Hotels", "Booking")),
    ("Construction", ("ConTech", "Infrastructure", "Engineering")),
    ("Semiconductor Manufacturing", ("Chips", "Hardware", "AI")),
)
#: Every other company of these industries carries the older name, as records the API keeps
#: from before LinkedIn renamed its industries might: `--industry "Computer Software"` still
#: finds some, with a warning naming the newer name.
OLDER_INDUSTRY_NAMES = {"Software Development": "Computer Software"}

TECHNOLOGIES = (
    "Salesforce",
    "HubSpot",
    "Marketo",
    "Pardot",
    "Zendesk",
    "Intercom",
    "Slack",
    "Zoom",
    "Jira",
    "Confluence",
    "Shopify",
    "Magento",
    "WordPress",
    "React",
    "Angular",
    "Vue.js",
    "Node.js",
    "Python",
    "Java",
    "Go",
    "Ruby on Rails",
    "AWS",
    "Microsoft Azure",
    "Google Cloud",
    "Kubernetes",
    "Docker",
    "Terraform",
    "Snowflake",
    "Databricks",
    "Segment",
    "Google Analytics",
    "Mixpanel",
    "Stripe",
    "Twilio",
    "Okta",
    "Workday",
    "SAP",
    "Oracle",
    "NetSuite",
    "Tableau",
    "Looker",
)

WEB_KEYWORDS = (
    "CRM",
    "automation",
    "cloud",
    "analytics",
    "platform",
    "API",
    "enterprise",
    "security",
    "compliance",
    "marketplace",
    "payments",
    "AI-powered",
    "machine learning",
    "integrations",
    "mobile app",
    "open source",
    "sustainability",
    "customer success",
    "data privacy",
    "workflow",
)

COMPANY_PREFIXES = (
    "Acme Apex Arc Atlas Aurora Axis Beacon Blue Bright Cedar Cipher Cobalt Crest Delta Echo "
    "Ember Evergreen Falcon Flux Forge Granite Harbor Helix Horizon Indigo Iron Juniper Kite "
    "Lumen Maple Meridian Nimbus Nova Oak Onyx Orbit Pine Pixel Prism Quantum Quartz Radiant "
    "Redwood Sable Sierra Signal Silver Solstice Spark Spruce Summit Tidal Titan Vector Vertex "
    "Willow Zenith"
).split()

COMPANY_SUFFIXES = (
    "Labs",
    "Systems",
    "Analytics",
    "Health",
    "Logistics",
    "Networks",
    "Software",
    "Capital",
    "Robotics",
    "Foods",
    "Energy",
    "Media",
    "Security",
    "Learning",
    "Commerce",
    "Dynamics",
    "Partners",
    "Technologies",
    "Cloud",
    "AI",
)

FUNCTION_ROLES = {
    "Admin": ("Office Administrator", "Administration"),
    "Analytics": ("Data Analyst", "Analytics"),
    "Engineering": ("Software Engineer", "Engineering"),
    "Finance": ("Financial Analyst", "Finance"),
    "HR": ("HR Business Partner", "Human Resources"),
    "IT": ("Systems Administrator", "IT"),
    "Marketing": ("Marketing Specialist", "Marketing"),
    "Operations": ("Operations Analyst", "Operations"),
    "Product Management": ("Product Manager", "Product"),
    "Sales": ("Account Executive", "Sales"),
    "Security": ("Security Engineer", "Security"),
    "Support": ("Customer Support Specialist", "Customer Support"),
    "Legal": ("Legal Counsel", "Legal"),
    "Design": ("Product Designer", "Design"),
}

CXO_TITLES = {
    "Engineering": "Chief Technology Officer",
    "Finance": "Chief Financial Officer",
    "Marketing": "Chief Marketing Officer",
    "Operations": "Chief Operating Officer",
    "Sales": "Chief Revenue Officer",
    "IT": "Chief Information Officer",
    "Security": "Chief Information Security Officer",
    "HR": "Chief People Officer",
    "Product Management": "Chief Product Officer",
    "Analytics": "Chief Data Officer",
}

#: Words a title query may use for words in a title.
TITLE_SYNONYMS = {
    "vp": ("vice", "president"),
    "svp": ("senior", "vice", "president"),
    "ceo": ("chief", "executive", "officer"),
    "cto": ("chief", "technology", "officer"),
    "cfo": ("chief", "financial", "officer"),
    "cmo": ("chief", "marketing", "officer"),
    "coo": ("chief", "operating", "officer"),
    "cro": ("chief", "revenue", "officer"),
    "cio": ("chief", "information", "officer"),
    "ciso": ("chief", "information", "security", "officer"),
    "hr": ("human", "resources"),
    "eng": ("engineering",),
    "mgr": ("manager",),
    "dev": ("developer",),
}
