//! `tevreden demo`: a realistic demo organisation — Noordwind Energie, a Dutch energy supplier
//! with front and back office units, 150 employees, 5,000 customers and twelve months of about
//! 50,000 survey responses with seasonal patterns and real differences between units — served
//! with its URLs, a personal invitation link and an API token printed.
//!
//! The data is generated from a fixed seed, so every run tells the same story: the back-office
//! billing unit scores lowest around the annual bills in winter, summer staffing dips show in
//! July and August, and the phone team improves steadily over the year.

use std::collections::HashMap;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value};
use tevreden_domain::import::{ContactRecord, EmployeeRecord, Office, UnitRecord};
use tevreden_domain::rollup::answer_facts;
use tevreden_domain::survey::{
    FileFormat, HiddenAnswers, QuestionKind, Scope, SurveyDefinition, parse_survey_file,
    validate_answers,
};
use tevreden_domain::{ExternalId, Lang, templates};
use tevreden_storage::{
    DatabaseUrl, NewInvitation, NewResponse, Role, Store, StoreError, random_uuid,
};

use crate::ServeArgs;

pub const ORG_SLUG: &str = "demo";
const ORG_NAME: &str = "Noordwind Energie";
const AFTER_CONTACT: &str = include_str!("demo-after-contact.yaml");
const DAY_MS: i64 = 86_400_000;

struct UnitSpec {
    id: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    office: Office,
    employees: usize,
    customer_facing: bool,
}

const UNITS: &[UnitSpec] = &[
    UnitSpec {
        id: "DIR",
        name: "Directie",
        parent: None,
        office: Office::Back,
        employees: 5,
        customer_facing: false,
    },
    UnitSpec {
        id: "KS",
        name: "Klantenservice",
        parent: Some("DIR"),
        office: Office::Front,
        employees: 3,
        customer_facing: false,
    },
    UnitSpec {
        id: "KS-TEL",
        name: "Team Telefonie",
        parent: Some("KS"),
        office: Office::Front,
        employees: 34,
        customer_facing: true,
    },
    UnitSpec {
        id: "KS-DIG",
        name: "Team Chat & E-mail",
        parent: Some("KS"),
        office: Office::Front,
        employees: 20,
        customer_facing: true,
    },
    UnitSpec {
        id: "BD",
        name: "Buitendienst",
        parent: Some("DIR"),
        office: Office::Front,
        employees: 2,
        customer_facing: false,
    },
    UnitSpec {
        id: "BD-NO",
        name: "Monteurs Noord",
        parent: Some("BD"),
        office: Office::Front,
        employees: 17,
        customer_facing: true,
    },
    UnitSpec {
        id: "BD-ZW",
        name: "Monteurs Zuid",
        parent: Some("BD"),
        office: Office::Front,
        employees: 16,
        customer_facing: true,
    },
    UnitSpec {
        id: "PLN",
        name: "Planning",
        parent: Some("BD"),
        office: Office::Back,
        employees: 8,
        customer_facing: false,
    },
    UnitSpec {
        id: "FIN",
        name: "Financiën",
        parent: Some("DIR"),
        office: Office::Back,
        employees: 3,
        customer_facing: false,
    },
    UnitSpec {
        id: "FAC",
        name: "Facturatie",
        parent: Some("FIN"),
        office: Office::Back,
        employees: 12,
        customer_facing: false,
    },
    UnitSpec {
        id: "INC",
        name: "Incasso",
        parent: Some("FIN"),
        office: Office::Front,
        employees: 9,
        customer_facing: true,
    },
    UnitSpec {
        id: "ICT",
        name: "ICT",
        parent: Some("DIR"),
        office: Office::Back,
        employees: 10,
        customer_facing: false,
    },
    UnitSpec {
        id: "VRK",
        name: "Verkoop",
        parent: Some("DIR"),
        office: Office::Front,
        employees: 7,
        customer_facing: true,
    },
    UnitSpec {
        id: "HR",
        name: "HR",
        parent: Some("DIR"),
        office: Office::Back,
        employees: 4,
        customer_facing: false,
    },
];

