//! Decoding `application/x-www-form-urlencoded` bodies strictly: invalid UTF-8 (also when
//! percent-encoded) is an error instead of being replaced silently, and repeated names (multiple
//! choice) are kept in order.

pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in body.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode_component(s: &[u8]) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                match (
                    s.get(i + 1).copied().and_then(hex),
                    s.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        bytes.push(h * 16 + l);
                        i += 2;
                    }
                    _ => bytes.push(b'%'),
                }
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes)
        .map_err(|_| "the form contains text that is not valid UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs_in_order() {
        let f = decode_form(b"q.nps=9&q.multi=a&q.multi=b&q.why=heel+goed%21+%C3%A9&empty=&flag")
            .unwrap();
        assert_eq!(
            f,
            [
                ("q.nps".into(), "9".into()),
                ("q.multi".into(), "a".into()),
                ("q.multi".into(), "b".into()),
                ("q.why".into(), "heel goed! é".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into()),
            ]
        );
    }

    #[test]
    fn refuses_invalid_utf8_and_keeps_stray_percent() {
        assert!(decode_form(b"q.why=%FF").is_err());
        assert!(decode_form(b"q.why=\xff").is_err());
        assert_eq!(
            decode_form(b"a=100%").unwrap(),
            [("a".to_string(), "100%".to_string())]
        );
        assert_eq!(
            decode_form(b"a=%4").unwrap(),
            [("a".to_string(), "%4".to_string())]
        );
        assert_eq!(
            decode_form(b"a=%41").unwrap(),
            [("a".to_string(), "A".to_string())]
        );
    }
}
