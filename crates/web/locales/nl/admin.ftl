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
results-note = Open een vragenlijst voor de scores met intervallen, het verloop, uitsplitsingen, bepalende factoren en opmerkingen.

org-scoped = U ziet de eenheden waarvoor u verantwoordelijk bent.
org-empty-title = Nog geen eenheden
office-front = frontoffice
office-back = backoffice

user-active = actief
user-invited = uitgenodigd
user-locked = vergrendeld voor één adres
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

builder-title = Vragenlijst bouwen
builder-new-title = Nieuwe vragenlijst
builder-start-from = Begin met
builder-empty = Een lege vragenlijst (één NPS-vraag)
builder-key = Sleutel
builder-key-hint = Kleine letters, cijfers en streepjes, bijvoorbeeld na-gesprek. Hiermee heet de vragenlijst in de API en in exports; hij verandert niet meer.
builder-title-in = Titel
builder-intro-in = Inleiding
builder-create = Concept maken
builder-error-key = De sleutel bestaat uit kleine letters, cijfers en streepjes en begint met een letter of cijfer.
builder-error-key-taken = Er is al een vragenlijst met deze sleutel; kies een andere.
builder-error-title = Geef de vragenlijst een titel in minstens één taal.
builder-error-condition = Kies hoe de voorwaarde vergelijkt en vul een waarde in.
builder-error-file-key = Het bestand hoort bij een andere vragenlijst: de sleutel moet { $key } zijn.
builder-preview = Voorbeeld
builder-download = Downloaden
builder-publish = Publiceren
builder-saved = Opgeslagen in het concept.
builder-not-saved = Deze wijziging is niet opgeslagen:
builder-draft-new = Concept, nog nooit gepubliceerd.
builder-draft-after = Concept van de volgende versie; versie { $n } staat live.
builder-editing-published = Versie { $n } staat live; uw eerste wijziging begint een nieuw concept.
builder-texts = Titel en inleiding
builder-page = Pagina { $n }
builder-join-page = Samenvoegen met de vorige pagina
builder-up = Omhoog
builder-down = Omlaag
builder-break = Nieuwe pagina vanaf hier
builder-delete = Verwijderen
builder-question-text = Vraag
builder-required = Een antwoord is verplicht
builder-show-if = Alleen tonen als
builder-complex-condition = Deze vraag heeft een samengestelde voorwaarde:
builder-cond-question = Eerdere vraag
builder-cond-op = Vergelijking
builder-cond-value = Waarde
builder-always = (altijd tonen)
builder-add = Vraag toevoegen
builder-type = Soort
builder-id = Id
builder-id-hint = De naam van het antwoord in exports, bijvoorbeeld moeite. Kleine letters, cijfers, - en _.
builder-on-page = Op pagina
builder-add-submit = Vraag toevoegen
builder-file = Bewerken als bestand (YAML of JSON)
builder-file-hint = Alles wat het vragenlijstformaat kan, ook schalen, opties en onderdelen. Zie docs/survey-format.md.
builder-upload = Een bestand van uw computer laden
builder-file-text = Het vragenlijstbestand
builder-file-save = Bestand controleren en opslaan

qtype-nps = NPS (0–10)
qtype-rating = Beoordelingsschaal
qtype-likert = Eens-oneensschaal
qtype-yesno = Ja / nee
qtype-choice = Eén keuze
qtype-multi = Meerdere keuzes
qtype-text = Open antwoord
qtype-matrix = Matrix
qtype-ranking = Rangorde
qtype-allocation = Punten verdelen

op-eq = is
op-ne = is niet
op-lt = is kleiner dan
op-lte = is hoogstens
op-gt = is groter dan
op-gte = is minstens
op-in = is een van (a, b, …)
op-includes = bevat
op-answered = is beantwoord
op-unanswered = is niet beantwoord

publish-title = Nieuwe versie publiceren
publish-first = Dit is de eerste versie. Na publiceren verzamelt de openbare link antwoorden.
publish-changes = Wat verandert ten opzichte van de live versie
publish-no-changes = Het concept is gelijk aan de live versie.
publish-nothing = Er is geen concept om te publiceren. Wijzig eerst iets in de bouwer.
publish-hint = Een gepubliceerde versie verandert nooit meer. Reacties houden de versie die ze beantwoordden; wie al begonnen is, maakt die versie af.