/// (key, name, owning unit, channel, share of contacts, base satisfaction 0–1)
const TOUCHPOINTS: &[(&str, &str, &str, &str, f64, f64)] = &[
    (
        "tel-service",
        "Telefonische klantenservice",
        "KS-TEL",
        "phone",
        0.34,
        0.64,
    ),
    ("chat", "Chat op de website", "KS-DIG", "chat", 0.13, 0.72),
    ("email", "E-mailvragen", "KS-DIG", "email", 0.11, 0.62),
    (
        "monteur-noord",
        "Monteursbezoek Noord",
        "BD-NO",
        "visit",
        0.08,
        0.82,
    ),
    (
        "monteur-zuid",
        "Monteursbezoek Zuid",
        "BD-ZW",
        "visit",
        0.08,
        0.72,
    ),
    ("jaarafrekening", "Jaarafrekening", "FAC", "web", 0.10, 0.50),
    (
        "betalingsregeling",
        "Betalingsregeling",
        "INC",
        "phone",
        0.06,
        0.58,
    ),
    (
        "verhuizing",
        "Verhuizing doorgeven",
        "KS-DIG",
        "web",
        0.06,
        0.66,
    ),
    ("offerte", "Offerte zonnepanelen", "VRK", "shop", 0.04, 0.76),
];

const CHANNELS: &[(&str, &str, &str)] = &[
    ("phone", "Telefoon", "phone"),
    ("email", "E-mail", "email"),
    ("chat", "Chat", "chat"),
    ("web", "Website en app", "web"),
    ("visit", "Bezoek aan huis", "visit"),
    ("shop", "Winkel en beurs", "shop"),
];

const FIRST: &[&str] = &[
    "Anna", "Daan", "Sanne", "Bram", "Lotte", "Jesse", "Fleur", "Thijs", "Eva", "Ruben", "Noor",
    "Lucas", "Iris", "Sem", "Lisa", "Milan", "Femke", "Tim", "Maud", "Stijn", "Yara", "Bilal",
    "Fatima", "Mohamed", "Ayoub", "Esra", "Kevin", "Priya", "Joost", "Marieke", "Hanneke",
    "Wouter", "Ingrid", "Gert", "Karin", "Sander", "Linda", "Erik", "Nadia", "Jeroen",
];
const LAST: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Yılmaz",
    "El Amrani",
    "Kaya",
    "Bouzid",
    "Postma",
    "Hoekstra",
];
const REGIONS: &[&str] = &["Noord", "Oost", "Zuid", "West", "Randstad"];

const COMMENTS_NEG_NL: &[&str] = &[
    "Ik moest drie keer bellen voordat iemand mijn vraag echt oppakte.",
    "De jaarafrekening klopt niet en niemand kan uitleggen waarom.",
    "Lang in de wacht gestaan, meer dan twintig minuten.",
    "Er werd beloofd dat ik teruggebeld zou worden, maar dat is niet gebeurd.",
    "Het voorschotbedrag is zonder overleg verhoogd.",
    "De monteur kwam veel later dan afgesproken en liet niets weten.",
    "Mijn verhuizing is verkeerd verwerkt, nu krijg ik twee rekeningen.",
    "Op mijn e-mail kreeg ik na een week nog steeds geen antwoord.",
    "Vriendelijk, maar mijn probleem is nog steeds niet opgelost.",
    "De website gaf een foutmelding bij het doorgeven van de meterstanden.",
];
const COMMENTS_NEU_NL: &[&str] = &[
    "Het ging prima, al duurde het wat lang.",
    "Redelijk geholpen, de informatie op de site kan duidelijker.",
    "Mijn vraag is beantwoord, verder niets bijzonders.",
    "Het was even zoeken naar het juiste telefoonnummer.",
];
const COMMENTS_POS_NL: &[&str] = &[
    "Heel vriendelijke medewerker die echt meedacht.",
    "Snel en duidelijk geholpen, top!",
    "De monteur legde alles goed uit en liet alles netjes achter.",
    "Binnen een dag een antwoord op mijn mail, prima service.",
    "Fijn dat er meteen een betalingsregeling geregeld kon worden.",
    "Ik werd teruggebeld zoals beloofd, dat waardeer ik.",
    "Prettig gesprek, mijn vraag was in vijf minuten opgelost.",
];
const COMMENTS_NEG_EN: &[&str] = &[
    "I had to call three times before anyone dealt with my question.",
    "Nobody could explain the amount on my annual bill.",
    "I was promised a call back that never came.",
    "The engineer arrived two hours late without letting me know.",
];
const COMMENTS_NEU_EN: &[&str] = &[
    "It was fine, though it took a while.",
    "My question was answered, nothing special.",
];
const COMMENTS_POS_EN: &[&str] = &[
    "Very friendly and helpful, thank you!",
    "Quick and clear answer to my email.",
    "The engineer explained everything well.",
];

