//! XLSX imports: a zip that claims anything (the whole XFD1048576 grid, broken XML, odd shared
//! strings) is read sparsely and bounded, or refused.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(data.strip_prefix(b"PK\x03\x04").unwrap_or(data));
    let _ = tevreden_domain::import::read_table(&bytes);
});
