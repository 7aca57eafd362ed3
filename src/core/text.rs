//! Text from bytes, a byte search, and string slicing that cannot panic.
//!
//! [`lossy`] is `String::from_utf8_lossy`, and [`utf8`] `String::from_utf8`, written on a small
//! validator ([`ill_formed`]): std's `from_utf8`, with its word-at-a-time fast path, and its
//! lossy decoder's chunk iterator weigh over a kilobyte of wasm, and the engine's text is short.
//!
//! `&s[i..]` checks that `i` falls on a character boundary and panics when it does not. Every
//! index used here comes from `find` of an ASCII byte, so the checks never fail; these helpers
//! return the empty string where one would, so no slicing panic path is compiled in.

/// The first ill-formed sequence of `b`: where it starts, and its length (its maximal subpart,
/// as std's `Utf8Error::error_len` gives it; `None` where the input ends inside a sequence that
/// was well formed so far). `None` if `b` is valid UTF-8.
fn ill_formed(b: &[u8]) -> Option<(usize, Option<usize>)> {
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            i += 1;
            continue;
        }
        // The sequence's length and the range of its second byte (later ones are 80..=BF).
        let (n, low, high) = match c {
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => return Some((i, Some(1))),
        };
        for k in 1..n {
            let Some(&x) = b.get(i + k) else { return Some((i, None)) };
            let (l, h) = if k == 1 { (low, high) } else { (0x80, 0xBF) };
            if x < l || x > h {
                return Some((i, Some(k)));
            }
        }
        i += n;
    }
    None
}

/// `bytes` as a `String` if they are valid UTF-8 (`String::from_utf8`).
#[allow(dead_code)] // the browser layer's; a core built alone (make core-floor) has no caller
pub(crate) fn utf8(bytes: Vec<u8>) -> Option<String> {
    match ill_formed(&bytes) {
        // SAFETY: `ill_formed` found no ill-formed sequence: the bytes are valid UTF-8.
        None => Some(unsafe { String::from_utf8_unchecked(bytes) }),
        Some(_) => None,
    }
}

/// Bytes the caller wrote as ASCII only (digits), as text, unchecked.
///
/// # Safety
/// Every byte must be ASCII.
pub(crate) unsafe fn ascii(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: the caller wrote ASCII only, which is valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

/// `bytes` as text, each ill-formed UTF-8 sequence replaced by U+FFFD, exactly as
/// `String::from_utf8_lossy` does.
pub(crate) fn lossy(mut bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    while let Some((valid, len)) = ill_formed(bytes) {
        out.extend_from_slice(bytes.get(..valid).unwrap_or_default());
        out.extend_from_slice("\u{FFFD}".as_bytes());
        bytes = bytes.get(valid + len.unwrap_or(bytes.len())..).unwrap_or_default();
    }
    out.extend_from_slice(bytes);
    // SAFETY: valid runs of the input and U+FFFD, each whole: valid UTF-8.
    unsafe { String::from_utf8_unchecked(out) }
}

/// Whether `test` holds for every byte of `bytes`: a loop, as `Iterator::all` was a function
/// of its own in the wasm for every test given to it.
pub(crate) fn all(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    for &b in bytes {
        if !test(b) {
            return false;
        }
    }
    true
}

/// Where `needle` (ASCII) first starts in `hay`: a byte scan, which costs the wasm far less
/// than `str::find` with a string pattern (its two-way searcher).
pub(crate) fn find_bytes(hay: &str, needle: &[u8]) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w == needle)
}

/// Whether `set` holds the byte `b`: a plain loop, as `<[u8]>::contains` would bring std's
/// word-at-a-time `memchr` into the wasm for lists a few bytes long.
#[allow(clippy::manual_contains)]
pub(crate) fn has(set: &[u8], b: u8) -> bool {
    for &x in set {
        if x == b {
            return true;
        }
    }
    false
}

// The searches below are index loops: `position` and `rposition` were each a function of
// their own in the wasm for every closure given to them.