change-title = De titel is gewijzigd.
change-intro = De inleiding is gewijzigd.
change-languages = Talen: { $before } → { $after }.
change-pages = Pagina's: { $before } → { $after }.
change-added = Nieuwe vraag { $id }.
change-removed = Vraag { $id } verwijderd.
change-moved = Vraag { $id } verplaatst.
change-type = Vraag { $id } is van soort veranderd: { $before } → { $after }.
change-text = Vraag { $id } ({ $lang }): “{ $before }” → “{ $after }”.
change-required = Vraag { $id } is nu verplicht.
change-optional = Vraag { $id } is nu niet verplicht.
change-condition = Vraag { $id } heeft een nieuwe voorwaarde: { $after }.
change-settings = Vraag { $id }: instellingen gewijzigd ({ $fields }).

responses-title = Reacties
responses-export = Downloaden als CSV
responses-scoped = U ziet de reacties van uw eenheden.
responses-empty = Nog geen reacties. Deel de link naar de vragenlijst om ze te verzamelen.
col-lang = Taal
col-unit = Eenheid
col-touchpoint = Contactmoment

user-edit-title = Gebruiker wijzigen
user-disable = Dit account uitschakelen (meldt overal af; terug te draaien)
user-error-self = U kunt uw eigen beheerdersrol niet afnemen en uzelf niet uitschakelen; vraag een andere beheerder.
tokens-title = API-tokens
tokens-intro = Koppelingen gebruiken een token om de API aan te roepen (Authorization: Bearer …). Een token heeft een rol en kan tot één eenheid beperkt zijn.
tokens-created = Kopieer het nieuwe token nu: het wordt maar één keer getoond.
tokens-empty = Nog geen API-tokens.
tokens-created-at = Gemaakt
tokens-last-used = Laatst gebruikt
tokens-revoke = Intrekken
tokens-revoked = ingetrokken
tokens-new = Nieuw token
tokens-name = Waarvoor is het?
tokens-create = Token maken
tokens-whole-org = De hele organisatie
tokens-error = Geef het token een naam en een rol.
qr-code = QR-code

import-title = Importeren uit een bestand
import-what = Wat staat er in het bestand?
import-kind-units = Eenheden (external_id, name, parent, office)
import-kind-employees = Medewerkers (external_id, name, email, unit, role, customer_facing)
import-kind-contacts = Klantcontacten (external_id, email, name, lang en eventuele kenmerken)
import-file = Bestand
import-file-hint = CSV (komma of puntkomma, UTF-8) of Excel (.xlsx), met kolomnamen in de eerste rij; hoogstens 20 MB.
import-skip-invalid = De goede rijen importeren, ook als sommige rijen zijn geweigerd
import-submit = Controleren en importeren
import-rows-read = { $n } rijen gelezen.
import-done = Geïmporteerd: { $created } nieuw, { $updated } bijgewerkt.
import-skipped = { $n } geweigerde rijen zijn overgeslagen.
import-refused = { $n } rijen zijn geweigerd, dus er is niets geïmporteerd. Verbeter ze, of vink “de goede rijen importeren” aan.
import-errors = Geweigerde rijen
import-line = Regel
import-column = Kolom
import-reason = Reden
import-more-errors = En nog { $n } problemen; verbeter eerst deze.
import-too-large = Het bestand kon niet worden ontvangen: het is misschien groter dan 20 MB.
import-choose-kind = Kies wat er in het bestand staat.
import-choose-file = Kies een bestand om te importeren.
import-unreadable = Het bestand kon niet worden gelezen: { $reason }

