//! Accuracy on the labelled comments, and behaviour tests of the public API.

use super::*;
use crate::Lang;

const LABELLED: &str = include_str!("data/labelled.tsv");
const HOLDOUT: &str = include_str!("data/labelled-holdout.tsv");

const LABELS: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative];

fn parse_label(s: &str) -> Sentiment {
    match s {
        "positive" => Sentiment::Positive,
        "neutral" => Sentiment::Neutral,
        "negative" => Sentiment::Negative,
        other => panic!("unknown label {other}"),
    }
}

fn rows(src: &str) -> Vec<(Lang, Sentiment, &str)> {
    src.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut c = l.splitn(3, '\t');
            let lang = Lang::parse(c.next().unwrap()).unwrap();
            let label = parse_label(c.next().unwrap());
            (lang, label, c.next().unwrap())
        })
        .collect()
}

/// Confusion matrix [expected][predicted] per language and overall, printed; returns the
/// accuracy overall, in Dutch and in English.
fn evaluate(name: &str, src: &str) -> (f64, f64, f64) {
    let rows = rows(src);
    let idx = |s: Sentiment| LABELS.iter().position(|l| *l == s).unwrap();
    let mut acc = Vec::new();
    for lang in [None, Some("nl"), Some("en")] {
        let mut m = [[0u32; 3]; 3];
        for (l, expected, text) in &rows {
            if lang.is_some_and(|x| l.primary() != x) {
                continue;
            }
            let got = sentiment(text, l);
            m[idx(*expected)][idx(got.label)] += 1;
            if lang.is_none() && got.label != *expected {
                println!(
                    "  miss [{l}] expected {:<8} got {:<8} {:+.2}  {text}",
                    expected.as_str(),
                    got.label.as_str(),
                    got.score
                );
            }
        }
        let total: u32 = m.iter().flatten().sum();
        let right: u32 = (0..3).map(|i| m[i][i]).sum();
        let a = f64::from(right) / f64::from(total);
        println!(
            "{name} {}: {right}/{total} = {a:.3}\n  expected \\ predicted   positive  neutral  negative",
            lang.unwrap_or("all")
        );
        for (i, l) in LABELS.iter().enumerate() {
            println!(
                "  {:<22} {:>8} {:>8} {:>9}",
                l.as_str(),
                m[i][0],
                m[i][1],
                m[i][2]
            );
        }
        acc.push(a);
    }
    (acc[0], acc[1], acc[2])
}

#[test]
fn accuracy_tuning() {
    let (all, nl, en) = evaluate("tuning", LABELLED);
    assert!(rows(LABELLED).len() >= 160);
    assert!(all >= 0.80 && nl >= 0.80 && en >= 0.80, "{all} {nl} {en}");
}

#[test]
fn accuracy_holdout() {
    let (all, nl, en) = evaluate("holdout", HOLDOUT);
    assert_eq!(rows(HOLDOUT).len(), 60);
    assert!(all >= 0.80 && nl >= 0.80 && en >= 0.80, "{all} {nl} {en}");
}

fn s(text: &str, lang: &str) -> SentimentScore {
    sentiment(text, &Lang::parse(lang).unwrap())
}

#[test]
fn sentiment_basics() {
    assert_eq!(s("Heel goed geholpen", "nl").label, Sentiment::Positive);
    assert_eq!(s("Slechte service", "nl").label, Sentiment::Negative);
    assert_eq!(
        s("Ik heb gebeld over mijn adres", "nl").label,
        Sentiment::Neutral
    );
    assert_eq!(
        s("", "nl"),
        SentimentScore {
            label: Sentiment::Neutral,
            score: 0.0
        }
    );
    assert_eq!(s("Great help", "en").label, Sentiment::Positive);
    assert_eq!(
        s("I called about my address", "en").label,
        Sentiment::Neutral
    );
    let x = s("Super super super goed!!!", "nl").score;
    assert!(x > 0.0 && x < 1.0);
    assert_eq!(Sentiment::Negative.as_str(), "negative");
    assert_eq!(
        serde_json::to_string(&Sentiment::Positive).unwrap(),
        "\"positive\""
    );
}

