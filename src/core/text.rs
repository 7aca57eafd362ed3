//! Text from bytes, a byte search, and string slicing that cannot panic.
//!
//! [`lossy`] is `String::from_utf8_lossy` written on `from_utf8` alone, which the module has
//! anyway: the lossy decoder's own chunk iterator weighs a kilobyte of wasm.
//!
//! `&s[i..]` checks that `i` falls on a character boundary and panics when it does not. Every
//! index used here comes from `find` of an ASCII byte, so the checks never fail; these helpers
//! return the empty string where one would, so no slicing panic path is compiled in.

/// `bytes` as text, each ill-formed UTF-8 sequence replaced by U+FFFD, exactly as
/// `String::from_utf8_lossy` does.
pub(crate) fn lossy(mut bytes: &[u8]) -> String {
    let mut out = String::new();
    loop {
        match core::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len());
                bytes = bytes.get(skip..).unwrap_or_default();
            }
        }
    }
}

/// Where `needle` (ASCII) first starts in `hay`: a byte scan, which costs the wasm far less
/// than `str::find` with a string pattern (its two-way searcher).
pub(crate) fn find_bytes(hay: &str, needle: &[u8]) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w == needle)
}

/// `&s[i..]`, or `""`.
pub(crate) fn after(s: &str, i: usize) -> &str {
    s.get(i..).unwrap_or("")
}

/// `&s[..i]`, or `""`.
pub(crate) fn before(s: &str, i: usize) -> &str {
    s.get(..i).unwrap_or("")
}

/// `s.split_at(i)`, or `(s, "")`.
pub(crate) fn split(s: &str, i: usize) -> (&str, &str) {
    match (s.get(..i), s.get(i..)) {
        (Some(a), Some(b)) => (a, b),
        _ => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_on_boundaries_and_gives_empty_strings_elsewhere() {
        assert_eq!((before("a?b", 1), after("a?b", 2)), ("a", "b"));
        assert_eq!(split("ab#c", 2), ("ab", "#c"));
        assert_eq!((before("é", 1), after("é", 1), after("a", 9)), ("", "", ""));
        assert_eq!(split("é", 1), ("é", ""));
    }

    #[test]
    fn lossy_decodes_as_std_does() {
        let cases: [&[u8]; 9] = [
            b"",
            b"plain",
            "h\u{e9}llo \u{1F600}".as_bytes(),
            b"\xff",
            b"a\xffb\xfe",
            b"\xe2\x82",
            b"x\xe2\x82y",
            b"\xf0\x9f\x98",
            b"\xed\xa0\x80\xc0\xaf\xf8\x88\x80\x80\x80",
        ];
        for bytes in cases {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn lossy_is_from_utf8_lossy(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(super::lossy(&bytes), String::from_utf8_lossy(&bytes));
        }
    }
}
