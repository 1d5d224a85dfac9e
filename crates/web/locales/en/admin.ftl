# Admin app (English)
nav-label = Main menu
nav-surveys = Surveys
nav-results = Results
nav-organisation = Organisation
nav-people = People
nav-settings = Settings
sign-out = Sign out
back-to-app = Back to the app
back-to-login = Back to sign-in
save = Save
copy = Copy link
copied = Copied
older = Older entries

role-admin = Administrator
role-manager = Manager
role-member = Team member

login-title = Sign in
login-submit = Sign in
login-forgot = Forgot your password?
login-signed-out = You are signed out.
login-password-set = Your password is saved. Sign in with it now.
login-failed = The email address or password is not right. Check both and try again.
login-expired-form = This sign-in form had expired. Please enter your details again.
login-locked = { $n ->
    [one] This account is locked after too many failed attempts. Try again in 1 minute, or reset your password.
   *[other] This account is locked after too many failed attempts. Try again in { $n } minutes, or reset your password.
}
login-ip-limited = Too many failed sign-ins from your network. Wait { $n } minutes and try again.
field-email = Email address
field-password = Password
field-new-password = New password
field-repeat-password = Repeat the new password
field-name = Name

password-forgot-title = Forgot your password?
password-forgot-body = Enter the email address of your account. We will send you a link to choose a new password.
password-forgot-submit = Send the link
password-email-invalid = Enter an email address such as name@example.com.
password-sent-title = Check your email
password-sent-body = If an account exists for this address, we have sent a link to it. The link works for 2 hours.
password-reset-title = Choose a new password
password-invite-title = Welcome: choose your password
password-choose-body = Choose a password of at least { $n } characters. A few unrelated words make a strong one.
password-save = Save the password
password-too-short = The password needs at least { $n } characters.
password-mismatch = The two passwords are not the same. Type them again.
password-invalid-title = This link no longer works
password-invalid-body = The link has expired or was used already. Ask for a new one.

mail-reset-subject = Choose a new password for Tevreden
mail-reset-body = Hello { $name },

    Someone (hopefully you) asked for a new password for Tevreden. Choose one at this link:

    { $link }

    The link works for { $hours } hours and only once. If you did not ask for it, ignore this email: your password stays as it is.
mail-invite-subject = You are invited to Tevreden for { $org }
mail-invite-body = Hello { $name },

    { $inviter } invited you to Tevreden, where { $org } measures and improves what customers and colleagues experience. Choose your password at this link:

    { $link }

    The link works for { $days } days.

csrf-title = The form had expired
csrf-body = For your safety we did not carry out this action. Go back, reload the page and try again.
forbidden-title = Not available for your role
forbidden-body = This page is for administrators. Ask an administrator of your organisation if you need it.

status-draft = Draft
status-open = Collecting
status-closed = Closed
has-draft = new draft
not-published = not published yet
col-survey = Survey
col-status = Status
col-version = Version
col-responses = Responses
col-link = Public link
col-last-response = Last response
col-name = Name
col-role = Role
col-units = Units
col-last-login = Last sign-in
col-when = When
col-who = Who
col-what = Action
col-object = Object
surveys-empty-title = No surveys yet
surveys-empty-body = Create a survey from a template or upload a survey file with the API (POST /api/v1/surveys).

results-total = { $n ->
    [one] 1 response in all.
   *[other] { $n } responses in all.
}
results-note = Open a survey to see its scores with intervals, trend, breakdowns, drivers and comments.

org-scoped = You see the units you are responsible for.
org-empty-title = No units yet
office-front = front office
office-back = back office

user-active = active
user-invited = invited
user-locked = locked out from one address
user-disabled = disabled
people-invite-title = Invite someone
people-invite-body = They receive an email with a link to choose a password.
people-invite-submit = Send the invitation
people-units-hint = Managers see these units and everything below them; team members see these units. Administrators see everything.
people-invited = An invitation was sent to { $email }.
people-error-email = Enter an email address such as name@example.com.
people-error-name = Enter the person's name.
people-error-role = Choose a role.
people-error-units = Choose at least one unit for a manager or team member.
people-error-exists = There is already an account with this email address.
form-has-errors = Some fields need your attention; see the messages below.

settings-language = Language
settings-language-browser = As my browser
settings-sessions = Sign-in
settings-signed-in-as = You are signed in as { $email }.
settings-logout-everywhere = Sign out on all devices

