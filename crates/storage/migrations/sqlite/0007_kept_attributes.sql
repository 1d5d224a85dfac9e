-- Contact attributes in the aggregates (SQLite). Keep in step with ../postgres/0007_kept_attributes.sql.

-- The contact's attributes as they were when the response was stored (a JSON object of
-- strings; NULL without a contact). Results per attribute count this snapshot, so a later
-- import that changes a contact's segment does not move its earlier answers.
ALTER TABLE responses ADD COLUMN contact_attributes TEXT;
UPDATE responses SET contact_attributes = (SELECT c.attributes FROM contacts c WHERE c.id = responses.contact_id)
WHERE contact_id IS NOT NULL;

-- The attribute keys (a JSON array, at most five) the organisation keeps in the aggregates.
ALTER TABLE orgs ADD COLUMN kept_attributes TEXT NOT NULL DEFAULT '[]';

-- The histograms of agg_counts once more per kept attribute and value, without touchpoint and
-- channel (each kept attribute multiplies the cells by its number of values; a filter on an
-- attribute and a touchpoint or channel together reads the raw responses): only responses
-- whose contact had that value are counted in a row.
CREATE TABLE agg_attr_counts (
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    attribute TEXT NOT NULL,
    attribute_value TEXT NOT NULL,
    grain INTEGER NOT NULL,
    period INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    value INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question, attribute, attribute_value, grain, period, unit_id, value)
) WITHOUT ROWID;
