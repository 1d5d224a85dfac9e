//! Survey files (YAML and JSON): any input is a survey or a list of located errors.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tevreden_domain::survey::{FileFormat, parse_survey_file};

fuzz_target!(|data: &[u8]| {
    let _ = parse_survey_file(data, FileFormat::Yaml);
    let _ = parse_survey_file(data, FileFormat::Json);
});
