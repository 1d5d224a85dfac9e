# Beheeromgeving (Nederlands)
nav-label = Hoofdmenu
nav-surveys = Vragenlijsten
nav-results = Resultaten
nav-organisation = Organisatie
nav-people = Mensen
nav-settings = Instellingen
sign-out = Afmelden
back-to-app = Terug naar de app
back-to-login = Terug naar aanmelden
save = Opslaan
copy = Link kopiëren
copied = Gekopieerd
older = Oudere regels

role-admin = Beheerder
role-manager = Leidinggevende
role-member = Teamlid

login-title = Aanmelden
login-submit = Aanmelden
login-forgot = Wachtwoord vergeten?
login-signed-out = U bent afgemeld.
login-password-set = Uw wachtwoord is opgeslagen. Meld u er nu mee aan.
login-failed = Het e-mailadres of wachtwoord klopt niet. Controleer beide en probeer het opnieuw.
login-expired-form = Dit aanmeldformulier was verlopen. Vul uw gegevens nog eens in.
login-locked = { $n ->
    [one] Dit account is vergrendeld na te veel mislukte pogingen. Probeer het over 1 minuut opnieuw, of stel een nieuw wachtwoord in.
   *[other] Dit account is vergrendeld na te veel mislukte pogingen. Probeer het over { $n } minuten opnieuw, of stel een nieuw wachtwoord in.
}
login-ip-limited = Te veel mislukte aanmeldingen vanaf uw netwerk. Wacht { $n } minuten en probeer het dan opnieuw.
field-email = E-mailadres
field-password = Wachtwoord
field-new-password = Nieuw wachtwoord
field-repeat-password = Herhaal het nieuwe wachtwoord
field-name = Naam

password-forgot-title = Wachtwoord vergeten?
password-forgot-body = Vul het e-mailadres van uw account in. We sturen u een link om een nieuw wachtwoord te kiezen.
password-forgot-submit = Stuur de link
password-email-invalid = Vul een e-mailadres in, zoals naam@voorbeeld.nl.
password-sent-title = Kijk in uw mailbox
password-sent-body = Als er een account bij dit adres hoort, hebben we er een link naartoe gestuurd. De link werkt 2 uur.
password-reset-title = Kies een nieuw wachtwoord
password-invite-title = Welkom: kies uw wachtwoord
password-choose-body = Kies een wachtwoord van minstens { $n } tekens. Een paar losse woorden achter elkaar is sterk.
password-save = Wachtwoord opslaan
password-too-short = Het wachtwoord moet minstens { $n } tekens hebben.
password-mismatch = De twee wachtwoorden zijn niet gelijk. Typ ze nog eens.
password-invalid-title = Deze link werkt niet meer
password-invalid-body = De link is verlopen of al gebruikt. Vraag een nieuwe aan.

mail-reset-subject = Kies een nieuw wachtwoord voor Tevreden
mail-reset-body = Beste { $name },

    Iemand (hopelijk u) vroeg om een nieuw wachtwoord voor Tevreden. Kies er een via deze link:

    { $link }

    De link werkt { $hours } uur en één keer. Vroeg u er niet om? Dan kunt u deze e-mail negeren: uw wachtwoord blijft zoals het is.
mail-invite-subject = U bent uitgenodigd voor Tevreden van { $org }
mail-invite-body = Beste { $name },

    { $inviter } nodigt u uit voor Tevreden, waarmee { $org } meet en verbetert wat klanten en collega's ervaren. Kies uw wachtwoord via deze link:

    { $link }

    De link werkt { $days } dagen.

csrf-title = Het formulier was verlopen
csrf-body = Voor uw veiligheid hebben we deze actie niet uitgevoerd. Ga terug, laad de pagina opnieuw en probeer het nog eens.
forbidden-title = Niet beschikbaar voor uw rol
forbidden-body = Deze pagina is voor beheerders. Vraag een beheerder van uw organisatie als u hem nodig hebt.

status-draft = Concept
status-open = Verzamelt
status-closed = Gesloten
has-draft = nieuw concept
not-published = nog niet gepubliceerd
col-survey = Vragenlijst
col-status = Status
col-version = Versie
col-responses = Reacties
col-link = Openbare link
col-last-response = Laatste reactie
col-name = Naam
col-role = Rol
col-units = Eenheden
col-last-login = Laatst aangemeld
col-when = Wanneer
col-who = Wie
col-what = Actie
col-object = Onderwerp
surveys-empty-title = Nog geen vragenlijsten
surveys-empty-body = Maak een vragenlijst vanuit een sjabloon of upload een vragenlijstbestand via de API (POST /api/v1/surveys).

results-total = { $n ->
    [one] 1 reactie in totaal.
   *[other] { $n } reacties in totaal.
}
results-note = Scores, trends en vergelijkingen per eenheid verschijnen hier zodra de analysemodule aanstaat.

org-scoped = U ziet de eenheden waarvoor u verantwoordelijk bent.
org-empty-title = Nog geen eenheden
org-empty-body = Importeer uw eenheden met `tevreden import units BESTAND --org SLUG`.
office-front = frontoffice
office-back = backoffice

user-active = actief
user-invited = uitgenodigd
user-locked = vergrendeld
user-disabled = uitgeschakeld
people-invite-title = Iemand uitnodigen
people-invite-body = Diegene krijgt een e-mail met een link om een wachtwoord te kiezen.
people-invite-submit = Uitnodiging versturen
people-units-hint = Leidinggevenden zien deze eenheden en alles daaronder; teamleden zien deze eenheden. Beheerders zien alles.
people-invited = Er is een uitnodiging verstuurd naar { $email }.
people-error-email = Vul een e-mailadres in, zoals naam@voorbeeld.nl.
people-error-name = Vul de naam in.
people-error-role = Kies een rol.
people-error-units = Kies minstens één eenheid voor een leidinggevende of teamlid.
people-error-exists = Er bestaat al een account met dit e-mailadres.
form-has-errors = Een paar velden vragen uw aandacht; zie de meldingen hieronder.

settings-language = Taal
settings-language-browser = Zoals mijn browser
settings-sessions = Aanmelding
settings-signed-in-as = U bent aangemeld als { $email }.
settings-logout-everywhere = Afmelden op alle apparaten

audit-title = Auditlog
audit-export = Downloaden als JSON (API)
audit-empty = Er is nog niets vastgelegd.
