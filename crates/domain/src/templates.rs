//! Survey templates shipped with the product, in our own wording, in Dutch and English.
//!
//! Each template is a survey file in `crates/domain/templates/<key>.yaml`, in the format that
//! `docs/survey-format.md` describes; an organisation copies one and edits it in the builder.

use crate::survey::{FileFormat, SurveyDefinition, parse_survey_file};

/// The minimal survey file that external tools rely on (`after-call`: nps, yes/no, a 1–7 effort
/// rating, and an open question shown for detractors). Not a template; an example and a test
/// fixture.
pub const MINIMAL_EXAMPLE: &str = include_str!("../templates/example-after-call.yaml");

/// `(key, YAML source)` of every shipped template.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "relationship-nps",
        include_str!("../templates/relationship-nps.yaml"),
    ),
    (
        "post-contact",
        include_str!("../templates/post-contact.yaml"),
    ),
    ("engagement", include_str!("../templates/engagement.yaml")),
    ("enps-pulse", include_str!("../templates/enps-pulse.yaml")),
    (
        "drivers-profile",
        include_str!("../templates/drivers-profile.yaml"),
    ),
    (
        "internal-customer",
        include_str!("../templates/internal-customer.yaml"),
    ),
    (
        "customer-centricity-definition",
        include_str!("../templates/customer-centricity-definition.yaml"),
    ),
    (
        "competency-360",
        include_str!("../templates/competency-360.yaml"),
    ),
];

/// The templates employees answer (engagement, pulse, drivers, internal customer, definition,
/// competency 360). Until surveys carry an audience with an enforced anonymity threshold, the
/// builder says that their results are not yet protected by one.
pub const EMPLOYEE_TEMPLATES: &[&str] = &[
    "engagement",
    "enps-pulse",
    "drivers-profile",
    "internal-customer",
    "customer-centricity-definition",
    "competency-360",
];

/// The employee template a definition was made from, if any: at least half of the template's
/// questions are still there under their id and type (a survey keeps no record of its
/// template, and the builder lets its user change everything).
pub fn employee_template_of(def: &SurveyDefinition) -> Option<&'static str> {
    EMPLOYEE_TEMPLATES.iter().copied().find(|key| {
        let Some((_, t)) = parsed().iter().find(|(k, _)| k == key) else {
            return false;
        };
        let total = t.questions().count();
        let kept = t
            .questions()
            .filter(|q| {
                def.question(q.id.as_str())
                    .is_some_and(|d| d.kind.type_name() == q.kind.type_name())
            })
            .count();
        total > 0 && kept * 2 >= total
    })
}

/// Every shipped template, parsed once (they are compiled in and never change).
fn parsed() -> &'static [(&'static str, SurveyDefinition)] {
    static PARSED: std::sync::OnceLock<Vec<(&'static str, SurveyDefinition)>> =
        std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        TEMPLATES
            .iter()
            .filter_map(|(key, src)| {
                parse_survey_file(src.as_bytes(), FileFormat::Yaml)
                    .ok()
                    .map(|p| (*key, p.definition))
            })
            .collect()
    })
}

/// A shipped template by key.
pub fn template(key: &str) -> Option<SurveyDefinition> {
    parsed()
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, d)| d.clone())
}