audit-title = Audit log
audit-export = Download as JSON (API)
audit-empty = Nothing has been recorded yet.

builder-title = Survey builder
builder-new-title = New survey
builder-start-from = Start from
builder-empty = An empty survey (one NPS question)
builder-key = Key
builder-key-hint = Lower-case letters, digits and hyphens, e.g. after-call. It names the survey in the API and in exports and cannot change.
builder-title-in = Title
builder-intro-in = Introduction
builder-create = Create the draft
builder-error-key = The key may contain lower-case letters, digits and hyphens, and starts with a letter or digit.
builder-error-key-taken = There is a survey with this key already; choose another key.
builder-error-title = Give the survey a title in at least one language.
builder-error-condition = Choose how the condition compares and give a value.
builder-error-file-key = The file is for another survey: its key must be { $key }.
builder-preview = Preview
builder-download = Download
builder-publish = Publish
builder-saved = Saved in the draft.
builder-not-saved = This change was not saved:
builder-draft-new = Draft, never published.
builder-draft-after = Draft of the next version; version { $n } is live.
builder-editing-published = Version { $n } is live; your first change starts a new draft.
builder-texts = Title and introduction
builder-page = Page { $n }
builder-join-page = Join with the previous page
builder-up = Move up
builder-down = Move down
builder-break = New page from here
builder-delete = Delete
builder-question-text = Question
builder-required = An answer is required
builder-show-if = Show only when
builder-complex-condition = This question has a combined condition:
builder-cond-question = Earlier question
builder-cond-op = Comparison
builder-cond-value = Value
builder-always = (always show)
builder-add = Add a question
builder-type = Type
builder-id = Id
builder-id-hint = Names the answer in exports, e.g. effort. Lower-case letters, digits, - and _.
builder-on-page = On page
builder-add-submit = Add the question
builder-file = Edit as a file (YAML or JSON)
builder-file-hint = Everything the survey format allows, including scales, options and items. See docs/survey-format.md.
builder-upload = Load a file from your computer
builder-file-text = The survey file
builder-file-save = Check and save the file

qtype-nps = NPS (0–10)
qtype-rating = Rating scale
qtype-likert = Agree scale
qtype-yesno = Yes / no
qtype-choice = One choice
qtype-multi = Several choices
qtype-text = Open answer
qtype-matrix = Matrix
qtype-ranking = Ranking
qtype-allocation = Points to divide

op-eq = is
op-ne = is not
op-lt = is less than
op-lte = is at most
op-gt = is more than
op-gte = is at least
op-in = is one of (a, b, …)
op-includes = includes
op-answered = is answered
op-unanswered = is not answered

publish-title = Publish a new version
publish-first = This is the first version. Once published, the public link collects answers.
publish-changes = What changes against the live version
publish-no-changes = The draft is the same as the live version.
publish-nothing = There is no draft to publish. Change something in the builder first.
publish-hint = A published version never changes. Responses keep the version they answered; people who already started finish the version they began.

change-title = The title changed.
change-intro = The introduction changed.
change-languages = Languages: { $before } → { $after }.
change-pages = Pages: { $before } → { $after }.
change-added = New question { $id }.
change-removed = Question { $id } removed.
change-moved = Question { $id } moved.
change-type = Question { $id } changed type: { $before } → { $after }.
change-text = Question { $id } ({ $lang }): “{ $before }” → “{ $after }”.
change-required = Question { $id } is now required.
change-optional = Question { $id } is now optional.
change-condition = Question { $id } has a new condition: { $after }.
change-settings = Question { $id }: settings changed ({ $fields }).

responses-title = Responses
responses-export = Download as CSV
responses-scoped = You see the responses of your units.
responses-empty = No responses yet. Share the survey link to collect them.
col-lang = Language
col-unit = Unit
col-touchpoint = Touchpoint

user-edit-title = Edit a user
user-disable = Disable this account (signs out everywhere; can be undone)
user-error-self = You cannot take away your own administrator role or disable yourself; ask another administrator.
tokens-title = API tokens
tokens-intro = Integrations use a token to call the API (Authorization: Bearer …). A token has a role and may be limited to one unit.
tokens-created = Copy the new token now: it is shown only this once.
tokens-empty = No API tokens yet.
tokens-created-at = Created
tokens-last-used = Last used
tokens-revoke = Revoke
tokens-revoked = revoked
tokens-new = New token
tokens-name = What is it for?
tokens-create = Create the token
tokens-whole-org = The whole organisation
tokens-error = Give the token a name and a role.
qr-code = QR code