# Organisation pages
org-tab-units = Eenheden
org-tab-employees = Medewerkers
org-tab-contacts = Klantcontacten
org-tab-touchpoints = Kanalen & contactmomenten
org-tab-channels = Kanalen
org-tab-import = Importeren
org-empty-admin = Nog geen eenheden. Voeg hieronder je eerste eenheid toe, of importeer een bestand met alle eenheden.
unit-new = Eenheid toevoegen
unit-edit = Deze eenheid wijzigen
unit-delete = Deze eenheid verwijderen
unit-delete-explain = Alleen een eenheid zonder onderliggende eenheden, medewerkers, contactmomenten, reacties, gebruikers of tokens kan weg. Verplaats of verwijder die eerst.
unit-delete-in-use = Deze eenheid is nog in gebruik en is dus niet verwijderd. Verplaats eerst de onderliggende eenheden, medewerkers en contactmomenten; eenheden met reacties blijven bestaan voor de geschiedenis.
employee-new = Medewerker toevoegen
employee-edit = Deze medewerker wijzigen
employee-delete = Deze medewerker verwijderen
employee-delete-explain = Reacties die deze medewerker noemen houden hun antwoorden, maar verliezen de koppeling.
contact-new = Klantcontact toevoegen
contact-edit = Dit contact wijzigen
contact-delete = Dit contact wissen
contact-delete-explain = Wist de gegevens van de klant (het recht op vergetelheid). De reacties blijven, zonder koppeling aan deze klant.
contacts-lead = Klanten die je uitnodigt, of van wie je antwoorden wilt koppelen aan wat je al van ze weet.
channel-new = Kanaal toevoegen of wijzigen
touchpoint-new = Contactmoment toevoegen of wijzigen
touchpoints-lead = Kanalen zijn de wegen waarlangs klanten je bereiken; contactmomenten de momenten van contact, elk van een eenheid (ook de backoffice). Opslaan met een bestaande sleutel wijzigt dat record.
field-external-id = Id
field-external-id-hint = De code uit je eigen systemen, bijv. KS-TEL. Letters, cijfers en . _ - : @ /
field-employee-id-hint = Het personeelsnummer, bijv. E-0012.
field-contact-id-hint = Het klantnummer in je CRM.
field-parent = Onderdeel van
field-parent-none = (hoogste niveau)
field-office = Soort
field-unit = Eenheid
field-job = Functie
field-customer-facing = Heeft direct klantcontact
field-lang = Taal
field-attributes = Kenmerken
field-attributes-hint = Eén per regel als sleutel = waarde, bijv. segment = zakelijk. Sleutels: kleine letters, cijfers en _.
field-key = Sleutel
field-key-hint = Een korte code voor links en de API, bijv. telefoon.
field-kind = Soort
field-kind-hint = bijv. telefoon, digitaal, persoonlijk.
field-owner = Eigenaar (eenheid)
field-channel = Kanaal
rec-saved = Opgeslagen: { $what }.
rec-search = Zoeken
rec-search-people = Naam, e-mail of id
rec-all-units = Alle eenheden
rec-none = Hier staat nog niets.
rec-next = Volgende pagina
rec-error-empty = Vul dit in (hoogstens 200 tekens).
rec-error-long = Gebruik hoogstens 200 tekens.
rec-error-own-parent = Een eenheid kan geen onderdeel van zichzelf zijn.
rec-error-cycle = Dan komt de eenheid binnen haar eigen onderdelen; kies een eenheid hoger in de boom.
rec-error-unknown = Kies er een die bestaat.
rec-error-email = Vul een e-mailadres in zoals naam@voorbeeld.nl.
rec-error-key = Gebruik letters, cijfers en . _ - : @ / (hoogstens 100).
rec-error-exists = Dit id bestaat al; open dat record om het te wijzigen.
rec-error-attribute = Schrijf elk kenmerk als sleutel = waarde: "{ $line }" is dat niet.
yes = ja
no = nee
add = Toevoegen
builder-live = Live voorbeeld
builder-live-hint = Zoals respondenten het zien; volgt wat je typt, ook voor je opslaat.
tokens-api-docs = Lees de API-documentatie.