/// Where the ASCII byte `b` first is in `s`.
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    let at = find_any(s, &[b]);
    (at < s.len()).then_some(at)
}

/// Where the ASCII byte `b` last is in `s`.
pub(crate) fn rfind_byte(s: &str, b: u8) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        if bytes[i] == b {
            return Some(i);
        }
    }
    None
}

/// Where any of the ASCII bytes `set` first is in `s`, else its length.
pub(crate) fn find_any(s: &str, set: &[u8]) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && !has(set, bytes[i]) {
        i += 1;
    }
    i
}

/// `s` split at the first ASCII byte `b`, which neither part keeps.
pub(crate) fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    find_byte(s, b).map(|i| (before(s, i), after(s, i + 1)))
}

/// The parts of `s` between the ASCII byte `b` (as `str::split` with a `char`): a byte scan,
/// without std's searchers.
pub(crate) fn split_byte(s: &str, b: u8) -> SplitByte<'_> {
    SplitByte { rest: Some(s), b }
}

/// See [`split_byte`].
pub(crate) struct SplitByte<'a> {
    rest: Option<&'a str>,
    b: u8,
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match split_once_byte(rest, self.b) {
            Some((part, tail)) => {
                self.rest = Some(tail);
                Some(part)
            }
            None => self.rest.take(),
        }
    }
}

/// `s` without the ASCII bytes of `set` at either end.
pub(crate) fn trim_bytes<'a>(s: &'a str, set: &[u8]) -> &'a str {
    let b = s.as_bytes();
    let (mut start, mut end) = (0, b.len());
    while start < end && has(set, b[start]) {
        start += 1;
    }
    while end > start && has(set, b[end - 1]) {
        end -= 1;
    }
    s.get(start..end).unwrap_or("")
}

/// `s` without ASCII whitespace (space, tab, LF, FF, CR) at either end. (`str::trim` also takes
/// Unicode spaces off, through the char decoder.)
pub(crate) fn trim_ascii(s: &str) -> &str {
    trim_bytes(s, b" \t\n\x0c\r")
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
    fn byte_searches_are_std_searches() {
        for s in ["", "a", ",", "a,b", ",a,,b,", "é,ü,", "x=1&y&=z"] {
            assert_eq!(split_byte(s, b',').collect::<Vec<_>>(), s.split(',').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(split_once_byte(s, b'='), s.split_once('='), "{s:?}");
            assert_eq!((find_byte(s, b','), rfind_byte(s, b',')), (s.find(','), s.rfind(',')), "{s:?}");
            assert_eq!(find_any(s, b"=&"), s.find(['=', '&']).unwrap_or(s.len()), "{s:?}");
        }
        for s in ["", "  ", " a b \t\n", "\u{a0}x\u{a0}", "é "] {
            assert_eq!(trim_ascii(s), s.trim_matches(|c: char| c.is_ascii_whitespace()), "{s:?}");
        }
    }

    #[test]
    fn utf8_and_ascii_take_what_std_takes() {
        assert_eq!(utf8("h\u{e9}llo".as_bytes().to_vec()).as_deref(), Some("h\u{e9}llo"));
        assert_eq!(utf8(b"a\xffb".to_vec()), None);
        assert_eq!(utf8(b"\xe2\x82".to_vec()), None);
        // SAFETY: ASCII.
        assert_eq!(unsafe { ascii(b"0123") }, "0123");
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
            prop_assert_eq!(super::utf8(bytes.clone()), String::from_utf8(bytes).ok());
        }

        /// Mostly well-formed input, where the edge cases of the sequence table are.
        #[test]
        fn lossy_is_from_utf8_lossy_near_valid(text in "\\PC{0,16}", cut in 0usize..64, byte in any::<u8>()) {
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let at = cut % bytes.len();
                bytes[at] = byte;
            }
            prop_assert_eq!(super::lossy(&bytes), String::from_utf8_lossy(&bytes));
            prop_assert_eq!(super::utf8(bytes.clone()), String::from_utf8(bytes).ok());
        }
    }
}