import-title = Import from a file
import-what = What does the file hold?
import-kind-units = Units (external_id, name, parent, office)
import-kind-employees = Employees (external_id, name, email, unit, role, customer_facing)
import-kind-contacts = Customer contacts (external_id, email, name, lang, and any attributes)
import-file = File
import-file-hint = CSV (comma or semicolon, UTF-8) or Excel (.xlsx), with column names in the first row; at most 20 MB.
import-skip-invalid = Import the valid rows even when some rows are refused
import-submit = Check and import
import-rows-read = { $n } rows read.
import-done = Imported: { $created } created, { $updated } updated.
import-skipped = { $n } refused rows were skipped.
import-refused = { $n } rows were refused, so nothing was imported. Correct them, or tick “import the valid rows”.
import-errors = Refused rows
import-line = Line
import-column = Column
import-reason = Reason
import-more-errors = And { $n } more problems; correct these first.
import-too-large = The file could not be received: it may be larger than 20 MB.
import-choose-kind = Choose what the file holds.
import-choose-file = Choose a file to import.
import-unreadable = The file could not be read: { $reason }

# Organisation pages
org-tab-units = Units
org-tab-employees = Employees
org-tab-contacts = Customer contacts
org-tab-touchpoints = Channels & touchpoints
org-tab-channels = Channels
org-tab-import = Import
org-empty-admin = No units yet. Add your first unit below, or import a file with all of them.
unit-new = Add a unit
unit-edit = Change this unit
unit-delete = Delete this unit
unit-delete-explain = Only a unit without sub-units, employees, touchpoints, responses, users or tokens can be deleted. Move or remove those first.
unit-delete-in-use = This unit is still in use, so it was not deleted. Move its sub-units, employees and touchpoints elsewhere first; units with responses stay for the history.
employee-new = Add an employee
employee-edit = Change this employee
employee-delete = Delete this employee
employee-delete-explain = Responses that mention this employee keep their answers but lose the link to them.
contact-new = Add a customer contact
contact-edit = Change this contact
contact-delete = Erase this contact
contact-delete-explain = Erases the customer's details (their right to be forgotten). Their responses stay, no longer linked to them.
contacts-lead = Customers you invite or whose answers you want to link to what you know about them.
channel-new = Add or change a channel
touchpoint-new = Add or change a touchpoint
touchpoints-lead = Channels are the ways customers reach you; touchpoints the moments of contact, each owned by a unit (back-office units too). Saving with an existing key changes that record.
field-external-id = Id
field-external-id-hint = The code your own systems use, e.g. KS-TEL. Letters, digits and . _ - : @ /
field-employee-id-hint = The personnel number, e.g. E-0012.
field-contact-id-hint = The customer number in your CRM.
field-parent = Part of
field-parent-none = (top level)
field-office = Office
field-unit = Unit
field-job = Job title
field-customer-facing = Has direct customer contact
field-lang = Language
field-attributes = Attributes
field-attributes-hint = One per line as key = value, e.g. segment = business. Keys: lower-case letters, digits and _.
field-key = Key
field-key-hint = A short code used in links and the API, e.g. phone.
field-kind = Kind
field-kind-hint = e.g. phone, digital, in person.
field-owner = Owning unit
field-channel = Channel
rec-saved = Saved: { $what }.
rec-search = Search
rec-search-people = Name, email or id
rec-all-units = All units
rec-none = Nothing here yet.
rec-next = Next page
rec-error-empty = Fill this in (at most 200 characters).
rec-error-long = Use at most 200 characters.
rec-error-own-parent = A unit cannot be part of itself.
rec-error-cycle = That would place the unit inside its own subtree; choose a unit higher up.
rec-error-unknown = Choose one that exists.
rec-error-email = Enter an email address such as name@example.nl.
rec-error-key = Use letters, digits and . _ - : @ / (at most 100).
rec-error-exists = This id is already used; open that record to change it.
rec-error-attribute = Write each attribute as key = value: "{ $line }" is not.
yes = yes
no = no
add = Add
builder-live = Live preview
builder-live-hint = As respondents will see it; follows what you type before you save.
tokens-api-docs = Read the API reference.

