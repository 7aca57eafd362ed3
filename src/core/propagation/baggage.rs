//! The W3C Baggage header: application key/values that travel with a request.

use crate::core::hex::lower_digit;
use crate::core::text::{all, split_byte, split_once_byte};

/// At most this many list-members are propagated.
pub const MAX_MEMBERS: usize = 64;
/// At most this many bytes of baggage-string are propagated.
pub const MAX_BYTES: usize = 8192;

/// One list-member: a key, its decoded value and its properties (keys with optional values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaggageEntry {
    /// An RFC 7230 token.
    pub key: String,
    /// The value with percent-encoding removed.
    pub value: String,
    /// Properties, in order; a property value is decoded like an entry value.
    pub properties: Vec<(String, Option<String>)>,
}

/// A baggage set, in header order.
///
/// ```
/// use playtrace::core::propagation::Baggage;
/// let b = Baggage::parse("userId=alice, level=world%201;secret, bad key=1");
/// assert_eq!(b.get("level"), Some("world 1"));
/// assert_eq!(b.get("bad key"), None); // an invalid member is skipped, the rest kept
/// assert_eq!(b.header_value(), "userId=alice,level=world%201;secret");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baggage {
    entries: Vec<BaggageEntry>,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || crate::core::text::has(b"!#$%&'*+-.^_`|~", c)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && all(s.as_bytes(), is_tchar)
}