#[test]
fn negation_flips_forward_and_in_dutch_backward() {
    assert_eq!(s("niet goed", "nl").label, Sentiment::Negative);
    assert_eq!(s("Het is niet opgelost", "nl").label, Sentiment::Negative);
    assert_eq!(s("Ik ben niet geholpen", "nl").label, Sentiment::Negative);
    assert_eq!(
        s("Het werkt nog steeds niet", "nl").label,
        Sentiment::Negative
    );
    assert_eq!(s("Geholpen werd ik niet", "nl").label, Sentiment::Negative);
    assert_eq!(
        s("Geen probleem, geen klachten", "nl").label,
        Sentiment::Positive
    );
    assert_eq!(s("not good", "en").label, Sentiment::Negative);
    assert_eq!(s("It wasn't resolved", "en").label, Sentiment::Negative);
    assert_eq!(s("They never called back", "en").label, Sentiment::Negative);
    assert_eq!(s("No problems at all", "en").label, Sentiment::Positive);
    // negated negatives are only mildly positive
    assert!(s("niet slecht", "nl").score < s("goed", "nl").score);
    // negation stops at the clause end
    assert_eq!(
        s("Niet gebeld, wel goed geholpen", "nl").label,
        Sentiment::Positive
    );
    // neutral idioms with a negator stay neutral
    assert_eq!(s("Geen opmerkingen", "nl").label, Sentiment::Neutral);
    assert_eq!(s("Not sure", "en").label, Sentiment::Neutral);
}

#[test]
fn intensifiers_and_diminishers_scale() {
    let base = s("vriendelijk", "nl").score;
    assert!(s("heel vriendelijk", "nl").score > base);
    assert!(s("heel erg vriendelijk", "nl").score > s("heel vriendelijk", "nl").score);
    assert!(s("een beetje vriendelijk", "nl").score < base);
    let base = s("helpful", "en").score;
    assert!(s("extremely helpful", "en").score > base);
    assert!(s("slightly helpful", "en").score < base);
    assert!(s("Really slow", "en").score < s("slow", "en").score);
    // an intensifier with its own valence counts on its own
    assert_eq!(s("Super!", "nl").label, Sentiment::Positive);
    assert_eq!(s("Vreselijk lang gewacht", "nl").label, Sentiment::Negative);
}

#[test]
fn contrast_weights_the_part_after_but() {
    assert_eq!(
        s("Vriendelijk maar niet opgelost", "nl").label,
        Sentiment::Negative
    );
    assert_eq!(
        s("Lange wachttijd, maar daarna super geholpen", "nl").label,
        Sentiment::Positive
    );
    assert_eq!(
        s("Friendly but it is still not fixed", "en").label,
        Sentiment::Negative
    );
    assert!(s("Although the wait was long, she was great", "en").score > 0.2);
}

#[test]
fn domain_phrases_and_exclamations() {
    assert_eq!(
        s("Van het kastje naar de muur gestuurd", "nl").label,
        Sentiment::Negative
    );
    assert_eq!(s("Kept on hold forever", "en").label, Sentiment::Negative);
    assert_eq!(s("Netjes teruggebeld", "nl").label, Sentiment::Positive);
    assert_eq!(s("All sorted, cheers", "en").label, Sentiment::Positive);
    assert!(s("Goed geholpen!!", "nl").score > s("Goed geholpen", "nl").score);
    assert_eq!(s("Dank je 👍", "nl").label, Sentiment::Positive);
}

#[test]
fn phrases_allow_fillers_and_inflections_match() {
    assert_eq!(s("Hij hing gewoon op", "nl").label, Sentiment::Negative);
    assert_eq!(s("Ze dacht echt goed mee", "nl").label, Sentiment::Positive);
    assert_eq!(
        s("Vriendelijke en behulpzame dame", "nl").label,
        Sentiment::Positive
    );
    assert_eq!(
        s("Much faster than I expected", "en").label,
        Sentiment::Positive
    );
    assert_eq!(
        s("They kept ignoring my complaints", "en").label,
        Sentiment::Negative
    );
    // topic words name the reason for contact and carry no judgement
    assert_eq!(
        s("Schade gemeld na een inbraak", "nl").label,
        Sentiment::Neutral
    );
    assert_eq!(
        s("The loss adjuster visited", "en").label,
        Sentiment::Neutral
    );
}

#[test]
fn accents_and_missing_accents_score_alike() {
    assert_eq!(
        s("In één keer opgelost", "nl").score,
        s("In een keer opgelost", "nl").score
    );
    assert_eq!(s("GEÏRRITEERD", "nl").score, s("geirriteerd", "nl").score);
}

#[test]
fn other_languages_use_the_lexicon_with_more_hits() {
    let de = Lang::parse("de").unwrap();
    assert_eq!(
        sentiment("very helpful and friendly", &de),
        s("very helpful and friendly", "en")
    );
    assert_eq!(
        sentiment("heel behulpzaam en vriendelijk", &de),
        s("heel behulpzaam en vriendelijk", "nl")
    );
    // regional variants use their primary language
    assert_eq!(
        sentiment("not helpful", &Lang::parse("en-GB").unwrap()),
        s("not helpful", "en")
    );
}