dash-responses = Responses
dash-question = Question
dash-from = From
dash-to = To
dash-unit = Unit (with everything under it)
dash-all-units = All units
dash-all = All
dash-touchpoint = Touchpoint
dash-channel = Channel
dash-period = Trend per
dash-by = Break down by
dash-apply = Show
dash-bad-date = “{ $value }” is not a date; use the date picker or write it as 2026-03-31.
dash-employee = Handled by
dash-employee-hint = An employee's id; empty: everyone.
dash-version = Survey version
dash-attribute = Contact attribute
dash-attribute-hint = key:value, e.g. segment:zakelijk
dash-unknown-employee = There is no employee “{ $value }”; check the id (the breakdown by employee shows them) or leave the field empty.
dash-bad-version = The survey has no published version “{ $value }”; pick one from the list.
dash-bad-attribute = “{ $value }” is not key:value; write it as segment:zakelijk.
dash-no-data = No answers in this selection
dash-no-answers = No answers match this selection yet. Widen the dates or choose another unit.
dash-signal = Significant change
dash-signal-limits = yes: outside the 3σ limits
dash-signal-ewma = yes: sustained shift (EWMA)
dash-signal-rule = “Significant change” appears only where a control-chart rule fires: the score outside its 3σ limits, or the EWMA (λ 0.2) outside its limits for a sustained shift; limits from the whole period shown. Elsewhere read the interval.
dash-target = Target
dash-interval = 95% interval
dash-interval-low = 95% interval, low
dash-interval-high = 95% interval, high
dash-control-limits = Control limits
dash-centre = Centre line
dash-relative-weight = Relative weight (%)
dash-shapley = Shapley (%)
dash-small-n = n < 30: indicative
dash-mean = Mean
dash-yes = yes
dash-none = (none)
dash-answer = Answer
dash-count = Count
dash-detractors = Detractors
dash-passives = Passives
dash-promoters = Promoters
dash-trend-title = { $metric } per { $period }
dash-distribution-title = Answers to “{ $question }”
dash-breakdown-title = { $metric } by { $by }
dash-drivers-title = What drives “{ $question }” (n = { $n })
dash-drivers-note = The drivers together explain { $r2 }% of the differences (R²). Importance is each driver's share of that; it shows association, not proof of cause.
dash-drivers-none = Driver analysis needs a numeric outcome and at least one other numeric question.
dash-drivers-failed = No driver analysis for this selection: { $reason }
dash-matrix-title = Importance and performance
dash-performance = Performance (mean)
dash-importance = Importance (%)
dash-driver = Driver
dash-quadrant = Quadrant
dash-tables = The numbers behind the charts
dash-comments = What customers wrote
dash-no-comments = No open answers in this selection.
dash-themes = Themes
dash-comments-note = Sentiment and themes are read automatically from word lists: useful for sorting, not a verdict. The newest 200 responses in this selection are analysed.
dash-unpublished-title = Not published yet
dash-unpublished-body = Results appear once the survey is published and answered.
dash-nothing-measured-title = Nothing to measure
dash-nothing-measured-body = This survey has no NPS, rating, agree-scale or yes/no question to compute results for.
metric-nps = NPS
metric-csat = CSAT (top-2-box %)
metric-ces = Ease (top-3-box %)
metric-mean = Mean
metric-proportion = Share yes (%)
period-week = week
period-month = month
period-quarter = quarter
by-unit = unit
by-touchpoint = touchpoint
by-employee = handling employee
by-channel = channel
by-version = survey version
by-attribute = contact attribute “{ $key }”
quadrant-act-here = Act here
quadrant-keep-up = Keep up
quadrant-possible-overkill = Possible overkill
quadrant-low-priority = Low priority
sentiment-positive = positive
sentiment-neutral = neutral
sentiment-negative = negative
nav-scorecards = Scorecards
sc-settings = Indicator and targets
sc-indicator = Indicator
sc-period = Period
sc-score = Score
sc-status = Status
sc-previous = Previous period
sc-change-real = a real change
sc-change-noise = within noise
sc-note = A unit counts the responses about itself and everything under it, plus those at touchpoints it owns or influences (back offices included). The status respects the 95% interval: on target only when the whole interval reaches the target.
sc-none-title = No indicator chosen yet
sc-none-body = Choose the organisation's one customer indicator (NPS, CSAT or a customer index) and give every unit its targets.
sc-chart-title = { $indicator } per unit, { $period }
sc-trend-title = { $indicator } of { $unit }, last eight periods
sc-status-rule = On target: the whole interval is at or above the target. Below: the whole interval is under it. Otherwise it is not yet sure; more answers will tell.
sc-status-on-target = on target
sc-status-below = below target
sc-status-not-yet-sure = not yet sure
sc-status-no-data = no answers
sc-status-no-target = no target
sc-kind = Kind
sc-kind-nps = NPS
sc-kind-csat = CSAT
sc-kind-index = Customer index
sc-question = Question (NPS or CSAT)
sc-index-survey = Survey (customer index)
sc-components = Questions of the index
sc-components-hint = One per line: question = weight, e.g. csat = 2. Each question is rescaled to 0–100; the index is their weighted mean.
sc-targets-for = Targets for { $period }
sc-targets-hint = On the indicator's scale (NPS −100 to 100; CSAT and index 0 to 100). Leave a field empty for no target. A quarter without its own target uses the year's.
sc-slots = Also on the scorecard
sc-slot-internal = Internal-customer score
sc-slot-promises = Service-promise compliance
sc-slot-engagement = Employee engagement
sc-slot-cases = Open follow-up cases
sc-not-measured = not measured yet
sc-touchpoints = Touchpoints
sc-owned = Owned
sc-influences = Also measured on these touchpoints (the unit influences them)
sc-saved = Saved.
sc-bad-kind = Choose NPS, CSAT or a customer index.
sc-bad-survey = Choose a published survey.
sc-bad-components = Name at least one question.
sc-bad-question = “{ $question }” cannot be used for this kind of indicator.
sc-bad-weight = “{ $line }”: write question = weight, with a weight above 0.
sc-bad-period = Write the period as 2026, 2026-Q3 or 2026-07.
sc-bad-target = The target of { $unit } must be a number from { $min } to { $max }; nothing was saved.
dash-differs = Differs from the rest (false discovery rate 5%)
dash-phrases = Frequent phrases no theme covers yet
themes-title = Themes of open answers
themes-custom = Your organisation's own dictionary.
themes-builtin = The built-in dictionary for customer contact applies; save a changed copy to make it your own.
themes-theme = Theme
themes-synonyms = Words and phrases
themes-edit = The dictionary (YAML)
themes-hint = Per theme a key, a name per language and synonyms: word* matches words that start with it, *word the end of a compound (jaarfactuur). Nothing is saved while anything is wrong.
themes-reset = Back to the built-in dictionary
themes-invalid = Not saved: { $reason }