/// `baggage-octet`: printable ASCII except `"`, `,`, `;` and `\`.
fn is_baggage_octet(c: u8) -> bool {
    matches!(c, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Decodes `%XX` sequences; byte sequences that are not UTF-8 become U+FFFD, as the
/// specification requires. `None` if the raw value has characters outside `baggage-octet`.
fn decode_value(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    if !all(b, is_baggage_octet) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = lower_digit(b[i + 1].to_ascii_lowercase());
            let lo = lower_digit(b[i + 2].to_ascii_lowercase());
            if let (Some(h), Some(l)) = (hi, lo) {
                out.push((h << 4) | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Some(super::super::text::lossy(&out))
}

/// Percent-encodes every byte outside `baggage-octet`, `%` itself, and `+`: a valid octet, but
/// form-style decoders (the OpenTelemetry Python SDK's among them) read it as a space.
fn encode_value(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in value.as_bytes() {
        if is_baggage_octet(c) && c != b'%' && c != b'+' {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(c >> 4)] as char);
            out.push(HEX[usize::from(c & 15)] as char);
        }
    }
}

fn parse_member(member: &str) -> Option<BaggageEntry> {
    let mut parts = split_byte(member, b';');
    let (key, value) = split_once_byte(parts.next()?, b'=')?;
    let key = super::trim_ows(key);
    if !is_token(key) {
        return None;
    }
    let value = decode_value(super::trim_ows(value))?;
    let mut properties = Vec::new();
    for prop in parts {
        let prop = super::trim_ows(prop);
        match split_once_byte(prop, b'=') {
            Some((k, v)) => {
                let k = super::trim_ows(k);
                if !is_token(k) {
                    return None;
                }
                properties.push((k.to_owned(), Some(decode_value(super::trim_ows(v))?)));
            }
            None if is_token(prop) => properties.push((prop.to_owned(), None)),
            None => return None,
        }
    }
    Some(BaggageEntry { key: key.to_owned(), value, properties })
}

/// One list-member as the header carries it: `key=value;property=value`, values encoded.
fn write_member(e: &BaggageEntry, member: &mut String) {
    member.push_str(&e.key);
    member.push('=');
    encode_value(&e.value, member);
    for (k, v) in &e.properties {
        member.push(';');
        member.push_str(k);
        if let Some(v) = v {
            member.push('=');
            encode_value(v, member);
        }
    }
}

impl Baggage {
    /// Parses a header value (several `baggage` headers must be joined with `,` first).
    /// Invalid list-members are skipped; members beyond 64, or beyond 8192 bytes of header,
    /// are dropped.
    pub fn parse(header: &str) -> Self {
        let mut baggage = Self::default();
        let mut bytes = 0usize;
        for member in split_byte(header, b',') {
            let member = super::trim_ows(member);
            if member.is_empty() {
                continue;
            }
            if baggage.entries.len() == MAX_MEMBERS {
                break;
            }
            let Some(entry) = parse_member(member) else { continue };
            let cost = member.len() + usize::from(bytes > 0);
            if bytes + cost > MAX_BYTES {
                break;
            }
            bytes += cost;
            baggage.remove(&entry.key);
            baggage.entries.push(entry);
        }
        baggage
    }

    /// The decoded value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.key == key).map(|e| e.value.as_str())
    }

    /// All entries, in order.
    pub fn entries(&self) -> &[BaggageEntry] {
        &self.entries
    }

    /// Sets `key` to `value` (replacing an earlier entry). Returns false, changing nothing, if
    /// `key` is not an RFC 7230 token or the entry would take the baggage past the W3C limits
    /// (64 members, 8192 bytes of header): what is set is always sent whole.
    ///
    /// ```
    /// use playtrace::core::propagation::Baggage;
    /// let mut b = Baggage::default();
    /// assert!(b.set("player", "p1"));
    /// assert!(!b.set("huge", &"x".repeat(9000)), "past 8192 bytes");
    /// assert_eq!(b.header_value(), "player=p1");
    /// ```
    pub fn set(&mut self, key: &str, value: &str) -> bool {
        if !is_token(key) {
            return false;
        }
        let at = self.entries.iter().position(|e| e.key == key);
        let old = at.map(|i| self.entries.remove(i));
        self.entries.push(BaggageEntry { key: key.to_owned(), value: value.to_owned(), properties: Vec::new() });
        if self.entries.len() <= MAX_MEMBERS && self.encoded_len() <= MAX_BYTES {
            return true;
        }
        self.entries.pop();
        if let (Some(i), Some(e)) = (at, old) {
            self.entries.insert(i, e);
        }
        false
    }

    /// Bytes of the header value with every member in it.
    fn encoded_len(&self) -> usize {
        let mut member = String::new();
        let mut len = 0;
        for e in &self.entries {
            member.clear();
            write_member(e, &mut member);
            len += member.len() + usize::from(len > 0);
        }
        len
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let mut found = false;
        // Vec::remove, as `set` uses it: one way of removing entries in the wasm.
        while let Some(i) = self.entries.iter().position(|e| e.key == key) {
            self.entries.remove(i);
            found = true;
        }
        found
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The header value: values percent-encoded, at most 64 members and 8192 bytes (members
    /// that would not fit are left out whole).
    pub fn header_value(&self) -> String {
        let mut out = String::new();
        let mut member = String::new();
        for (count, e) in self.entries.iter().enumerate() {
            if count == MAX_MEMBERS {
                break;
            }
            member.clear();
            write_member(e, &mut member);
            let sep = usize::from(!out.is_empty());
            if out.len() + sep + member.len() > MAX_BYTES {
                continue;
            }
            if sep == 1 {
                out.push(',');
            }
            out.push_str(&member);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let b =
            Baggage::parse("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue");
        assert_eq!(b.get("key1"), Some("value1"));
        assert_eq!(b.get("key2"), Some("value2"));
        assert_eq!(b.entries()[0].properties, vec![("property1".into(), None), ("property2".into(), None)]);
        assert_eq!(b.entries()[2].properties, vec![("propertyKey".into(), Some("propertyValue".into()))]);
        let b = Baggage::parse("userId=sergey,serverNode=DF%2028,isProduction=false");
        assert_eq!(b.get("serverNode"), Some("DF 28"));
    }

    #[test]
    fn percent_encoding_round_trips_unicode_and_reserved() {
        let mut b = Baggage::default();
        assert!(b.set("k", "héllo, wörld; 100% \"q\" \\ 🎮"));
        let h = b.header_value();
        assert!(h.bytes().all(|c| c == b'=' || is_baggage_octet(c)), "{h}");
        assert_eq!(Baggage::parse(&h).get("k"), Some("héllo, wörld; 100% \"q\" \\ 🎮"));
    }

    #[test]
    fn plus_is_percent_encoded_so_form_decoders_keep_it() {
        let mut b = Baggage::default();
        assert!(b.set("score", "1+1=2 a+b"));
        assert_eq!(b.header_value(), "score=1%2B1=2%20a%2Bb");
        assert_eq!(Baggage::parse(&b.header_value()).get("score"), Some("1+1=2 a+b"));
    }

    #[test]
    fn invalid_utf8_becomes_replacement_character() {
        assert_eq!(Baggage::parse("k=a%FFb").get("k"), Some("a\u{fffd}b"));
        // A stray % that does not start an escape is kept literally.
        assert_eq!(Baggage::parse("k=100%").get("k"), Some("100%"));
        assert_eq!(Baggage::parse("k=%zz").get("k"), Some("%zz"));
    }

    #[test]
    fn invalid_members_are_skipped() {
        let b = Baggage::parse("good=1,no-equals,bad key=2,k=\"quoted\",k2=a\\b,ok=2;bad prop=x,fine=3");
        assert_eq!(b.header_value(), "good=1,fine=3");
        assert!(!Baggage::default().clone().set("bad key", "x"));
    }

    #[test]
    fn limits_64_members_and_8192_bytes() {
        let many: Vec<String> = (0..100).map(|i| format!("k{i}=v")).collect();
        let b = Baggage::parse(&many.join(","));
        assert_eq!(b.entries().len(), MAX_MEMBERS);
        assert_eq!(b.get("k63"), Some("v"));
        assert_eq!(b.get("k64"), None);
        let big: Vec<String> = (0..10).map(|i| format!("k{i}={}", "x".repeat(1000))).collect();
        let b = Baggage::parse(&big.join(","));
        assert!(b.header_value().len() <= MAX_BYTES);
        assert_eq!(b.entries().len(), 8);
        let mut b = Baggage::default();
        for i in 0..70 {
            b.set(&format!("k{i}"), "v");
        }
        assert_eq!(b.header_value().split(',').count(), MAX_MEMBERS);
        let mut b = Baggage::default();
        for i in 0..3 {
            b.set(&format!("k{i}"), &"é".repeat(1000)); // 6000 bytes encoded each
        }
        let h = b.header_value();
        assert!(h.len() <= MAX_BYTES && h.starts_with("k0="));
    }

    #[test]
    fn later_duplicate_replaces_earlier() {
        assert_eq!(Baggage::parse("a=1,a=2").header_value(), "a=2");
    }
}