/// Measures the time per comment of about 200 characters; run with
/// `cargo test --release -p tevreden-domain text::tests::speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed() {
    let texts = [
        (
            "nl",
            "De medewerker was erg vriendelijk en dacht goed met me mee, maar mijn probleem met de jaarafrekening is nog steeds niet opgelost en niemand belt terug zoals beloofd. Ik ben er klaar mee!",
        ),
        (
            "en",
            "The agent was really friendly and explained my bill clearly, but I was on hold for forty minutes first and had to repeat my whole story twice. Not great, but it got sorted out in the end.",
        ),
    ];
    for (lang, text) in texts {
        let lang = Lang::parse(lang).unwrap();
        let load = std::time::Instant::now();
        let _ = sentiment(text, &lang); // loads the lexicon
        println!(
            "{lang}: first call (parses the lexicon) {:?}",
            load.elapsed()
        );
        let n = 20_000;
        let start = std::time::Instant::now();
        let mut sum = 0.0;
        for _ in 0..n {
            sum += sentiment(std::hint::black_box(text), &lang).score;
        }
        let per = start.elapsed() / n;
        println!(
            "{lang}: {} chars, {per:?} per comment ({sum:.1})",
            text.chars().count()
        );
        let dict = ThemeDictionary::default_customer_service();
        let matcher = dict.matcher();
        let start = std::time::Instant::now();
        let mut found = 0;
        for _ in 0..n {
            found += matcher.themes_in(std::hint::black_box(text)).len();
        }
        let per = start.elapsed() / n;
        println!("{lang}: themes {per:?} per comment with a compiled matcher ({found})");
    }
}

// ---- themes

#[test]
fn default_dictionary_is_valid_and_round_trips() {
    let d = ThemeDictionary::default_customer_service();
    assert!((12..=16).contains(&d.themes.len()), "{}", d.themes.len());
    for t in &d.themes {
        assert!(
            t.name.has(&Lang::nl()) && t.name.has(&Lang::en()),
            "{}",
            t.key
        );
    }
    let yaml = d.to_yaml();
    assert_eq!(ThemeDictionary::from_yaml(&yaml).unwrap(), d);
    assert_eq!(d.name("billing", &Lang::en()), Some("Billing and payment"));
}

#[test]
fn themes_match_words_compounds_accents_and_phrases() {
    let d = ThemeDictionary::default_customer_service();
    let t = |text: &str| d.themes_in(text);
    assert_eq!(t("Mijn jaarfactuur klopte niet"), ["billing"]);
    assert_eq!(t("De FACTUREN waren verkeerd"), ["billing"]);
    assert_eq!(t("Ik stond lang in de wacht"), ["wait_time"]);
    assert!(t("telefonische wachttijden waren lang").contains(&"wait_time"));
    assert_eq!(t("Van het kastje naar de muur"), ["transfer"]);
    assert_eq!(t("I was on hold"), ["wait_time"]);
    assert!(t("Heel vriendelijke dame").contains(&"friendliness"));
    // accents and hyphens
    assert!(t("Ze was zeer deskundig én geduldig").contains(&"expertise"));
    assert!(t("de wacht-tijd").contains(&"wait_time"));
    // word boundaries: "bot" is not found in "robot" or "botsing"
    assert!(!t("Een robot-stem en een botsing").contains(&"friendliness"));
    // order follows the dictionary
    let both = t("Snel geholpen, maar de rekening was te hoog");
    assert_eq!(both, ["billing", "speed"]);
}

#[test]
fn prefix_suffix_and_joined_synonyms() {
    let d = ThemeDictionary::from_yaml(
        r#"
themes:
  - key: billing
    name: {nl: Factuur, en: Billing}
    synonyms: ["factu*", "*factuur", "bill"]
  - key: service
    name: {nl: Klantenservice}
    synonyms: ["klantenservice", "help desk"]
"#,
    )
    .unwrap();
    assert_eq!(d.themes_in("factuurbedrag te hoog"), ["billing"]);
    assert_eq!(d.themes_in("de eindfactuur"), ["billing"]);
    assert_eq!(d.themes_in("bills"), Vec::<&str>::new());
    assert_eq!(d.themes_in("Klanten service"), ["service"]);
    assert_eq!(d.themes_in("the helpdesk"), ["service"]);
    assert_eq!(d.themes_in("de KLANTENSERVICE"), ["service"]);
    assert!(d.themes_in("facility").is_empty());
    let m = d.matcher();
    assert_eq!(m.themes_in("bill via de help desk"), ["billing", "service"]);
}