/// Standard normal sample (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// Seasonal effect on satisfaction by month (0 = January): winter bills, summer staffing.
const SEASON: [f64; 12] = [
    -0.06, -0.05, -0.02, 0.0, 0.02, 0.02, -0.04, -0.03, 0.0, 0.01, -0.01, -0.03,
];
/// Relative response volume by month.
const VOLUME: [f64; 12] = [
    1.35, 1.25, 1.0, 0.9, 0.85, 0.85, 0.8, 0.85, 1.0, 1.0, 1.05, 1.1,
];

/// Generates answers for `def` from a latent satisfaction `s` in 0–1, honouring `show_if`.
fn answers_for(
    def: &SurveyDefinition,
    s: f64,
    lang: &Lang,
    rng: &mut StdRng,
) -> Map<String, Value> {
    let mut raw = Map::new();
    let mut accepted = tevreden_domain::survey::Answers::default();
    for q in def.questions() {
        if let Some(c) = &q.show_if
            && !c.holds(&accepted)
        {
            continue;
        }
        let on_scale = |rng: &mut StdRng, min: i64, max: i64, up: bool, spread: f64| {
            let x = (s + normal(rng) * spread).clamp(0.0, 1.0);
            let x = if up { x } else { 1.0 - x };
            (min as f64 + x * (max - min) as f64).round() as i64
        };
        let value: Option<Value> = match &q.kind {
            QuestionKind::Nps { .. } => Some(Value::from(on_scale(rng, 0, 10, true, 0.09))),
            QuestionKind::Rating { scale } => Some(Value::from(on_scale(
                rng,
                scale.min,
                scale.max,
                scale.higher_is_better,
                0.12,
            ))),
            QuestionKind::Likert { points, .. } => Some(Value::from(on_scale(
                rng,
                1,
                i64::from(*points),
                true,
                0.15,
            ))),
            QuestionKind::YesNo => Some(Value::Bool(rng.random::<f64>() < 0.35 + 0.6 * s)),
            QuestionKind::Choice { options } => {
                Some(Value::from(pick(rng, options).id.to_string()))
            }
            QuestionKind::Multi {
                options,
                max_selected,
                ..
            } => {
                let n = rng
                    .random_range(1..=max_selected.unwrap_or(2).min(options.len() as u32).max(1))
                    as usize;
                let mut ids: Vec<String> = options.iter().map(|o| o.id.to_string()).collect();
                for i in (1..ids.len()).rev() {
                    ids.swap(i, rng.random_range(0..=i));
                }
                Some(Value::from(ids.into_iter().take(n).collect::<Vec<_>>()))
            }
            QuestionKind::Text { .. } => {
                if q.required || rng.random::<f64>() < 0.4 {
                    let en = lang.primary() == "en";
                    let bank = match (s < 0.5, s > 0.72, en) {
                        (true, _, false) => COMMENTS_NEG_NL,
                        (true, _, true) => COMMENTS_NEG_EN,
                        (_, true, false) => COMMENTS_POS_NL,
                        (_, true, true) => COMMENTS_POS_EN,
                        (_, _, false) => COMMENTS_NEU_NL,
                        (_, _, true) => COMMENTS_NEU_EN,
                    };
                    Some(Value::from(*pick(rng, bank)))
                } else {
                    None
                }
            }
            QuestionKind::Matrix { items, scale, .. } => Some(Value::Object(
                items
                    .iter()
                    .map(|i| {
                        (
                            i.id.to_string(),
                            Value::from(on_scale(rng, scale.min, scale.max, true, 0.15)),
                        )
                    })
                    .collect(),
            )),
            QuestionKind::Ranking {
                options,
                max_ranked,
            } => {
                let mut ids: Vec<String> = options.iter().map(|o| o.id.to_string()).collect();
                for i in (1..ids.len()).rev() {
                    ids.swap(i, rng.random_range(0..=i));
                }
                let n = max_ranked
                    .map(|m| m as usize)
                    .unwrap_or(ids.len())
                    .min(ids.len());
                Some(Value::from(ids.into_iter().take(n).collect::<Vec<_>>()))
            }
            QuestionKind::Allocation { items, total } => {
                let mut left = i64::from(*total);
                let mut m = Map::new();
                for (i, it) in items.iter().enumerate() {
                    let v = if i + 1 == items.len() {
                        left
                    } else {
                        rng.random_range(0..=left.min(i64::from(*total) / 2))
                    };
                    left -= v;
                    m.insert(it.id.to_string(), Value::from(v));
                }
                Some(Value::Object(m))
            }
        };
        if let Some(v) = value {
            raw.insert(q.id.to_string(), v);
            // keep the accepted answers current for later conditions
            accepted = tevreden_domain::survey::stored_answers(def, &raw);
        }
    }
    raw
}