kept-title = Contact attributes in the results
kept-lead = Results filtered by a kept attribute (such as segment or region) come straight from the aggregates, as fast as any other filter. Other attributes can still be filtered on; those results are counted from the individual responses, which takes longer for large surveys.
kept-note = A response counts under the attributes its contact had when it answered: a later import that moves a customer to another segment does not move earlier answers. Erasing a contact also removes its attributes from its responses.
kept-available = Attributes of your contacts
kept-contacts = { $n ->
    [one] 1 contact
   *[other] { $n } contacts
}
kept-none = Your contacts have no attributes yet. Import contacts with extra columns (segment, region, …) or type the keys below.
kept-other = Other attribute keys
kept-other-hint = Comma-separated, e.g. segment, region. At most { $max } attributes in all.
kept-save = Keep and recount
kept-saved = Saved: { $n ->
    [one] 1 response
   *[other] { $n } responses
} with contact attributes recounted.
kept-invalid = Not saved: { $reason }
kept-wait = Saving recounts every response that has contact attributes, in one go. New responses wait meanwhile: with millions of responses that takes minutes, so choose a quiet moment.
kept-manage = Choose which attributes are kept in the results

## Response export columns (beside their ids in an export for people)
export-col-response-id = Response
export-col-submitted-at = Submitted at
export-col-survey-version = Survey version
export-col-lang = Language
export-col-unit = Unit
export-col-touchpoint = Touchpoint
export-col-channel = Channel
export-col-employee = Employee
export-col-contact = Customer

# Sign-in with an empty field
login-both-needed = Enter both your email address and your password.
