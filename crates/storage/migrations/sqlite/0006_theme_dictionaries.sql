-- Each organisation's own theme dictionary for open answers (YAML, checked by the domain before
-- it is stored); without a row the built-in customer-service dictionary applies.
CREATE TABLE theme_dictionaries (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    yaml TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Results filtered by the handling employee read raw responses through this index.
CREATE INDEX responses_survey_employee ON responses (survey_id, employee_id);
