use serde_json::json;

use super::*;
use crate::{Lang, QuestionId};

const MINIMAL: &str = crate::templates::MINIMAL_EXAMPLE;

fn minimal() -> SurveyDefinition {
    parse_survey_file(MINIMAL.as_bytes(), FileFormat::Yaml)
        .expect("minimal file parses")
        .definition
}

fn errors_of(src: &str) -> Vec<String> {
    match parse_survey_file(src.as_bytes(), FileFormat::Yaml) {
        Ok(_) => vec![],
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

fn raw(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn minimal_file_is_accepted_as_is() {
    let p = parse_survey_file(MINIMAL.as_bytes(), FileFormat::Yaml).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let d = p.definition;
    assert_eq!(d.key.as_str(), "after-call");
    assert_eq!(d.languages, vec![Lang::nl(), Lang::en()]);
    assert_eq!(d.pages.len(), 1);
    let ids: Vec<_> = d.questions().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["nps", "answered", "effort", "why"]);
    assert!(!d.question("why").unwrap().required);
    match &d.question("effort").unwrap().kind {
        QuestionKind::Rating { scale } => {
            assert_eq!((scale.min, scale.max, scale.higher_is_better), (1, 7, true))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn round_trips_through_yaml_and_json() {
    let d = minimal();
    let again = parse_survey_file(d.to_yaml().as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    assert_eq!(d, again);
    let again = parse_survey_file(d.to_json_pretty().as_bytes(), FileFormat::Json)
        .unwrap()
        .definition;
    assert_eq!(d, again);
}

#[test]
fn errors_have_paths_and_reasons() {
    let src = MINIMAL.replace(
        "scale: {min: 1, max: 7, higher_is_better: true}",
        "scale: {min: 7, max: 1}",
    );
    assert_eq!(
        errors_of(&src),
        ["questions[2].scale.max: must be greater than min"]
    );

    let src = MINIMAL.replace("type: yesno", "type: yesnoo");
    assert!(errors_of(&src)[0].starts_with("questions[1].type: unknown question type `yesnoo`"));

    let src = MINIMAL.replace(
        "show_if: {question: nps, lte: 6}",
        "show_if: {question: why, lte: 6}",
    );
    assert_eq!(
        errors_of(&src),
        [
            "questions[3].show_if.question: `why` is not an earlier question (a condition can only look back)"
        ]
    );

    let src = MINIMAL.replace(
        "show_if: {question: nps, lte: 6}",
        "show_iff: {question: nps, lte: 6}",
    );
    assert!(errors_of(&src)[0].starts_with("questions[3].show_iff: unknown field"));

    let src = MINIMAL.replace("- id: answered", "- id: nps");
    assert_eq!(
        errors_of(&src),
        ["questions[1].id: `nps` is used by an earlier question"]
    );

    let src = MINIMAL.replace(
        "show_if: {question: nps, lte: 6}",
        "show_if: {question: answered, lte: 6}",
    );
    assert_eq!(
        errors_of(&src),
        ["questions[3].show_if.lte: `lte` does not apply to a yesno question"]
    );

    assert_eq!(
        errors_of("key: x\ntitle: {nl: a}\n"),
        ["questions: is required: a survey needs at least one question"]
    );
    assert!(errors_of("key: [\n")[0].starts_with("invalid YAML at line"));
    assert!(errors_of("- 1\n- 2\n")[0].starts_with("must be an object"));
}

#[test]
fn condition_values_outside_the_scale_and_twice_given_languages_are_refused() {
    let src = MINIMAL.replace(
        "show_if: {question: nps, lte: 6}",
        "show_if: {question: nps, lte: 60}",
    );
    assert_eq!(
        errors_of(&src),
        ["questions[3].show_if.lte: 60 lies outside the question's scale (0 to 10)"]
    );
    let src = MINIMAL.replace(
        r#"title: {nl: "Na uw gesprek", en: "After your call"}"#,
        r#"title: {nl: "Na uw gesprek", NL: "Na"}"#,
    );
    let errs = errors_of(&src);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].ends_with(": the language nl is given twice"),
        "{errs:?}"
    );
}

#[test]
fn malformed_json_is_reported_with_position() {
    let e = parse_survey_file(b"{\"key\": ", FileFormat::Json).unwrap_err();
    assert!(e[0].message.starts_with("invalid JSON at line 1"), "{e:?}");
    let e = parse_survey_file(&[0xff, 0xfe, 0x00], FileFormat::Json).unwrap_err();
    assert!(e[0].message.contains("UTF-8"));
}

#[test]
fn missing_translation_is_a_warning_not_an_error() {
    let src = MINIMAL.replace(", en: \"Was your question answered?\"", "");
    let p = parse_survey_file(src.as_bytes(), FileFormat::Yaml).unwrap();
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(
        p.warnings[0].to_string(),
        "questions[1].text: no en translation"
    );
}

#[test]
fn validates_the_api_example() {
    let d = minimal();
    let ok = validate_answers(
        &d,
        &raw(json!({"nps": 9, "answered": true, "effort": 6})),
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap();
    assert_eq!(ok.to_json(), r#"{"answered":true,"effort":6,"nps":9}"#);
}

#[test]
fn refuses_bad_answers_with_every_error() {
    let d = minimal();
    let errs = validate_answers(
        &d,
        &raw(json!({"nps": 11, "answered": "yes", "colour": "blue"})),
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap_err();
    let got: Vec<(String, &str)> = errs.iter().map(|e| (e.path(), e.kind.code())).collect();
    assert_eq!(
        got,
        [
            ("answers.nps".to_string(), "out_of_range"),
            ("answers.answered".to_string(), "not_yes_no"),
            ("answers.effort".to_string(), "required"),
            ("answers.colour".to_string(), "unknown_question"),
        ]
    );
    assert_eq!(errs[0].kind.to_string(), "must be between 0 and 10");
    let errs = validate_answers(
        &d,
        &raw(json!({"nps": 7.5, "answered": true, "effort": 3})),
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap_err();
    assert_eq!(errs[0].kind, AnswerErrorKind::NotAWholeNumber);
}

#[test]
fn hidden_question_is_never_stored_as_shown() {
    let d = minimal();
    let promoter = raw(json!({"nps": 9, "answered": true, "effort": 6, "why": "niets"}));
    let errs = validate_answers(
        &d,
        &promoter,
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap_err();
    assert_eq!(errs[0].kind, AnswerErrorKind::NotShown);
    let ok = validate_answers(
        &d,
        &promoter,
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Ignore,
    )
    .unwrap();
    assert!(ok.get_str("why").is_none());
    let detractor =
        raw(json!({"nps": 3, "answered": false, "effort": 2, "why": "  te lang gewacht  "}));
    let ok = validate_answers(
        &d,
        &detractor,
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap();
    assert_eq!(
        ok.get_str("why"),
        Some(&AnswerValue::Text("te lang gewacht".into()))
    );
}

const RICH: &str = r#"
key: rich
title: {nl: "Alles", en: "Everything"}
pages:
  - title: {nl: "Een", en: "One"}
    questions:
      - id: topic
        type: choice
        text: {nl: "Onderwerp", en: "Topic"}
        options:
          - {id: billing, text: {nl: "Factuur", en: "Invoice"}}
          - {id: delivery, text: {nl: "Levering", en: "Delivery"}}
      - id: channels
        type: multi
        max_selected: 2
        text: {nl: "Kanalen", en: "Channels"}
        options:
          - {id: phone, text: {nl: "Telefoon", en: "Phone"}}
          - {id: mail, text: {nl: "E-mail", en: "Email"}}
          - {id: chat, text: {nl: "Chat", en: "Chat"}}
  - questions:
      - id: grid
        type: matrix
        likert: 5
        show_if: {question: topic, in: [billing]}
        text: {nl: "Stellingen", en: "Statements"}
        items:
          - {id: clear, text: {nl: "Duidelijk", en: "Clear"}}
          - {id: fast, text: {nl: "Snel", en: "Fast"}}
      - id: order
        type: ranking
        text: {nl: "Volgorde", en: "Order"}
        options:
          - {id: a, text: {nl: "A", en: "A"}}
          - {id: b, text: {nl: "B", en: "B"}}
          - {id: c, text: {nl: "C", en: "C"}}
      - id: points
        type: allocation
        total: 15
        required: false
        text: {nl: "Punten", en: "Points"}
        items:
          - {id: x, text: {nl: "X", en: "X"}}
          - {id: y, text: {nl: "Y", en: "Y"}}
      - id: follow
        type: yesno
        show_if: {any: [{question: grid, item: fast, lte: 2}, {question: channels, includes: chat}]}
        text: {nl: "Terugbellen?", en: "Call back?"}
"#;

#[test]
fn multi_page_form_flow_validates_page_by_page() {
    let d = parse_survey_file(RICH.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    assert_eq!(d.pages.len(), 2);
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let page0 = raw_answers_from_form(
        &d,
        Some(0),
        &form(&[
            ("q.topic", "billing"),
            ("q.channels", "phone"),
            ("q.channels", "chat"),
        ]),
    );
    let first = validate_answers(
        &d,
        &page0,
        Scope::Page(0),
        &Answers::default(),
        HiddenAnswers::Ignore,
    )
    .unwrap();
    assert_eq!(first.len(), 2);
    // page 2: grid shown (topic = billing); ranking given as ranks; follow shown (chat chosen)
    let page1 = raw_answers_from_form(
        &d,
        Some(1),
        &form(&[
            ("q.grid.clear", "4"),
            ("q.grid.fast", "5"),
            ("q.order.a", "2"),
            ("q.order.b", "1"),
            ("q.order.c", "3"),
            ("q.follow", "no"),
        ]),
    );
    let all = validate_answers(&d, &page1, Scope::Page(1), &first, HiddenAnswers::Ignore).unwrap();
    assert_eq!(
        all.get_str("order"),
        Some(&AnswerValue::List(vec!["b".into(), "a".into(), "c".into()]))
    );
    assert_eq!(all.get_str("follow"), Some(&AnswerValue::Bool(false)));
    assert_eq!(all.len(), 5);
    // the whole response re-validated in one go gives the same answers
    let again = validate_answers(
        &d,
        &all.to_raw(),
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Refuse,
    )
    .unwrap();
    assert_eq!(again, all);
}

#[test]
fn rich_types_refuse_what_they_should() {
    let d = parse_survey_file(RICH.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    let check = |v: serde_json::Value| {
        validate_answers(
            &d,
            &raw(v),
            Scope::All,
            &Answers::default(),
            HiddenAnswers::Refuse,
        )
        .unwrap_err()
        .into_iter()
        .map(|e| format!("{} {}", e.path(), e.kind.code()))
        .collect::<Vec<_>>()
    };
    let base = json!({"topic": "delivery", "channels": ["phone"], "order": ["a","b","c"]});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_eq!(
        check(with("channels", json!(["phone", "mail", "chat"]))),
        ["answers.channels too_many_selected"]
    );
    assert_eq!(
        check(with("channels", json!(["phone", "phone"]))),
        ["answers.channels duplicate_option"]
    );
    assert_eq!(
        check(with("topic", json!("nope"))),
        ["answers.topic unknown_option"]
    );
    assert_eq!(
        check(with("order", json!(["a", "b"]))),
        ["answers.order ranking_incomplete"]
    );
    assert_eq!(
        check(with("order", json!({"a": 1, "b": 1, "c": 2}))),
        ["answers.order duplicate_rank"]
    );
    assert_eq!(
        check(with("points", json!({"x": 10, "y": 4}))),
        ["answers.points allocation_total"]
    );
    assert_eq!(
        check(with("points", json!({"x": 10, "z": 5}))),
        ["answers.points unknown_item"]
    );
    // grid is hidden for topic = delivery
    assert_eq!(
        check(with("grid", json!({"clear": 3, "fast": 3}))),
        ["answers.grid not_shown"]
    );
    let mut b = with("topic", json!("billing"));
    b["grid"] = json!({"clear": 3});
    assert_eq!(check(b), ["answers.grid.fast missing_item"]);
}

#[test]
fn conditions_only_look_back_and_check_types() {
    let bad = RICH.replace(
        "show_if: {question: topic, in: [billing]}",
        "show_if: {question: topic, in: [nothing]}",
    );
    assert_eq!(
        errors_of(&bad),
        ["pages[1].questions[0].show_if.in[0]: `nothing` is not an option of that question"]
    );
    let bad = RICH.replace(
        "{question: grid, item: fast, lte: 2}",
        "{question: grid, lte: 2}",
    );
    assert_eq!(
        errors_of(&bad),
        ["pages[1].questions[3].show_if.any[0].item: is required: `grid` has several items"]
    );
}

#[test]
fn picks_language() {
    let d = minimal();
    assert_eq!(d.pick_lang(Some(&Lang::en())), Lang::en());
    assert_eq!(
        d.pick_lang(Some(&Lang::parse("en-GB").unwrap())),
        Lang::en()
    );
    assert_eq!(d.pick_lang(Some(&Lang::parse("de").unwrap())), Lang::nl());
    assert_eq!(d.pick_lang(None), Lang::nl());
    let _ = QuestionId::parse("x").unwrap();
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (-1e6f64..1e6).prop_map(serde_json::Value::from),
            "[a-z_ ]{0,12}".prop_map(serde_json::Value::from),
            prop_oneof![
                Just("nps"),
                Just("answered"),
                Just("effort"),
                Just("why"),
                Just("yes")
            ]
            .prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parser_never_panics_on_arbitrary_text(s in "\\PC{0,400}") {
            let _ = parse_survey_file(s.as_bytes(), FileFormat::Yaml);
            let _ = parse_survey_file(s.as_bytes(), FileFormat::Json);
        }

        #[test]
        fn parser_never_panics_on_mutated_surveys(cut in 0usize..1200, junk in "[\\[\\]{}:,a-z0-9 \\n-]{0,12}") {
            let src = RICH;
            let cut = cut.min(src.len());
            let cut = (0..=cut).rev().find(|i| src.is_char_boundary(*i)).unwrap_or(0);
            let mutated = format!("{}{}{}", &src[..cut], junk, &src[cut..]);
            let _ = parse_survey_file(mutated.as_bytes(), FileFormat::Yaml);
        }

        #[test]
        fn validation_never_panics_and_accepted_answers_revalidate(v in prop::collection::btree_map(
            prop_oneof![Just("nps".to_string()), Just("answered".to_string()), Just("effort".to_string()), Just("why".to_string()), "[a-z]{1,5}"],
            json_value(), 0..6)) {
            let d = minimal();
            let raw: serde_json::Map<String, serde_json::Value> = v.into_iter().collect();
            for hidden in [HiddenAnswers::Refuse, HiddenAnswers::Ignore] {
                if let Ok(ok) = validate_answers(&d, &raw, Scope::All, &Answers::default(), hidden) {
                    // whatever is accepted is accepted again, unchanged, by the strictest mode
                    let again = validate_answers(&d, &ok.to_raw(), Scope::All, &Answers::default(), HiddenAnswers::Refuse);
                    prop_assert_eq!(again, Ok(ok));
                }
            }
        }

        #[test]
        fn form_conversion_never_panics(fields in prop::collection::vec(("q\\.[a-z]{1,8}(\\.[a-z]{1,3})?", "\\PC{0,12}"), 0..12)) {
            let d = parse_survey_file(RICH.as_bytes(), FileFormat::Yaml).unwrap().definition;
            for page in [None, Some(0), Some(1), Some(7)] {
                let raw = raw_answers_from_form(&d, page, &fields);
                let _ = validate_answers(&d, &raw, Scope::All, &Answers::default(), HiddenAnswers::Ignore);
            }
        }
    }
}

#[test]
fn text_length_counts_line_breaks_once() {
    let d = parse_survey_file(
        b"key: s\ntitle: {en: S}\nquestions:\n  - {id: t, type: text, max_length: 5, text: {en: T}}\n",
        FileFormat::Yaml,
    )
    .unwrap()
    .definition;
    let run = |s: &str| {
        validate_answers(
            &d,
            &raw(json!({ "t": s })),
            Scope::All,
            &Answers::default(),
            HiddenAnswers::Refuse,
        )
    };
    // "ab\r\ncd" is 5 characters as the browser counts them (CR LF is one line break)
    let ok = run("ab\r\ncd").unwrap();
    assert_eq!(ok.to_raw()["t"], json!("ab\ncd"));
    // a lone CR is a line break too
    assert_eq!(run("a\rb").unwrap().to_raw()["t"], json!("a\nb"));
    let err = run("ab\r\ncde").unwrap_err();
    assert_eq!(err[0].kind.code(), "too_long");
}