struct Generated {
    responses: usize,
    employees: usize,
    contacts: usize,
}

async fn generate(store: &Store, seed: u64) -> Result<Generated, StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let org = store.create_org(ORG_SLUG, ORG_NAME).await?;
    let id = |s: &str| ExternalId::parse(s).expect("demo ids are valid");

    let unit_records: Vec<UnitRecord> = UNITS
        .iter()
        .map(|u| UnitRecord {
            external_id: id(u.id),
            name: u.name.into(),
            parent: u.parent.map(id),
            office: u.office,
        })
        .collect();
    store.import_units(org.id, &unit_records).await?;
    let units: HashMap<String, i64> = store
        .units(org.id)
        .await?
        .into_iter()
        .map(|u| (u.external_id, u.id))
        .collect();

    let mut employees = Vec::new();
    let mut n = 0;
    for u in UNITS {
        for _ in 0..u.employees {
            n += 1;
            let first = pick(&mut rng, FIRST);
            let last = pick(&mut rng, LAST);
            let email = format!(
                "{}.{}@noordwind.example",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', 'ı'], "")
            );
            employees.push(EmployeeRecord {
                external_id: id(&format!("E{n:04}")),
                name: format!("{first} {last}"),
                email: Some(email),
                unit: id(u.id),
                role: Some(if u.customer_facing {
                    "Adviseur".to_string()
                } else {
                    "Medewerker".to_string()
                }),
                customer_facing: u.customer_facing,
            });
        }
    }
    store.import_employees(org.id, &employees).await?;

    let contacts: Vec<ContactRecord> = (1..=5_000)
        .map(|i| {
            let english = rng.random::<f64>() < 0.08;
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert(
                "segment".into(),
                if rng.random::<f64>() < 0.86 {
                    "particulier"
                } else {
                    "zakelijk"
                }
                .to_string(),
            );
            attributes.insert("regio".into(), pick(&mut rng, REGIONS).to_string());
            attributes.insert(
                "klant_sinds".into(),
                rng.random_range(2008..=2026).to_string(),
            );
            ContactRecord {
                external_id: id(&format!("K{i:05}")),
                email: Some(format!("klant{i:05}@example.nl")),
                name: None,
                lang: Some(if english { Lang::en() } else { Lang::nl() }),
                attributes,
            }
        })
        .collect();
    store.import_contacts(org.id, &contacts).await?;
    // Results per segment and region come from the aggregates.
    store
        .set_kept_attributes(
            org.id,
            &["segment".into(), "regio".into()],
            &tevreden_storage::Actor::Cli,
        )
        .await?;

    let mut channels = HashMap::new();
    for (key, name, kind) in CHANNELS {
        let (channel, _) = store
            .save_channel(org.id, key, name, kind, &tevreden_storage::Actor::Cli)
            .await?;
        channels.insert(*key, channel.id);
    }
    let mut touchpoints = Vec::new();
    for (key, name, unit, channel, share, base) in TOUCHPOINTS {
        let tid = store
            .save_touchpoint(
                org.id,
                key,
                name,
                units[*unit],
                Some(channels[*channel]),
                &tevreden_storage::Actor::Cli,
            )
            .await?
            .0
            .id;
        touchpoints.push((tid, units[*unit], channels[*channel], *unit, *share, *base));
    }

    // Surveys: the post-contact survey (with NPS) and the shipped relationship NPS template.
    let after = parse_survey_file(AFTER_CONTACT.as_bytes(), FileFormat::Yaml)
        .expect("demo survey parses")
        .definition;
    store
        .save_survey_draft(org.id, &after, (&tevreden_storage::Actor::Cli, None))
        .await?;
    let (after_survey, after_version) = store
        .publish_survey(org.id, after.key.as_str(), &tevreden_storage::Actor::Cli)
        .await?;
    let relationship = templates::template("relationship-nps").expect("shipped template");
    store
        .save_survey_draft(org.id, &relationship, (&tevreden_storage::Actor::Cli, None))
        .await?;
    let (rel_survey, rel_version) = store
        .publish_survey(
            org.id,
            relationship.key.as_str(),
            &tevreden_storage::Actor::Cli,
        )
        .await?;

    // Who handles contacts at each unit, with a personal effect on satisfaction.
    let staff = store_employee_ids(store, org.id).await?;
    let employee_effect: HashMap<i64, f64> = staff
        .values()
        .flatten()
        .map(|e| (*e, normal(&mut rng) * 0.05))
        .collect();
    let contact_ids = contact_ids(store, org.id).await?;

    let now = tevreden_storage::now_ms();
    let start = now - 365 * DAY_MS;
    let total_target = 50_000usize;
    let weights: f64 = VOLUME.iter().sum();
    let mut rows = Vec::with_capacity(total_target + 1_000);
    for day in 0..365 {
        let day_start = start + day * DAY_MS;
        let date = jiff::Timestamp::from_millisecond(day_start)
            .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC))
            .ok();
        let (month, weekday) = date
            .map(|d| {
                (
                    (d.month() - 1) as usize,
                    d.weekday().to_monday_zero_offset(),
                )
            })
            .unwrap_or((0, 0));
        let weekend = weekday >= 5;
        let per_day = total_target as f64 / 365.0 * VOLUME[month] / (weights / 12.0)
            * if weekend { 0.45 } else { 1.22 };
        let count = (per_day + normal(&mut rng) * per_day.sqrt())
            .max(0.0)
            .round() as usize;
        let progress = day as f64 / 365.0;
        for _ in 0..count {
            let relationship_survey = rng.random::<f64>() < 0.12;
            let contact = *pick(&mut rng, &contact_ids);
            let lang = if rng.random::<f64>() < 0.08 {
                Lang::en()
            } else {
                Lang::nl()
            };
            let at = day_start + rng.random_range(8 * 3_600_000..21 * 3_600_000);
            let (def, survey, version, ctx, s) = if relationship_survey {
                let s = (0.66 + SEASON[month] + normal(&mut rng) * 0.17).clamp(0.0, 1.0);
                (
                    &relationship,
                    &rel_survey,
                    &rel_version,
                    (None, None, None, None),
                    s,
                )
            } else {
                let mut r = rng.random::<f64>();
                let tp = touchpoints
                    .iter()
                    .find(|t| {
                        r -= t.4;
                        r <= 0.0
                    })
                    .unwrap_or(&touchpoints[0]);
                let (tid, unit_id, channel_id, unit_key, _, base) = *tp;
                let handler = staff
                    .get(unit_key)
                    .and_then(|list| (!list.is_empty()).then(|| *pick(&mut rng, list)));
                // The phone team improves over the year; billing suffers most in winter.
                let trend = if unit_key == "KS-TEL" {
                    0.10 * progress - 0.04
                } else {
                    0.0
                };
                let season = if unit_key == "FAC" {
                    SEASON[month] * 2.0
                } else {
                    SEASON[month]
                };
                let personal = handler
                    .and_then(|h| employee_effect.get(&h))
                    .copied()
                    .unwrap_or(0.0);
                let s =
                    (base + trend + season + personal + normal(&mut rng) * 0.17).clamp(0.0, 1.0);
                (
                    &after,
                    &after_survey,
                    &after_version,
                    (Some(unit_id), Some(tid), Some(channel_id), handler),
                    s,
                )
            };
            let raw = answers_for(def, s, &lang, &mut rng);
            let Ok(answers) = validate_answers(
                def,
                &raw,
                Scope::All,
                &Default::default(),
                HiddenAnswers::Refuse,
            ) else {
                continue;
            };
            rows.push(NewResponse {
                org_id: org.id,
                survey_id: survey.id,
                version_id: version.id,
                uid: random_uuid(),
                submission_key: format!("demo:{}", rows.len()),
                request_hash: String::new(),
                invitation_id: None,
                lang: lang.to_string(),
                unit_id: ctx.0,
                touchpoint_id: ctx.1,
                channel_id: ctx.2,
                employee_id: ctx.3,
                contact_id: Some(contact),
                answers: answers.to_json(),
                facts: answer_facts(def, &answers),
                submitted_at: at,
            });
        }
    }
    let bar = indicatif::ProgressBar::new(rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  storing responses {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let parts = rows.len().div_ceil(10_000);
    for (i, chunk) in rows.chunks(10_000).enumerate() {
        // the last part's durable commit makes the earlier ones durable too
        if i + 1 < parts {
            store.bulk_insert_responses_deferred(chunk).await?;
        } else {
            store.bulk_insert_responses(chunk).await?;
        }
        bar.inc(chunk.len() as u64);
    }
    store.refresh_statistics().await?;
    bar.finish_and_clear();
    Ok(Generated {
        responses: rows.len(),
        employees: employees.len(),
        contacts: contacts.len(),
    })
}

async fn store_employee_ids(
    store: &Store,
    org_id: i64,
) -> Result<HashMap<&'static str, Vec<i64>>, StoreError> {
    let units = store.units(org_id).await?;
    let mut out = HashMap::new();
    for spec in UNITS.iter().filter(|u| u.customer_facing) {
        let Some(u) = units.iter().find(|u| u.external_id == spec.id) else {
            continue;
        };
        out.insert(spec.id, store.employee_ids_in_unit(u.id).await?);
    }
    Ok(out)
}

