-- Every reference between two rows of one organisation is a composite foreign key (org_id, id)
-- (PostgreSQL). Keep in step with ../sqlite/0012_same_organisation_references.sql.
--
-- The database itself now refuses a row that points into another organisation: a response of
-- organisation A about a unit, touchpoint, channel, employee, contact, invitation or survey of
-- organisation B; likewise for invitations, employees, touchpoints, tokens, the indicator and a
-- unit's parent. The referenced tables get a unique index on (org_id, id), and each one-column
-- key gives way to its composite one with the same action; `ON DELETE SET NULL (column)`
-- (PostgreSQL 15) nulls the reference only, never org_id.

CREATE UNIQUE INDEX units_org_id ON units (org_id, id);
CREATE UNIQUE INDEX employees_org_id ON employees (org_id, id);
CREATE UNIQUE INDEX contacts_org_id ON contacts (org_id, id);
CREATE UNIQUE INDEX channels_org_id ON channels (org_id, id);
CREATE UNIQUE INDEX touchpoints_org_id ON touchpoints (org_id, id);
CREATE UNIQUE INDEX surveys_org_id ON surveys (org_id, id);
CREATE UNIQUE INDEX invitations_org_id ON invitations (org_id, id);

ALTER TABLE units DROP CONSTRAINT units_parent_id_fkey,
    ADD FOREIGN KEY (org_id, parent_id) REFERENCES units (org_id, id);

ALTER TABLE employees DROP CONSTRAINT employees_unit_id_fkey,
    ADD FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id);

ALTER TABLE touchpoints DROP CONSTRAINT touchpoints_unit_id_fkey,
    DROP CONSTRAINT touchpoints_channel_id_fkey,
    ADD FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    ADD FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id);

ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_unit_id_fkey,
    ADD FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id);

ALTER TABLE indicators DROP CONSTRAINT indicators_survey_id_fkey,
    ADD FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE;

ALTER TABLE invitations DROP CONSTRAINT invitations_survey_id_fkey,
    DROP CONSTRAINT invitations_unit_id_fkey,
    DROP CONSTRAINT invitations_touchpoint_id_fkey,
    DROP CONSTRAINT invitations_channel_id_fkey,
    DROP CONSTRAINT invitations_employee_id_fkey,
    DROP CONSTRAINT invitations_contact_id_fkey,
    ADD FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE,
    ADD FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    ADD FOREIGN KEY (org_id, touchpoint_id) REFERENCES touchpoints (org_id, id),
    ADD FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id),
    ADD FOREIGN KEY (org_id, employee_id) REFERENCES employees (org_id, id) ON DELETE SET NULL (employee_id),
    ADD FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE SET NULL (contact_id);

ALTER TABLE responses DROP CONSTRAINT responses_survey_id_fkey,
    DROP CONSTRAINT responses_invitation_id_fkey,
    DROP CONSTRAINT responses_unit_id_fkey,
    DROP CONSTRAINT responses_touchpoint_id_fkey,
    DROP CONSTRAINT responses_channel_id_fkey,
    DROP CONSTRAINT responses_employee_id_fkey,
    DROP CONSTRAINT responses_contact_id_fkey,
    ADD FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE,
    ADD FOREIGN KEY (org_id, invitation_id) REFERENCES invitations (org_id, id) ON DELETE SET NULL (invitation_id),
    ADD FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    ADD FOREIGN KEY (org_id, touchpoint_id) REFERENCES touchpoints (org_id, id),
    ADD FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id),
    ADD FOREIGN KEY (org_id, employee_id) REFERENCES employees (org_id, id) ON DELETE SET NULL (employee_id),
    ADD FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE SET NULL (contact_id);
