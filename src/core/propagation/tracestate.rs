//! The `tracestate` header of W3C Trace Context Level 2.

use core::fmt;

use crate::core::text::{all, split_byte, split_once_byte};

/// At most this many list-members in one `tracestate`.
pub const MAX_MEMBERS: usize = 32;
/// Vendors must propagate at least this many characters; longer headers are truncated to it.
pub const MAX_HEADER_LEN: usize = 512;
/// Entries longer than this are the first to go when a header must be truncated.
const LARGE_ENTRY_LEN: usize = 128;

/// Why a `tracestate` or one of its members was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceStateError {
    /// A key outside the Level 2 key grammar.
    InvalidKey,
    /// A value outside the value grammar (printable ASCII, no `,` or `=`, no trailing space).
    InvalidValue,
    /// A list-member with no `=`.
    MissingEquals,
    /// More than 32 list-members.
    TooManyMembers,
}

impl fmt::Display for TraceStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidKey => "invalid tracestate key",
            Self::InvalidValue => "invalid tracestate value",
            Self::MissingEquals => "tracestate list-member without '='",
            Self::TooManyMembers => "more than 32 tracestate list-members",
        })
    }
}

/// Vendor-specific trace state, ordered: the leftmost entry is the most recently changed.
///
/// ```
/// use playtrace::core::propagation::TraceState;
/// let mut ts = TraceState::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").unwrap();
/// ts.insert("congo", "ucfJifl5GOE").unwrap();
/// assert_eq!(ts.header_value(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
/// // A header the grammar forbids is discarded whole.
/// assert!(TraceState::parse("Rojo=1").is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceState {
    entries: Vec<(String, String)>,
}

/// Level 2: `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`,
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
pub fn is_valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 256 {
        return false;
    }
    let lc_or_digit = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    lc_or_digit(b[0]) && all(&b[1..], |c| lc_or_digit(c) || matches!(c, b'_' | b'-' | b'*' | b'/' | b'@'))
}

/// `value = 0*255(chr) nblk-chr`: 1 to 256 printable ASCII characters other than `,` and `=`,
/// the last of which is not a space.
pub fn is_valid_value(value: &str) -> bool {
    let b = value.as_bytes();
    let nblk = |c: u8| (0x21..=0x7e).contains(&c) && c != b',' && c != b'=';
    match b.split_last() {
        Some((&last, rest)) => b.len() <= 256 && nblk(last) && all(rest, |c| c == b' ' || nblk(c)),
        None => false,
    }
}

impl TraceState {
    /// Parses a header value (several `tracestate` headers must be joined with `,` first).
    /// Empty and whitespace-only members are allowed. A key repeated later in the list keeps its
    /// first (leftmost, most recent) entry: the list is still well-formed, so only the repeat
    /// is dropped. Any invalid member or more than 32 members make the whole header invalid,
    /// and the caller then propagates none.
    pub fn parse(header: &str) -> Result<Self, TraceStateError> {
        let mut entries: Vec<(String, String)> = Vec::new();
        for member in split_byte(header, b',') {
            let member = super::trim_ows(member);
            if member.is_empty() {
                continue;
            }
            let (key, value) = split_once_byte(member, b'=').ok_or(TraceStateError::MissingEquals)?;
            if !is_valid_key(key) {
                return Err(TraceStateError::InvalidKey);
            }
            if !is_valid_value(value) {
                return Err(TraceStateError::InvalidValue);
            }
            if entries.iter().any(|(k, _)| k == key) {
                continue;
            }
            if entries.len() == MAX_MEMBERS {
                return Err(TraceStateError::TooManyMembers);
            }
            entries.push((key.to_owned(), value.to_owned()));
        }
        Ok(Self { entries })
    }