dash-responses = Reacties
dash-question = Vraag
dash-from = Van
dash-to = Tot en met
dash-unit = Eenheid (met alles eronder)
dash-all-units = Alle eenheden
dash-all = Alle
dash-touchpoint = Contactmoment
dash-channel = Kanaal
dash-period = Verloop per
dash-by = Uitsplitsen naar
dash-apply = Toon
dash-bad-date = “{ $value }” is geen datum; kies hem in de kalender of schrijf hem als 2026-03-31.
dash-employee = Afgehandeld door
dash-employee-hint = Het id van een medewerker; leeg: iedereen.
dash-version = Versie van de vragenlijst
dash-attribute = Kenmerk van de klant
dash-attribute-hint = kenmerk:waarde, bijv. segment:zakelijk
dash-unknown-employee = Er is geen medewerker “{ $value }”; controleer het id (de uitsplitsing per medewerker toont ze) of laat het veld leeg.
dash-bad-version = De vragenlijst heeft geen gepubliceerde versie “{ $value }”; kies er een uit de lijst.
dash-bad-attribute = “{ $value }” is geen kenmerk:waarde; schrijf het als segment:zakelijk.
dash-no-data = Geen antwoorden in deze selectie
dash-no-answers = Er zijn nog geen antwoorden in deze selectie. Kies een ruimere periode of een andere eenheid.
dash-signal = Significante verandering
dash-signal-limits = ja: buiten de 3σ-grenzen
dash-signal-ewma = ja: aanhoudende verschuiving (EWMA)
dash-signal-rule = “Significante verandering” staat er alleen waar een regel van de regelkaart afgaat: de score buiten zijn 3σ-grenzen, of het EWMA (λ 0,2) buiten zijn grenzen bij een aanhoudende verschuiving; grenzen over de hele getoonde periode. Lees elders het interval.
dash-target = Doel
dash-interval = 95%-interval
dash-interval-low = 95%-interval, ondergrens
dash-interval-high = 95%-interval, bovengrens
dash-control-limits = Regelgrenzen
dash-centre = Middenlijn
dash-relative-weight = Relatief gewicht (%)
dash-shapley = Shapley (%)
dash-small-n = n < 30: indicatief
dash-mean = Gemiddelde
dash-yes = ja
dash-none = (geen)
dash-answer = Antwoord
dash-count = Aantal
dash-detractors = Criticasters
dash-passives = Passieven
dash-promoters = Promotors
dash-trend-title = { $metric } per { $period }
dash-distribution-title = Antwoorden op “{ $question }”
dash-breakdown-title = { $metric } per { $by }
dash-drivers-title = Wat bepaalt “{ $question }” (n = { $n })
dash-drivers-note = Samen verklaren de factoren { $r2 }% van de verschillen (R²). Het belang is het aandeel van elke factor daarin; het toont samenhang, geen bewijs van oorzaak.
dash-drivers-none = Voor een analyse van bepalende factoren zijn een numerieke uitkomst en minstens één andere numerieke vraag nodig.
dash-drivers-failed = Geen analyse van bepalende factoren voor deze selectie: { $reason }
dash-matrix-title = Belang en prestatie
dash-performance = Prestatie (gemiddelde)
dash-importance = Belang (%)
dash-driver = Factor
dash-quadrant = Kwadrant
dash-tables = De cijfers achter de grafieken
dash-comments = Wat klanten schreven
dash-no-comments = Geen open antwoorden in deze selectie.
dash-themes = Thema's
dash-comments-note = Sentiment en thema's worden automatisch gelezen met woordenlijsten: handig om te sorteren, geen oordeel. De nieuwste 200 reacties in deze selectie worden geanalyseerd.
dash-unpublished-title = Nog niet gepubliceerd
dash-unpublished-body = Resultaten verschijnen zodra de vragenlijst gepubliceerd en ingevuld is.
dash-nothing-measured-title = Niets te meten
dash-nothing-measured-body = Deze vragenlijst heeft geen NPS-, beoordelings-, stellingen- of ja/nee-vraag om resultaten voor te berekenen.
metric-nps = NPS
metric-csat = CSAT (top-2-box %)
metric-ces = Gemak (top-3-box %)
metric-mean = Gemiddelde
metric-proportion = Aandeel ja (%)
period-week = week
period-month = maand
period-quarter = kwartaal
by-unit = eenheid
by-touchpoint = contactmoment
by-employee = behandelend medewerker
by-channel = kanaal
by-version = versie van de vragenlijst
by-attribute = klantkenmerk “{ $key }”
quadrant-act-here = Hier actie
quadrant-keep-up = Vasthouden
quadrant-possible-overkill = Mogelijk te veel
quadrant-low-priority = Lage prioriteit
sentiment-positive = positief
sentiment-neutral = neutraal
sentiment-negative = negatief
nav-scorecards = Scorekaarten
sc-settings = Indicator en doelen
sc-indicator = Indicator
sc-period = Periode
sc-score = Score
sc-status = Stand
sc-previous = Vorige periode
sc-change-real = een echte verandering
sc-change-noise = binnen de ruis
sc-note = Een eenheid telt de reacties over zichzelf en alles eronder, plus die bij contactmomenten die ze bezit of beïnvloedt (backoffices inbegrepen). De stand houdt rekening met het 95%-interval: op doel alleen als het hele interval het doel haalt.
sc-none-title = Nog geen indicator gekozen
sc-none-body = Kies de ene klantindicator van de organisatie (NPS, CSAT of een klantindex) en geef elke eenheid haar doelen.
sc-chart-title = { $indicator } per eenheid, { $period }
sc-trend-title = { $indicator } van { $unit }, laatste acht perioden
sc-status-rule = Op doel: het hele interval ligt op of boven het doel. Onder doel: het hele interval ligt eronder. Anders is het nog niet zeker; meer antwoorden maken het duidelijk.
sc-status-on-target = op doel
sc-status-below = onder doel
sc-status-not-yet-sure = nog niet zeker
sc-status-no-data = geen antwoorden
sc-status-no-target = geen doel
sc-kind = Soort
sc-kind-nps = NPS
sc-kind-csat = CSAT
sc-kind-index = Klantindex
sc-question = Vraag (NPS of CSAT)
sc-index-survey = Vragenlijst (klantindex)
sc-components = Vragen van de index
sc-components-hint = Eén per regel: vraag = gewicht, bijvoorbeeld csat = 2. Elke vraag wordt herschaald naar 0–100; de index is het gewogen gemiddelde.
sc-targets-for = Doelen voor { $period }
sc-targets-hint = Op de schaal van de indicator (NPS −100 tot 100; CSAT en index 0 tot 100). Laat een veld leeg voor geen doel. Een kwartaal zonder eigen doel gebruikt dat van het jaar.
sc-slots = Verder op de scorekaart
sc-slot-internal = Score van interne klanten
sc-slot-promises = Nakomen van klantbeloften
sc-slot-engagement = Betrokkenheid van medewerkers
sc-slot-cases = Openstaande opvolgzaken
sc-not-measured = nog niet gemeten
sc-touchpoints = Contactmomenten
sc-owned = Eigen
sc-influences = Ook gemeten op deze contactmomenten (de eenheid beïnvloedt ze)
sc-saved = Opgeslagen.
sc-bad-kind = Kies NPS, CSAT of een klantindex.
sc-bad-survey = Kies een gepubliceerde vragenlijst.
sc-bad-components = Noem minstens één vraag.
sc-bad-question = “{ $question }” past niet bij deze soort indicator.
sc-bad-weight = “{ $line }”: schrijf vraag = gewicht, met een gewicht boven 0.
sc-bad-period = Schrijf de periode als 2026, 2026-Q3 of 2026-07.
sc-bad-target = Het doel van { $unit } moet een getal van { $min } tot { $max } zijn; er is niets opgeslagen.
dash-differs = Wijkt af van de rest (false-discovery-rate 5%)
dash-phrases = Veelgebruikte woorden die nog onder geen thema vallen
themes-title = Thema's in open antwoorden
themes-custom = Het eigen woordenboek van uw organisatie.
themes-builtin = Het ingebouwde woordenboek voor klantcontact geldt; sla een aangepaste kopie op om het uw eigen te maken.
themes-theme = Thema
themes-synonyms = Woorden en zinsdelen
themes-edit = Het woordenboek (YAML)
themes-hint = Per thema een sleutel, een naam per taal en synoniemen: woord* vindt woorden die ermee beginnen, *woord het eind van een samenstelling (jaarfactuur). Er wordt niets opgeslagen zolang er iets niet klopt.
themes-reset = Terug naar het ingebouwde woordenboek
themes-invalid = Niet opgeslagen: { $reason }