#[test]
fn yaml_errors_name_the_problem() {
    let err = |y: &str| ThemeDictionary::from_yaml(y).unwrap_err();
    assert!(err("themes: [").contains("theme dictionary"));
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [x]\n    colour: red\n");
    assert!(e.contains("colour"), "{e}");
    let e = err("themes:\n  - key: Bad Key\n    name: {nl: A}\n    synonyms: [x]\n");
    assert!(e.contains("theme 1") && e.contains("key"), "{e}");
    let e = err(
        "themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [x]\n  - key: a\n    name: {nl: B}\n    synonyms: [y]\n",
    );
    assert!(e.contains("theme 2") && e.contains("earlier"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: []\n");
    assert!(e.contains("no synonyms"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [\"fa*ct\"]\n");
    assert!(e.contains("fa*ct") && e.contains("start or the end"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [\"ab*\"]\n");
    assert!(e.contains("3 letters"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [\"!!\"]\n");
    assert!(e.contains("no letters"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {nl: A}\n    synonyms: [x, X]\n");
    assert!(e.contains("twice"), "{e}");
    let e = err("themes:\n  - key: a\n    name: {xx-: A}\n    synonyms: [x]\n");
    assert!(e.contains("theme dictionary"), "{e}");
}

// ---- phrase suggestions

#[test]
fn suggestions_count_once_per_text_and_skip_stop_words() {
    let empty = ThemeDictionary { themes: vec![] };
    let texts = [
        "De app loopt vast. De app loopt vast!",
        "Weer loopt de app vast",
        "app loopt vast bij inloggen",
        "Het is een mooie dag",
    ];
    let got = suggest_phrases(texts, &empty, 10);
    assert_eq!(
        got,
        [
            ("app".to_string(), 3),
            ("vast".to_string(), 3),
            ("app loopt vast".to_string(), 2),
            ("loopt".to_string(), 3),
            ("app loopt".to_string(), 2),
            ("loopt vast".to_string(), 2),
        ]
        .into_iter()
        .sorted_like_api()
    );
}

#[test]
fn suggestions_leave_out_covered_phrases_and_rare_ones() {
    let d = ThemeDictionary::default_customer_service();
    let texts = [
        "De app loopt vast",
        "de app loopt steeds vast",
        "Lange wachttijd aan de telefoon",
        "lange wachttijd weer",
        "slimme thermostaat kapot",
        "Slimme thermostaat doet raar",
        "eenmalig probleem",
    ];
    let got = suggest_phrases(texts, &d, 50);
    let phrases: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    // covered by the dictionary (app → digital, wachttijd → wait_time)
    assert!(
        !phrases
            .iter()
            .any(|p| p.contains("app") || p.contains("wachttijd")),
        "{phrases:?}"
    );
    assert!(phrases.contains(&"slimme thermostaat"), "{phrases:?}");
    assert!(phrases.contains(&"thermostaat"), "{phrases:?}");
    assert!(phrases.contains(&"loopt"), "{phrases:?}");
    // min count 2
    assert!(!phrases.contains(&"eenmalig"), "{phrases:?}");
    assert!(!phrases.contains(&"eenmalig probleem"), "{phrases:?}");
    // deterministic: counts descending, then alphabetical; limit respected
    let again = suggest_phrases(texts, &d, 50);
    assert_eq!(got, again);
    for w in got.windows(2) {
        assert!(
            w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0),
            "{w:?}"
        );
    }
    assert_eq!(suggest_phrases(texts, &d, 2).len(), 2);
    assert!(is_stopword("de") && is_stopword("the") && !is_stopword("app"));
}

/// Sorts expected suggestions the way the API does (count descending, then alphabetical).
trait SortedLikeApi {
    fn sorted_like_api(self) -> Vec<(String, u64)>;
}

impl<I: Iterator<Item = (String, u64)>> SortedLikeApi for I {
    fn sorted_like_api(self) -> Vec<(String, u64)> {
        let mut v: Vec<_> = self.collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

/// Prints the lexicon matches of the comments in `TEVREDEN_EXPLAIN` (lines of `lang<TAB>text`).
#[test]
#[ignore]
fn explain() {
    let Ok(src) = std::env::var("TEVREDEN_EXPLAIN") else {
        return;
    };
    for line in src.lines() {
        let (lang, text) = line.split_once('\t').unwrap();
        println!("{:+.2} {text}", s(text, lang).score);
        for (w, k) in super::score::explain(text, lang) {
            println!("    {w:<24} {k:?}");
        }
    }
}

#[test]
fn a_comment_in_the_other_language_is_still_read() {
    // Written in English on a Dutch survey.
    let s = sentiment("Helpful and quick.", &Lang::nl());
    assert_eq!(s.label, Sentiment::Positive);
    let s = sentiment("Heel vriendelijk geholpen, dank!", &Lang::en());
    assert_eq!(s.label, Sentiment::Positive);
}
