
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    linkedin_url TEXT,
    name_key TEXT,
    identifiers TEXT NOT NULL,
    record TEXT NOT NULL,
    tracking_id TEXT,
    status TEXT NOT NULL,
    result TEXT,
    credits NUMERIC,
    message TEXT,
    submitted_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    interim TEXT,
    dropped_answers INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX jobs_person ON jobs (account, kind, person_id);
CREATE INDEX jobs_linkedin ON jobs (account, kind, linkedin_url);
CREATE INDEX jobs_name ON jobs (account, kind, name_key);
CREATE INDEX jobs_status ON jobs (account, status);
CREATE INDEX jobs_tracking ON jobs (tracking_id)
;
CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    call TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    headers TEXT
);
CREATE INDEX answers_job ON answers (job_id);
CREATE TABLE emitted (
    profile TEXT NOT NULL,
    query TEXT NOT NULL,
    person_id TEXT NOT NULL,
    emitted_at REAL NOT NULL,
    PRIMARY KEY (profile, query, person_id)
);
CREATE TABLE reserve (space BLOB);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    headers TEXT,
    verified INTEGER,
    state TEXT NOT NULL,
    jobs TEXT,
    source TEXT NOT NULL,
    tracking_id TEXT
);
CREATE INDEX deliveries_state ON deliveries (state);
CREATE INDEX deliveries_tracking ON deliveries (tracking_id);
CREATE TABLE receivers (
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    url TEXT NOT NULL,
    started_at REAL NOT NULL,
    beat_at REAL NOT NULL,
    PRIMARY KEY (host, pid)
);
CREATE TABLE track_endpoints (
    base_url TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    noted_at REAL NOT NULL
);

CREATE TABLE identities (
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX identities_value ON identities (account, kind, name, value);
CREATE UNIQUE INDEX identities_once ON identities (job_id, name, value);
CREATE INDEX jobs_open ON jobs (status);

CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    item_key TEXT NOT NULL,
    body TEXT NOT NULL,
    record TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    credits NUMERIC,
    document_id TEXT,
    message TEXT,
    answer BLOB,
    headers TEXT,
    submitted_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX items_key ON items (account, endpoint, item_key);
CREATE INDEX items_document ON items (document_id)