/// Every shipped template, parsed, in the order of [`TEMPLATES`].
pub fn list() -> impl Iterator<Item = (&'static str, SurveyDefinition)> {
    parsed().iter().map(|(k, d)| (*k, d.clone()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};

    use super::*;
    use crate::survey::{
        AnswerErrorKind, AnswerValue, Answers, HiddenAnswers, Parsed, QuestionKind, Scope,
        parse_survey_value, validate_answers,
    };
    use crate::{Lang, QuestionId, SurveyKey};

    const SCHEMA: &str = include_str!("../../../docs/survey.schema.json");
    const FORMAT_DOC: &str = include_str!("../../../docs/survey-format.md");

    const TYPES: [&str; 10] = [
        "nps",
        "rating",
        "likert",
        "yesno",
        "choice",
        "multi",
        "text",
        "matrix",
        "ranking",
        "allocation",
    ];

    const COLOURS: [&str; 7] = [
        "purple",
        "red",
        "blue",
        "orange",
        "green",
        "yellow",
        "turquoise",
    ];

    fn parsed(key: &str) -> Parsed {
        let (_, src) = TEMPLATES
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("no template {key}"));
        parse_survey_file(src.as_bytes(), FileFormat::Yaml)
            .unwrap_or_else(|e| panic!("template {key} does not parse: {e:?}"))
    }

    fn def(key: &str) -> SurveyDefinition {
        parsed(key).definition
    }

    fn kind<'a>(d: &'a SurveyDefinition, id: &str) -> &'a QuestionKind {
        &d.question(id)
            .unwrap_or_else(|| panic!("{}: no question {id}", d.key))
            .kind
    }

    fn ids(opts: &[crate::survey::ChoiceOption]) -> Vec<&str> {
        opts.iter().map(|o| o.id.as_str()).collect()
    }

    fn answers(d: &SurveyDefinition, v: Value, hidden: HiddenAnswers) -> Answers {
        validate_answers(
            d,
            v.as_object().unwrap(),
            Scope::All,
            &Answers::default(),
            hidden,
        )
        .unwrap_or_else(|e| panic!("{}: answers refused: {e:?}", d.key))
    }

    fn snake_case(s: &str) -> bool {
        s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }

    #[test]
    fn employee_templates_are_recognised_in_their_copies_and_customer_templates_are_not() {
        for key in EMPLOYEE_TEMPLATES {
            assert_eq!(employee_template_of(&def(key)), Some(*key), "{key}");
        }
        for key in ["relationship-nps", "post-contact"] {
            assert_eq!(employee_template_of(&def(key)), None, "{key}");
        }
        // A copy with most questions removed is no longer recognised.
        let mut d = def("engagement");
        d.pages.truncate(1);
        assert_eq!(employee_template_of(&d), None);
    }

    #[test]
    fn the_eight_promised_templates_are_shipped_once_each() {
        let keys: Vec<&str> = TEMPLATES.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "relationship-nps",
                "post-contact",
                "engagement",
                "enps-pulse",
                "drivers-profile",
                "internal-customer",
                "customer-centricity-definition",
                "competency-360",
            ]
        );
        assert!(template("no-such-template").is_none());
    }

    #[test]
    fn every_template_parses_without_warnings_in_dutch_and_english() {
        for (key, _) in TEMPLATES {
            let p = parsed(key);
            assert!(p.warnings.is_empty(), "{key}: {:?}", p.warnings);
            let d = p.definition;
            assert_eq!(d.key.as_str(), *key, "the file's key is the template key");
            assert_eq!(d.languages, [Lang::nl(), Lang::en()], "{key}");
            assert!(d.intro.is_some() && d.thanks.is_some(), "{key}");
            assert!(d.questions().count() >= 2, "{key}");
        }
    }

    #[test]
    fn list_and_template_agree_with_the_sources() {
        let listed: Vec<(&str, SurveyDefinition)> = list().collect();
        assert_eq!(listed.len(), TEMPLATES.len());
        for (key, d) in listed {
            assert_eq!(template(key), Some(d));
        }
    }

    #[test]
    fn templates_round_trip_through_yaml_and_json() {
        for (key, d) in list() {
            let again = parse_survey_file(d.to_yaml().as_bytes(), FileFormat::Yaml)
                .unwrap_or_else(|e| panic!("{key}: {e:?}"));
            assert!(again.warnings.is_empty(), "{key}: {:?}", again.warnings);
            assert_eq!(again.definition, d, "{key} (yaml)");
            let again = parse_survey_file(d.to_json_pretty().as_bytes(), FileFormat::Json)
                .unwrap_or_else(|e| panic!("{key}: {e:?}"));
            assert_eq!(again.definition, d, "{key} (json)");
        }
    }

    #[test]
    fn ids_are_snake_case_and_texts_are_translated() {
        for (key, d) in list() {
            for q in d.questions() {
                assert!(snake_case(q.id.as_str()), "{key}: {}", q.id);
                let items = q.kind.items().iter().chain(q.kind.options());
                for o in items {
                    assert!(snake_case(o.id.as_str()), "{key}: {}.{}", q.id, o.id);
                }
                // a Dutch text that equals the English one is a forgotten translation
                let nl = q.text.get(&Lang::nl(), &Lang::nl());
                let en = q.text.get(&Lang::en(), &Lang::nl());
                assert_ne!(nl, en, "{key}: {}", q.id);
            }
        }
    }

    #[test]
    fn relationship_nps_asks_score_reason_drivers_and_permission() {
        let d = def("relationship-nps");
        assert!(matches!(kind(&d, "nps"), QuestionKind::Nps { .. }));
        let reason = d.question("reason").unwrap();
        assert!(reason.show_if.is_none() && !reason.required);
        match kind(&d, "drivers") {
            QuestionKind::Matrix { items, scale, .. } => {
                assert!(items.len() >= 3);
                assert_eq!((scale.min, scale.max), (1, 5));
                assert!(scale.min_label.is_some() && scale.max_label.is_some());
            }
            other => panic!("{other:?}"),
        }
        let permission = d.question("contact_permission").unwrap();
        assert!(matches!(permission.kind, QuestionKind::YesNo));
        assert!(!permission.required);
        // a detractor is asked what to improve; a promoter is not
        let detractor = json!({"nps": 4, "drivers": {"reliability": 2, "ease": 3, "expertise": 4,
            "speed": 2, "personal": 3, "value": 3}, "improve": "sneller reageren"});
        assert!(
            answers(&d, detractor, HiddenAnswers::Refuse)
                .get_str("improve")
                .is_some()
        );
        let promoter = json!({"nps": 10, "drivers": {"reliability": 5, "ease": 5, "expertise": 5,
            "speed": 4, "personal": 5, "value": 4}, "improve": "niets"});
        assert!(
            answers(&d, promoter, HiddenAnswers::Ignore)
                .get_str("improve")
                .is_none()
        );
    }

    #[test]
    fn post_contact_has_csat_answered_effort_focus_and_why() {
        let d = def("post-contact");
        match kind(&d, "csat") {
            QuestionKind::Rating { scale } => {
                assert_eq!((scale.min, scale.max), (1, 5));
                assert!(scale.min_label.is_some() && scale.max_label.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(kind(&d, "answered"), QuestionKind::YesNo));
        match kind(&d, "effort") {
            QuestionKind::Rating { scale } => {
                assert_eq!((scale.min, scale.max, scale.higher_is_better), (1, 7, true))
            }
            other => panic!("{other:?}"),
        }
        match kind(&d, "customer_focus") {
            QuestionKind::Rating { scale } => assert_eq!((scale.min, scale.max), (1, 5)),
            other => panic!("{other:?}"),
        }
        let why = d.question("why").unwrap();
        assert!(matches!(why.kind, QuestionKind::Text { .. }) && !why.required);

        let happy = json!({"csat": 5, "answered": true, "effort": 7, "customer_focus": 5});
        let a = answers(&d, happy, HiddenAnswers::Refuse);
        assert_eq!(a.len(), 4);
        let unhappy = json!({"csat": 2, "answered": false, "open_issue": "mijn factuur",
            "effort": 2, "customer_focus": 3, "callback": true});
        let a = answers(&d, unhappy, HiddenAnswers::Refuse);
        assert_eq!(a.get_str("callback"), Some(&AnswerValue::Bool(true)));
        // a satisfied customer whose question was answered is not offered a callback
        let errs = validate_answers(
            &d,
            json!({"csat": 4, "answered": true, "effort": 6, "customer_focus": 4, "callback": true})
                .as_object()
                .unwrap(),
            Scope::All,
            &Answers::default(),
            HiddenAnswers::Refuse,
        )
        .unwrap_err();
        assert_eq!(errs[0].kind, AnswerErrorKind::NotShown);
    }

    #[test]
    fn engagement_has_three_dimensions_on_a_labelled_frequency_scale() {
        let d = def("engagement");
        assert!(d.pages.len() > 1);
        for dim in ["vigour", "dedication", "absorption"] {
            match kind(&d, dim) {
                QuestionKind::Matrix {
                    items,
                    scale,
                    likert,
                } => {
                    let want: Vec<String> = (1..=3).map(|i| format!("{dim}_{i}")).collect();
                    assert_eq!(ids(items), want);
                    assert_eq!((scale.min, scale.max, *likert), (0, 6, None));
                    let labels = scale.labels.as_ref().expect("every point labelled");
                    assert_eq!(labels.len(), 7);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(kind(&d, "enps"), QuestionKind::Nps { .. }));
        assert!(
            d.questions()
                .any(|q| matches!(q.kind, QuestionKind::Text { .. }))
        );

        // the worked example of methods.md section 3 fits the item ids
        let a = answers(
            &d,
            json!({
                "vigour": {"vigour_1": 5, "vigour_2": 4, "vigour_3": 6},
                "dedication": {"dedication_1": 5, "dedication_2": 5, "dedication_3": 4},
                "absorption": {"absorption_1": 3, "absorption_2": 4, "absorption_3": 4},
                "enps": 8
            }),
            HiddenAnswers::Refuse,
        );
        let mean = |q: &str| match a.get_str(q) {
            Some(AnswerValue::Map(m)) => m.values().sum::<i64>() as f64 / m.len() as f64,
            other => panic!("{other:?}"),
        };
        let dims = [mean("vigour"), mean("dedication"), mean("absorption")];
        let total = dims.iter().sum::<f64>() / 3.0;
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        assert_eq!(dims.map(r), [5.0, 4.667, 3.667]);
        assert_eq!(r(total), 4.444);
    }

    #[test]
    fn enps_pulse_is_short() {
        let d = def("enps-pulse");
        assert!(matches!(kind(&d, "enps"), QuestionKind::Nps { .. }));
        let texts = d
            .questions()
            .filter(|q| matches!(q.kind, QuestionKind::Text { .. }))
            .count();
        let likerts = d
            .questions()
            .filter(|q| matches!(q.kind, QuestionKind::Likert { .. }))
            .count();
        assert_eq!(texts, 1);
        assert!((1..=2).contains(&likerts));
        assert!(d.questions().count() <= 4);
    }

    #[test]
    fn drivers_profile_spreads_fifteen_points_over_the_seven_colours() {
        let d = def("drivers-profile");
        assert!(d.pages.len() > 1);
        let blocks: Vec<_> = d
            .questions()
            .filter_map(|q| match &q.kind {
                QuestionKind::Allocation { items, total } => Some((q, items, *total)),
                _ => None,
            })
            .collect();
        assert_eq!(
            blocks.len(),
            d.questions().count(),
            "only allocation blocks"
        );
        assert!(blocks.len() >= 6);
        let mut statements = BTreeSet::new();
        for (q, items, total) in &blocks {
            assert_eq!(*total, 15, "{}", q.id);
            assert_eq!(ids(items), COLOURS, "{}", q.id);
            for it in items.iter() {
                assert!(statements.insert(it.text.get(&Lang::nl(), &Lang::nl()).to_string()));
            }
        }
        let mut raw = serde_json::Map::new();
        for (q, _, _) in &blocks {
            raw.insert(
                q.id.to_string(),
                json!({"blue": 6, "orange": 4, "green": 3, "yellow": 2}),
            );
        }
        let a = answers(&d, Value::Object(raw), HiddenAnswers::Refuse);
        assert_eq!(a.len(), blocks.len());
    }

    #[test]
    fn internal_customer_rates_placeholder_units() {
        let d = def("internal-customer");
        match kind(&d, "units") {
            QuestionKind::Matrix { items, .. } => {
                assert_eq!(ids(items), ["unit_a", "unit_b", "unit_c"])
            }
            other => panic!("{other:?}"),
        }
        let intro = d.intro.as_ref().unwrap();
        assert!(intro.get(&Lang::nl(), &Lang::nl()).contains("vervang"));
        assert!(intro.get(&Lang::en(), &Lang::nl()).contains("replace"));
        assert!(
            d.questions()
                .any(|q| matches!(q.kind, QuestionKind::Nps { .. }))
        );
        assert!(
            d.questions()
                .any(|q| matches!(q.kind, QuestionKind::Text { .. }))
        );
    }

    #[test]
    fn definition_survey_ranks_a_top_five() {
        let d = def("customer-centricity-definition");
        match kind(&d, "definition") {
            QuestionKind::Ranking {
                options,
                max_ranked,
            } => {
                assert!((7..=10).contains(&options.len()));
                assert_eq!(*max_ranked, Some(5));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            kind(&d, "own_definition"),
            QuestionKind::Text { .. }
        ));
        let top5 = json!({"definition": ["listen_empathise", "keep_promises", "fix_root_causes",
            "whole_chain", "act_now"]});
        assert!(
            answers(&d, top5, HiddenAnswers::Refuse)
                .get_str("definition")
                .is_some()
        );
    }

    #[test]
    fn competency_360_knows_the_rater_and_hides_what_customers_cannot_see() {
        let d = def("competency-360");
        match kind(&d, "relation") {
            QuestionKind::Choice { options } => {
                assert_eq!(ids(options), ["self", "manager", "peer", "customer"])
            }
            other => panic!("{other:?}"),
        }
        let levels: Vec<_> = d
            .questions()
            .filter_map(|q| match &q.kind {
                QuestionKind::Matrix { scale, .. } => Some(scale),
                _ => None,
            })
            .collect();
        assert!(!levels.is_empty());
        for s in levels {
            assert_eq!((s.min, s.max), (1, 5));
            assert!(s.min_label.is_some() && s.max_label.is_some());
        }
        for id in ["strengths", "development"] {
            assert!(matches!(kind(&d, id), QuestionKind::Text { .. }));
        }
        let l1 = json!({"listens": 4, "keeps_word": 5, "explains_clearly": 4});
        let l2 = json!({"anticipates": 3, "owns_issue": 4, "uses_feedback": 3});
        let l3 = json!({"improves_process": 2, "coaches_others": 3, "weighs_interests": 4});
        let peer = json!({"relation": "peer", "level_1": l1, "level_2": l2, "level_3": l3});
        assert_eq!(answers(&d, peer, HiddenAnswers::Refuse).len(), 4);
        let customer = json!({"relation": "customer", "level_1": l1, "level_2": l2});
        assert_eq!(answers(&d, customer, HiddenAnswers::Refuse).len(), 3);
    }

    // ---- docs/survey.schema.json ---------------------------------------------------------

    fn schema() -> Value {
        serde_json::from_str(SCHEMA).expect("docs/survey.schema.json is valid JSON")
    }

    #[test]
    fn schema_is_draft_2020_12_and_lists_all_ten_question_types() {
        let s = schema();
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let types: Vec<&str> = s["$defs"]["question"]["properties"]["type"]["enum"]
            .as_array()
            .expect("an enum of question types")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(types, TYPES);
        // every type has its own branch with the fields it accepts
        let branches: Vec<&str> = s["$defs"]["question"]["allOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["if"]["properties"]["type"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(branches, TYPES);
    }

    /// A checker for the subset of JSON Schema 2020-12 that `docs/survey.schema.json` uses. It
    /// panics on a keyword it does not know, so the schema cannot drift beyond what is tested.
    struct Checker {
        root: Value,
    }

    fn json_eq(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            _ => a == b,
        }
    }

    fn is_type(v: &Value, t: &str) -> bool {
        match t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
            other => panic!("unknown type {other}"),
        }
    }

    /// The schema's patterns, each with the rule it stands for.
    fn pattern_matches(pattern: &str, s: &str) -> bool {
        let alnum_tail = |s: &str, ok: fn(char) -> bool| s.chars().skip(1).all(ok);
        match pattern {
            "^[a-z0-9][a-z0-9_-]*$" => {
                s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && alnum_tail(s, |c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
                    })
            }
            "^[a-z][a-z0-9_-]*$" => {
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && alnum_tail(s, |c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
                    })
            }
            "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$" => {
                let mut parts = s.split(['-', '_']);
                let first = parts.next().unwrap_or("");
                (2..=3).contains(&first.len())
                    && first.chars().all(|c| c.is_ascii_alphabetic())
                    && parts.all(|p| {
                        (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
                    })
            }
            "\\S" => s.chars().any(|c| !c.is_whitespace()),
            other => panic!("the test does not know the pattern {other}"),
        }
    }

    impl Checker {
        fn new(root: Value) -> Checker {
            Checker { root }
        }

        fn valid(&self, instance: &Value) -> bool {
            self.errors(instance).is_empty()
        }

        fn errors(&self, instance: &Value) -> Vec<String> {
            let mut out = Vec::new();
            self.check(&self.root, instance, "", &mut out);
            out
        }

        fn ok(&self, schema: &Value, v: &Value) -> bool {
            let mut out = Vec::new();
            self.check(schema, v, "", &mut out);
            out.is_empty()
        }

        fn check(&self, schema: &Value, v: &Value, path: &str, out: &mut Vec<String>) {
            let s = match schema {
                Value::Bool(true) => return,
                Value::Bool(false) => return out.push(format!("{path}: not allowed")),
                Value::Object(s) => s,
                other => panic!("not a schema: {other}"),
            };
            let mut fail = |msg: String| out.push(format!("{path}: {msg}"));
            let mut nested: Vec<(&Value, &Value, String)> = Vec::new();
            for (kw, arg) in s {
                match kw.as_str() {
                    "$schema" | "$id" | "title" | "description" | "default" | "examples"
                    | "$defs" | "then" | "else" => {}
                    "$ref" => {
                        let name = arg
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/$defs/"))
                            .unwrap_or_else(|| panic!("unsupported $ref {arg}"));
                        let target = &self.root["$defs"][name];
                        assert!(!target.is_null(), "dangling $ref {name}");
                        nested.push((target, v, path.to_string()));
                    }
                    "type" => {
                        let ok = match arg {
                            Value::String(t) => is_type(v, t),
                            Value::Array(ts) => ts.iter().any(|t| is_type(v, t.as_str().unwrap())),
                            _ => panic!("bad type {arg}"),
                        };
                        if !ok {
                            fail(format!("not of type {arg}"));
                        }
                    }
                    "enum" => {
                        if !arg.as_array().unwrap().iter().any(|e| json_eq(e, v)) {
                            fail(format!("not one of {arg}"));
                        }
                    }
                    "const" => {
                        if !json_eq(arg, v) {
                            fail(format!("not {arg}"));
                        }
                    }
                    "properties" => {
                        if let Value::Object(m) = v {
                            for (k, sub) in arg.as_object().unwrap() {
                                if let Some(x) = m.get(k) {
                                    nested.push((sub, x, format!("{path}.{k}")));
                                }
                            }
                        }
                    }
                    "required" => {
                        if let Value::Object(m) = v {
                            for k in arg.as_array().unwrap() {
                                if !m.contains_key(k.as_str().unwrap()) {
                                    fail(format!("{k} is required"));
                                }
                            }
                        }
                    }
                    "additionalProperties" => {
                        if let Value::Object(m) = v {
                            let known = s.get("properties").and_then(Value::as_object);
                            for (k, x) in m {
                                if !known.is_some_and(|p| p.contains_key(k)) {
                                    nested.push((arg, x, format!("{path}.{k}")));
                                }
                            }
                        }
                    }
                    "propertyNames" => {
                        if let Value::Object(m) = v {
                            for k in m.keys() {
                                if !self.ok(arg, &Value::String(k.clone())) {
                                    fail(format!("property name {k} not allowed"));
                                }
                            }
                        }
                    }
                    "minProperties" => {
                        if let Value::Object(m) = v
                            && (m.len() as u64) < arg.as_u64().unwrap()
                        {
                            fail("too few properties".into());
                        }
                    }
                    "items" => {
                        if let Value::Array(a) = v {
                            for (i, x) in a.iter().enumerate() {
                                nested.push((arg, x, format!("{path}[{i}]")));
                            }
                        }
                    }
                    "minItems" | "maxItems" => {
                        if let Value::Array(a) = v {
                            let n = arg.as_u64().unwrap() as usize;
                            if (kw == "minItems" && a.len() < n)
                                || (kw == "maxItems" && a.len() > n)
                            {
                                fail(format!("{kw} {n}, found {}", a.len()));
                            }
                        }
                    }
                    "uniqueItems" => {
                        if let Value::Array(a) = v
                            && arg == &Value::Bool(true)
                            && a.iter()
                                .enumerate()
                                .any(|(i, x)| a[..i].iter().any(|y| json_eq(x, y)))
                        {
                            fail("items are not unique".into());
                        }
                    }
                    "minLength" | "maxLength" => {
                        if let Value::String(t) = v {
                            let n = arg.as_u64().unwrap() as usize;
                            let len = t.chars().count();
                            if (kw == "minLength" && len < n) || (kw == "maxLength" && len > n) {
                                fail(format!("{kw} {n}"));
                            }
                        }
                    }
                    "pattern" => {
                        if let Value::String(t) = v
                            && !pattern_matches(arg.as_str().unwrap(), t)
                        {
                            fail(format!("does not match {arg}"));
                        }
                    }
                    "minimum" | "maximum" => {
                        if let Some(x) = v.as_f64().filter(|_| v.is_number()) {
                            let bound = arg.as_f64().unwrap();
                            if (kw == "minimum" && x < bound) || (kw == "maximum" && x > bound) {
                                fail(format!("{kw} {bound}"));
                            }
                        }
                    }
                    "allOf" => {
                        for sub in arg.as_array().unwrap() {
                            nested.push((sub, v, path.to_string()));
                        }
                    }
                    "anyOf" => {
                        if !arg.as_array().unwrap().iter().any(|sub| self.ok(sub, v)) {
                            fail("matches none of anyOf".into());
                        }
                    }
                    "oneOf" => {
                        let n = arg
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|sub| self.ok(sub, v))
                            .count();
                        if n != 1 {
                            fail(format!("matches {n} of oneOf, not exactly one"));
                        }
                    }
                    "not" => {
                        if self.ok(arg, v) {
                            fail("matches `not`".into());
                        }
                    }
                    "if" => {
                        let branch = if self.ok(arg, v) { "then" } else { "else" };
                        if let Some(sub) = s.get(branch) {
                            nested.push((sub, v, path.to_string()));
                        }
                    }
                    other => panic!("the schema uses `{other}`, which this test does not check"),
                }
            }
            for (sub, x, p) in nested {
                self.check(sub, x, &p, out);
            }
        }
    }

    fn yaml_value(src: &str) -> Value {
        serde_norway::from_str(src).unwrap_or_else(|e| panic!("{e}: {src}"))
    }

    #[test]
    fn schema_patterns_agree_with_the_parser() {
        for s in [
            "after-call",
            "nps",
            "vigour_1",
            "a",
            "x-y_z9",
            "1abc",
            "9",
            "Abc",
            "-x",
            "_x",
            "q.1",
            "a b",
            "é",
            "",
        ] {
            assert_eq!(
                pattern_matches("^[a-z][a-z0-9_-]*$", s),
                QuestionId::parse(s).is_ok(),
                "id {s:?}"
            );
            assert_eq!(
                pattern_matches("^[a-z0-9][a-z0-9_-]*$", s),
                SurveyKey::parse(s).is_ok(),
                "key {s:?}"
            );
        }
        for s in [
            "nl", "en", "EN", "en-GB", "en_gb", "fy", "nds", "zh-hant", "e", "english", "n1",
            "en-", "en-x", "",
        ] {
            assert_eq!(
                pattern_matches("^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", s),
                Lang::parse(s).is_ok(),
                "lang {s:?}"
            );
        }
    }

    #[test]
    fn every_template_satisfies_the_schema_as_written_and_as_exported() {
        let checker = Checker::new(schema());
        for (key, src) in TEMPLATES {
            let errors = checker.errors(&yaml_value(src));
            assert!(errors.is_empty(), "{key}: {errors:?}");
            let errors = checker.errors(&template(key).unwrap().to_value());
            assert!(errors.is_empty(), "{key} exported: {errors:?}");
        }
    }

    const BASE: &str = r#"
key: check
title: {nl: "Controle", en: "Check"}
questions:
  - id: score
    type: nps
    text: {nl: "Cijfer", en: "Score"}
  - id: ok
    type: yesno
    text: {nl: "Goed?", en: "Good?"}
"#;

    /// Appends a question to BASE, or replaces a line of it.
    fn variant(find: &str, replace: &str) -> String {
        assert!(BASE.contains(find), "{find}");
        BASE.replacen(find, replace, 1)
    }

    fn with_question(q: &str) -> String {
        format!("{BASE}{q}")
    }

    #[test]
    fn schema_and_parser_accept_the_same_unusual_but_valid_files() {
        let checker = Checker::new(schema());
        let accepted = [
            BASE.to_string(),
            BASE.replace("key: check", "key: check\nintro: null\nlanguages: [nl, en]"),
            with_question(
                "  - id: agree\n    type: likert\n    points: 7\n    labels: [{nl: a}, {nl: b}, {nl: c}, {nl: d}, {nl: e}, {nl: f}, {nl: g}]\n    text: {nl: x}\n",
            ),
            with_question(
                "  - id: grid\n    type: matrix\n    likert: 5\n    items: [{id: a, text: {nl: a}}]\n    text: {nl: x}\n",
            ),
            with_question(
                "  - id: why\n    type: text\n    show_if: {all: [{not: {question: ok, eq: true}}, {any: [{question: score, in: [0, 1, 2]}, {question: ok, answered: false}]}]}\n    text: {nl: x}\n",
            ),
            with_question(
                "  - id: pick\n    type: multi\n    min_selected: 0\n    max_selected: 2\n    options: [{id: a, text: {nl: a}}, {id: b, text: {nl: b}}]\n    text: {nl: x}\n  - id: then\n    type: text\n    multiline: false\n    max_length: 10000\n    show_if: {question: pick, includes: b}\n    text: {nl: x}\n",
            ),
            variant(
                "    type: nps\n",
                "    type: nps\n    scale: {min: 0, max: 10, min_label: {nl: laag}, max_label: null}\n",
            ),
            "key: p\ntitle: {nl: t}\npages:\n  - questions:\n      - {id: a, type: yesno, text: {nl: a}}\n  - title: null\n    questions:\n      - {id: b, type: yesno, text: {nl: b}, show_if: {question: a, ne: false}}\n".to_string(),
        ];
        for src in accepted {
            assert!(
                parse_survey_file(src.as_bytes(), FileFormat::Yaml).is_ok(),
                "parser: {src}"
            );
            let errors = checker.errors(&yaml_value(&src));
            assert!(errors.is_empty(), "schema: {errors:?}\n{src}");
        }
    }

    #[test]
    fn schema_and_parser_refuse_the_same_broken_files() {
        let checker = Checker::new(schema());
        let refused = [
            BASE.replace("key: check", "key: check\ncolour: blue"),
            BASE.replace("key: check", "key: Check"),
            BASE.replace("key: check\n", ""),
            BASE.replace(
                "title: {nl: \"Controle\", en: \"Check\"}",
                "title: Controle",
            ),
            BASE.replace("{nl: \"Controle\", en: \"Check\"}", "{nl: \"  \"}"),
            BASE.replace("{nl: \"Controle\", en: \"Check\"}", "{dutch: \"Controle\"}"),
            BASE.replace("{nl: \"Controle\", en: \"Check\"}", "{}"),
            BASE.replace("key: check", "key: check\nlanguages: []"),
            format!("{BASE}pages: []\n"),
            variant("  - id: ok\n", "  - id: 1ok\n"),
            variant("    type: yesno\n", "    type: yesnoo\n"),
            variant(
                "    type: yesno\n",
                "    type: yesno\n    scale: {min: 1, max: 5}\n",
            ),
            variant("    type: yesno\n", "    type: yesno\n    required: null\n"),
            variant("    type: nps\n", "    type: nps\n    scale: {max: 9}\n"),
            variant(
                "    type: nps\n",
                "    type: nps\n    scale: {higher_is_better: false}\n",
            ),
            with_question("  - {id: r, type: rating, text: {nl: x}}\n"),
            with_question(
                "  - {id: r, type: rating, scale: {min: 1, max: 5, colour: red}, text: {nl: x}}\n",
            ),
            with_question("  - {id: l, type: likert, points: 6, text: {nl: x}}\n"),
            with_question(
                "  - {id: l, type: likert, labels: [{nl: a}, {nl: b}, {nl: c}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: c, type: choice, options: [{id: a, text: {nl: a}}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: c, type: choice, options: [{id: a, text: {nl: a}, extra: 1}, {id: b, text: {nl: b}}], text: {nl: x}}\n",
            ),
            with_question("  - {id: t, type: text, max_length: 0, text: {nl: x}}\n"),
            with_question("  - {id: t, type: text, max_length: 10001, text: {nl: x}}\n"),
            with_question(
                "  - {id: m, type: matrix, items: [{id: a, text: {nl: a}}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: m, type: matrix, likert: 5, scale: {min: 1, max: 5}, items: [{id: a, text: {nl: a}}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: a, type: allocation, items: [{id: x, text: {nl: x}}, {id: y, text: {nl: y}}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: a, type: allocation, total: 1001, items: [{id: x, text: {nl: x}}, {id: y, text: {nl: y}}], text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: w, type: text, show_if: {question: score, lte: 6, gte: 1}, text: {nl: x}}\n",
            ),
            with_question("  - {id: w, type: text, show_if: {question: score}, text: {nl: x}}\n"),
            with_question(
                "  - {id: w, type: text, show_if: {all: [{question: ok, eq: true}], any: [{question: ok, eq: false}]}, text: {nl: x}}\n",
            ),
            with_question("  - {id: w, type: text, show_if: {all: []}, text: {nl: x}}\n"),
            with_question(
                "  - {id: w, type: text, show_if: {question: ok, equals: true}, text: {nl: x}}\n",
            ),
            with_question(
                "  - {id: w, type: text, show_if: {question: score, in: [1, one]}, text: {nl: x}}\n",
            ),
        ];
        for src in refused {
            assert!(
                parse_survey_file(src.as_bytes(), FileFormat::Yaml).is_err(),
                "the parser accepts:\n{src}"
            );
            assert!(
                !checker.valid(&yaml_value(&src)),
                "the schema accepts:\n{src}"
            );
        }
    }

    // ---- docs/survey-format.md -----------------------------------------------------------

    /// The YAML examples of the reference that are complete survey files (they start with
    /// `key:`); fragments are left alone.
    fn doc_examples() -> Vec<&'static str> {
        FORMAT_DOC
            .split("```yaml\n")
            .skip(1)
            .filter_map(|block| block.split("\n```").next())
            .filter(|block| block.starts_with("key:"))
            .collect()
    }

    #[test]
    fn the_format_reference_examples_parse_and_satisfy_the_schema() {
        let examples = doc_examples();
        assert!(examples.len() >= 2, "{}", examples.len());
        let checker = Checker::new(schema());
        for src in &examples {
            let p = parse_survey_file(src.as_bytes(), FileFormat::Yaml)
                .unwrap_or_else(|e| panic!("{e:?}\n{src}"));
            assert!(p.warnings.is_empty(), "{:?}\n{src}", p.warnings);
            let errors = checker.errors(&yaml_value(src));
            assert!(errors.is_empty(), "{errors:?}\n{src}");
            let again = parse_survey_value(&p.definition.to_value()).unwrap();
            assert_eq!(again.definition, p.definition);
        }
        // the answers shown in JSON fit the first and the last example
        let answers_shown: Vec<&str> = FORMAT_DOC
            .split("```json\n")
            .skip(1)
            .filter_map(|block| block.split("\n```").next())
            .collect();
        assert_eq!(answers_shown.len(), 2);
        for (src, shown) in [examples[0], examples[examples.len() - 1]]
            .into_iter()
            .zip(answers_shown)
        {
            let d = parse_survey_file(src.as_bytes(), FileFormat::Yaml)
                .unwrap()
                .definition;
            let v: Value = serde_json::from_str(shown).unwrap();
            let a = answers(&d, v.clone(), HiddenAnswers::Refuse);
            assert_eq!(Value::Object(a.to_raw()), v);
        }
        // the first example is the minimal file of the parser's own tests
        let first = parse_survey_file(examples[0].as_bytes(), FileFormat::Yaml)
            .unwrap()
            .definition;
        assert_eq!(first.key.as_str(), "after-call");
        let ids: Vec<&str> = first.questions().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["nps", "answered", "effort", "why"]);
    }

    #[test]
    fn the_format_reference_names_every_type_and_limit() {
        for t in TYPES {
            assert!(FORMAT_DOC.contains(&format!("### `{t}`")), "{t}");
        }
        for op in [
            "eq", "ne", "lt", "lte", "gt", "gte", "in", "includes", "answered", "all", "any", "not",
        ] {
            assert!(FORMAT_DOC.contains(&format!("`{op}`")), "{op}");
        }
        for limit in ["500", "200", "5,000", "10,000", "101", "1,000"] {
            assert!(FORMAT_DOC.contains(limit), "{limit}");
        }
    }
}