kept-title = Klantkenmerken in de resultaten
kept-lead = Resultaten gefilterd op een bewaard kenmerk (zoals segment of regio) komen rechtstreeks uit de totalen, even snel als elk ander filter. Op andere kenmerken kunt u ook filteren; die resultaten worden uit de losse antwoorden geteld, wat bij grote vragenlijsten langer duurt.
kept-note = Een antwoord telt mee onder de kenmerken die de klant had toen hij antwoordde: een latere import die een klant naar een ander segment verplaatst, verplaatst eerdere antwoorden niet. Wie een klant wist, haalt ook diens kenmerken van zijn antwoorden.
kept-available = Kenmerken van uw klanten
kept-contacts = { $n ->
    [one] 1 klant
   *[other] { $n } klanten
}
kept-none = Uw klanten hebben nog geen kenmerken. Importeer klanten met extra kolommen (segment, regio, …) of typ de kenmerken hieronder.
kept-other = Andere kenmerken
kept-other-hint = Gescheiden door komma's, bijv. segment, regio. Samen hooguit { $max } kenmerken.
kept-save = Bewaren en opnieuw tellen
kept-saved = Opgeslagen: { $n ->
    [one] 1 antwoord
   *[other] { $n } antwoorden
} met klantkenmerken opnieuw geteld.
kept-invalid = Niet opgeslagen: { $reason }
kept-wait = Opslaan telt alle antwoorden met klantkenmerken in één keer opnieuw. Nieuwe antwoorden wachten zolang: bij miljoenen antwoorden duurt dat minuten, kies dus een rustig moment.
kept-manage = Kies welke kenmerken in de resultaten bewaard worden

## Kolommen van een export van reacties (naast hun id in een export voor mensen)
export-col-response-id = Reactie
export-col-submitted-at = Ingevuld op
export-col-survey-version = Versie van de vragenlijst
export-col-lang = Taal
export-col-unit = Eenheid
export-col-touchpoint = Contactmoment
export-col-channel = Kanaal
export-col-employee = Medewerker
export-col-contact = Klant

# Sign-in with an empty field
login-both-needed = Vul zowel uw e-mailadres als uw wachtwoord in.
