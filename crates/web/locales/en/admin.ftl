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
results-note = Scores, trends and comparisons per unit appear here once the analytics module is switched on.

org-scoped = You see the units you are responsible for.
org-empty-title = No units yet
org-empty-body = Import your units with `tevreden import units FILE --org SLUG`.
office-front = front office
office-back = back office

user-active = active
user-invited = invited
user-locked = locked
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
