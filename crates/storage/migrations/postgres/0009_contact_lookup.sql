-- Responses by contact. Keep in step with ../sqlite/0009_contact_lookup.sql.
-- A unit-scoped manager sees the contacts who answered, or were invited, in their units; and
-- erasing a contact finds its responses without scanning the table. Only responses that name
-- a contact are indexed, so anonymous collection pays nothing for it.
CREATE INDEX responses_contact ON responses (contact_id, unit_id) WHERE contact_id IS NOT NULL;
CREATE INDEX invitations_contact ON invitations (contact_id, unit_id) WHERE contact_id IS NOT NULL;