async fn contact_ids(store: &Store, org_id: i64) -> Result<Vec<i64>, StoreError> {
    store.contact_ids(org_id).await
}

/// The demo's sign-ins: one of every role. The password is the same for all and printed.
const DEMO_USERS: &[(&str, &str, Role, &[&str], &str)] = &[
    (
        "anouk@noordwind.example",
        "Anouk de Vries",
        Role::Admin,
        &[],
        "admin (CX lead):",
    ),
    (
        "ruben@noordwind.example",
        "Ruben Jansen",
        Role::Manager,
        &["KS"],
        "manager (Klantenservice):",
    ),
    (
        "fatima@noordwind.example",
        "Fatima El Idrissi",
        Role::Member,
        &["KS-TEL"],
        "member (Team Telefonie):",
    ),
];
const DEMO_PASSWORD: &str = "noordwind-demo";

/// Generates the demo organisation unless it exists, and its users of every role (password
/// `noordwind-demo`). Shared by `demo` and `bench pages`.
pub(crate) async fn ensure_demo(store: &Store, db: &str) -> Result<(), String> {
    let started = Instant::now();
    match store.org_by_slug(ORG_SLUG).await {
        Ok(_) => {
            println!(
                "Using the existing demo organisation in {db} (add --fresh to generate it anew)."
            );
        }
        Err(StoreError::NotFound(_)) => {
            println!("Generating the demo organisation {ORG_NAME} …");
            let g = generate(store, 20_261_126)
                .await
                .map_err(|e| format!("generating demo data failed: {e}"))?;
            println!(
                "  {} units, {} employees, {} customers and {} responses in {:.1} s",
                UNITS.len(),
                g.employees,
                g.contacts,
                g.responses,
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => return Err(e.to_string()),
    }
    let org = store
        .org_by_slug(ORG_SLUG)
        .await
        .map_err(|e| e.to_string())?;
    for (email, name, role, unit, _) in DEMO_USERS {
        let units: Vec<String> = unit.iter().map(|u| u.to_string()).collect();
        let pw = DEMO_PASSWORD.to_string();
        match crate::users::create(
            store,
            &org,
            email,
            *role,
            Some(name.to_string()),
            Some(pw),
            &units,
        )
        .await
        {
            Ok(_) => {}
            Err(e) if e.contains("exists already") => {}
            Err(e) => return Err(format!("creating demo user {email} failed: {e}")),
        }
    }
    ensure_scorecards(store, org.id)
        .await
        .map_err(|e| format!("setting the demo indicator failed: {e}"))
}

/// The demo's north-star indicator (NPS after contact), a target for every unit for this
/// year and the next, and the back offices linked to the contacts their work shapes: ICT
/// behind the website and the app, planning behind the engineers' visits.
async fn ensure_scorecards(store: &Store, org_id: i64) -> Result<(), StoreError> {
    if store.indicator(org_id).await?.is_some() {
        return Ok(());
    }
    let survey = store.survey(org_id, "na-contact").await?;
    let actor = &tevreden_storage::Actor::Cli;
    store
        .set_indicator(
            org_id,
            tevreden_domain::scorecard::IndicatorKind::Nps,
            survey.id,
            &[("nps".to_string(), 1.0)],
            actor,
        )
        .await?;
    let tz = store.org_time_zone(org_id).await?;
    let today = tevreden_domain::rollup::local_day(tevreden_storage::now_ms(), &tz);
    let year = tevreden_domain::rollup::date_of_day(today).year();
    for spec in UNITS {
        let target = match spec.id {
            "DIR" | "KS" | "BD" => 25.0,
            "KS-TEL" | "KS-DIG" | "BD-NO" | "BD-ZW" => 30.0,
            _ => 15.0,
        };
        for y in [year - 1, year, year + 1] {
            store
                .set_target(org_id, spec.id, &y.to_string(), Some(target), actor)
                .await?;
        }
    }
    for (unit, touchpoints) in [
        ("ICT", &["chat", "verhuizing"][..]),
        ("PLN", &["monteur-noord", "monteur-zuid"][..]),
    ] {
        if UNITS.iter().any(|u| u.id == unit) {
            let keys: Vec<String> = touchpoints.iter().map(|t| t.to_string()).collect();
            store.set_influences(org_id, unit, &keys, actor).await?;
        }
    }
    Ok(())
}

pub async fn run(url: DatabaseUrl, args: ServeArgs, fresh: bool) -> Result<(), String> {
    if fresh && let DatabaseUrl::Sqlite(path) = &url {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{}{suffix}", path.display());
            let _ = std::fs::remove_file(p);
        }
    }
    let store = crate::open_store(&url).await?;
    ensure_demo(&store, &url.redacted()).await?;
    let org = store
        .org_by_slug(ORG_SLUG)
        .await
        .map_err(|e| e.to_string())?;
    let after = store
        .survey(org.id, "na-contact")
        .await
        .map_err(|e| e.to_string())?;
    let rel = store
        .survey(org.id, "relationship-nps")
        .await
        .map_err(|e| e.to_string())?;
    let (token, _) = store
        .create_api_token(
            org.id,
            "demo",
            Role::Admin,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .map_err(|e| e.to_string())?;
    let contact = store
        .contact_ids(org.id)
        .await
        .map_err(|e| e.to_string())?
        .first()
        .copied();
    let ctx = store
        .resolve_context(
            org.id,
            &tevreden_storage::ContextKeys {
                touchpoint: Some("tel-service".into()),
                employee: Some("E0010".into()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let invitation = NewInvitation {
        lang: Some("nl".into()),
        context: tevreden_storage::ContactRef {
            contact_id: contact,
            ..ctx
        },
        expires_at: Some(tevreden_storage::now_ms() + 30 * DAY_MS),
    };
    let (invite_token, _) = store
        .create_invitation(org.id, after.id, &invitation)
        .await
        .map_err(|e| e.to_string())?;
    let db = url.redacted();
    crate::serve(store, args, move |addr| {
        let base = format!("http://{addr}");
        println!();
        println!("Tevreden demo — {ORG_NAME}");
        println!(
            "  Post-contact survey (public link):  {base}/s/{}",
            after.public_id
        );
        println!(
            "  Relationship NPS (public link):     {base}/s/{}",
            rel.public_id
        );
        println!("  Personal invitation (one response): {base}/t/{invite_token}");
        println!("  Admin app:                          {base}/app");
        for (email, _, _, _, what) in DEMO_USERS {
            println!("    {what:<31} {email}  /  {DEMO_PASSWORD}");
        }
        println!("  API token (admin):                  {token}");
        println!("  Try: curl -H 'Authorization: Bearer {token}' {base}/api/v1/surveys/na-contact");
        println!("  Database: {db}");
        println!("  Press Ctrl-C to stop.");
    })
    .await
}