    /// The value for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Adds or updates `key`. The entry moves to the left, as the specification requires of a
    /// modified key; if that makes 33 entries, the rightmost one is removed.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), TraceStateError> {
        if !is_valid_key(key) {
            return Err(TraceStateError::InvalidKey);
        }
        if !is_valid_value(value) {
            return Err(TraceStateError::InvalidValue);
        }
        self.remove(key);
        self.entries.insert(0, (key.to_owned(), value.to_owned()));
        self.entries.truncate(MAX_MEMBERS);
        Ok(())
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| k != key);
        before != self.entries.len()
    }

    /// Whether there are no entries (an empty `tracestate` should not be sent).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, leftmost first.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The header value, at most 512 characters. When the entries do not fit, whole entries
    /// are removed: first those longer than 128 characters, largest first, then from the right.
    pub fn header_value(&self) -> String {
        // The entries kept, as bits: there are at most 32 (MAX_MEMBERS).
        let n = self.entries.len().min(MAX_MEMBERS);
        let len = |i: usize| self.entries[i].0.len() + 1 + self.entries[i].1.len();
        let mut kept: u64 = (1 << n) - 1;
        loop {
            let (mut total, mut largest, mut max) = (0, None, LARGE_ENTRY_LEN);
            for i in (0..n).filter(|i| kept >> i & 1 == 1) {
                total += len(i) + usize::from(total > 0);
                if len(i) > max {
                    (largest, max) = (Some(i), len(i)); // the first of equals
                }
            }
            if total <= MAX_HEADER_LEN {
                break;
            }
            // The largest of those over 128 characters, else the rightmost.
            let i = largest.unwrap_or(63 - kept.leading_zeros() as usize);
            kept &= !(1 << i);
        }
        let mut out = String::new();
        for (i, (k, v)) in self.entries.iter().enumerate().take(n) {
            if kept >> i & 1 == 1 {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(k);
                out.push('=');
                out.push_str(v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let ts = TraceState::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").unwrap();
        assert_eq!(ts.get("rojo"), Some("00f067aa0ba902b7"));
        assert_eq!(ts.get("congo"), Some("t61rcWkgMzE"));
        let mt = TraceState::parse("fw529a3039@dt=WzE5LDE2MDAwXQ,x=1").unwrap();
        assert_eq!(mt.get("fw529a3039@dt"), Some("WzE5LDE2MDAwXQ"));
    }

    #[test]
    fn empty_and_whitespace_members_are_allowed() {
        assert!(TraceState::parse("").unwrap().is_empty());
        let ts = TraceState::parse(" , a=1 ,\t,b=2,, ").unwrap();
        assert_eq!(ts.header_value(), "a=1,b=2");
    }

    #[test]
    fn key_grammar_level2() {
        for k in ["a", "0abc", "a_b-c*d/e@f", "1@2", &"a".repeat(256)] {
            assert!(is_valid_key(k), "{k}");
        }
        for k in ["", "A", "aB", "_a", "@a", "a.b", "a b", "a=b", &"a".repeat(257), "é"] {
            assert!(!is_valid_key(k), "{k}");
        }
    }

    #[test]
    fn value_grammar() {
        for v in ["x", "a b", " x", "!~", &"v".repeat(256)] {
            assert!(is_valid_value(v), "{v:?}");
        }
        for v in ["", "x ", "a,b", "a=b", "\u{7f}", "é", "\t", &"v".repeat(257)] {
            assert!(!is_valid_value(v), "{v:?}");
        }
    }

    #[test]
    fn invalid_headers_are_discarded_whole() {
        assert_eq!(TraceState::parse("a=1,Bad=2"), Err(TraceStateError::InvalidKey));
        assert_eq!(TraceState::parse("a=1,b"), Err(TraceStateError::MissingEquals));
        assert_eq!(TraceState::parse("a=1,b=x,"), Ok(TraceState::parse("a=1,b=x").unwrap()));
        assert_eq!(TraceState::parse("a=1,b=x,y"), Err(TraceStateError::MissingEquals));
        assert_eq!(TraceState::parse("a=1,b=x\u{1}"), Err(TraceStateError::InvalidValue));
        assert_eq!(TraceState::parse("a=1,b=é"), Err(TraceStateError::InvalidValue));
        assert_eq!(TraceState::parse("a="), Err(TraceStateError::InvalidValue));
        let too_many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        assert_eq!(TraceState::parse(&too_many.join(",")), Err(TraceStateError::TooManyMembers));
        assert!(TraceState::parse(&too_many[..32].join(",")).is_ok());
    }

    #[test]
    fn a_repeated_key_keeps_its_first_entry_and_the_rest_of_the_list() {
        let ts = TraceState::parse("foo=1,foo=2,bar=3").unwrap();
        assert_eq!(ts.header_value(), "foo=1,bar=3");
        assert_eq!(ts.get("foo"), Some("1"));
        // Repeats do not count towards the 32 members.
        let mut members: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
        members.push("k0=again".to_owned());
        assert_eq!(TraceState::parse(&members.join(",")).unwrap().get("k0"), Some("v"));
    }

    #[test]
    fn modified_key_moves_left_and_33rd_falls_off_the_right() {
        let mut ts = TraceState::parse("a=1,b=2,c=3").unwrap();
        ts.insert("b", "9").unwrap();
        assert_eq!(ts.header_value(), "b=9,a=1,c=3");
        ts.insert("new", "x").unwrap();
        assert_eq!(ts.header_value(), "new=x,b=9,a=1,c=3");
        assert_eq!(ts.insert("BAD", "x"), Err(TraceStateError::InvalidKey));
        assert_eq!(ts.insert("ok", "x,"), Err(TraceStateError::InvalidValue));
        let full: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
        let mut ts = TraceState::parse(&full.join(",")).unwrap();
        ts.insert("z", "1").unwrap();
        assert_eq!(ts.entries().count(), 32);
        assert_eq!(ts.entries().next(), Some(("z", "1")));
        assert!(ts.get("k31").is_none());
        assert!(ts.remove("z") && !ts.remove("z"));
    }

    #[test]
    fn truncation_drops_large_entries_first_then_from_the_right() {
        let big1 = format!("big1={}", "x".repeat(200));
        let big2 = format!("big2={}", "y".repeat(150));
        let smalls: Vec<String> = (0..20).map(|i| format!("s{i:02}=0123456789")).collect();
        let header = format!("{},{},{}", smalls[..10].join(","), big1, big2) + "," + &smalls[10..].join(",");
        let ts = TraceState::parse(&header).unwrap();
        let out = ts.header_value();
        assert!(out.len() <= MAX_HEADER_LEN, "{}", out.len());
        // 20 small entries (14 chars each, 299 with commas) + big2 (155) = 455 fit; big1 goes.
        assert!(!out.contains("big1"));
        assert!(out.contains("big2"));
        assert!(out.contains("s19=0123456789"));
        let many: Vec<String> = (0..32).map(|i| format!("k{i:02}={}", "v".repeat(20))).collect();
        let out = TraceState::parse(&many.join(",")).unwrap().header_value();
        assert!(out.len() <= MAX_HEADER_LEN);
        assert!(out.starts_with("k00="));
        assert!(!out.contains("k31="));
        // Nothing is cut inside an entry.
        assert!(out.split(',').all(|e| e.len() == 24));
    }
}
