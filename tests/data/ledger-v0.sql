
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    linkedin_url TEXT,
    name_key TEXT,
    identifiers TEXT NOT NULL,
    record TEXT NOT NULL,
    tracking_id TEXT UNIQUE,
    status TEXT NOT NULL,
    result TEXT,
    credits INTEGER,
    message TEXT,
    submitted_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_person ON jobs (account, kind, person_id);
CREATE INDEX IF NOT EXISTS jobs_linkedin ON jobs (account, kind, linkedin_url);
CREATE INDEX IF NOT EXISTS jobs_name ON jobs (account, kind, name_key);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (account, status);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    call TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answers_job ON answers (job_id);
CREATE TABLE IF NOT EXISTS emitted (
    profile TEXT NOT NULL,
    query TEXT NOT NULL,
    person_id TEXT NOT NULL,
    emitted_at REAL NOT NULL,
    PRIMARY KEY (profile, query, person_id)
);

