//! The `traceparent` header of W3C Trace Context Level 2.

use crate::core::hex::lower_digit;
use crate::core::ids::{SpanId, TraceId};
use crate::core::span_context::TraceFlags;

/// A parsed `traceparent`: the caller's trace, the caller's span and its flags.
///
/// ```
/// use playtrace::core::propagation::TraceParent;
/// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
/// assert!(tp.flags.is_sampled());
/// assert_eq!(tp.to_header(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// // Uppercase, the reserved version ff and trailing data on version 00 are all invalid.
/// assert!(TraceParent::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01").is_none());
/// assert!(TraceParent::parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_none());
/// assert!(TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    /// The trace this request belongs to.
    pub trace_id: TraceId,
    /// The span of the caller, which becomes the parent of the receiver's spans.
    pub parent_id: SpanId,
    /// The flags this implementation understands (sampled, random); unknown bits are dropped
    /// because their meaning for a version we do not know is unknown.
    pub flags: TraceFlags,
}

/// Length of a version-00 `traceparent`.
const V00_LEN: usize = 55;

fn hex_byte(pair: &[u8]) -> Option<u8> {
    Some((lower_digit(pair[0])? << 4) | lower_digit(pair[1])?)
}

impl TraceParent {
    /// Parses a header value; `None` means "ignore it and start a new trace", as the
    /// specification prescribes for every invalid form.
    ///
    /// Versions above 00 are parsed as Level 2 says: the version-00 fields are read from the
    /// start, and the rest is accepted only when it begins with a dash.
    pub fn parse(header: &str) -> Option<Self> {
        let h = super::trim_ows(header).as_bytes();
        if h.len() < V00_LEN {
            return None;
        }
        let version = hex_byte(&h[0..2])?;
        if version == 0xff || h[2] != b'-' || h[35] != b'-' || h[52] != b'-' {
            return None;
        }
        if version == 0 {
            if h.len() != V00_LEN {
                return None;
            }
        } else if h.len() > V00_LEN && h[V00_LEN] != b'-' {
            return None;
        }
        let trace_id = TraceId::from_hex_bytes(&h[3..35])?;
        let parent_id = SpanId::from_hex_bytes(&h[36..52])?;
        let flags = TraceFlags::from_wire(hex_byte(&h[53..55])?);
        Some(Self { trace_id, parent_id, flags })
    }

    /// Formats as version 00, the only version this implementation sends.
    pub fn to_header(&self) -> String {
        let mut out = String::with_capacity(V00_LEN);
        out.push_str("00-");
        self.trace_id.write_hex(&mut out);
        out.push('-');
        self.parent_id.write_hex(&mut out);
        out.push('-');
        crate::core::hex::encode_lower(&[self.flags.bits()], &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn spec_example_round_trips() {
        let tp = TraceParent::parse(TP).unwrap();
        assert_eq!(tp.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(tp.parent_id.to_string(), "00f067aa0ba902b7");
        assert!(tp.flags.is_sampled());
        assert!(!tp.flags.is_random());
        assert_eq!(tp.to_header(), TP);
        let unsampled = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap();
        assert!(!unsampled.flags.is_sampled());
    }

    #[test]
    fn level2_random_flag() {
        let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03").unwrap();
        assert!(tp.flags.is_sampled() && tp.flags.is_random());
        assert!(tp.to_header().ends_with("-03"));
        // Unknown flag bits are not forwarded.
        let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff").unwrap();
        assert!(tp.to_header().ends_with("-03"));
    }

    #[test]
    fn whitespace_around_the_value_is_optional_whitespace() {
        assert!(TraceParent::parse(&format!(" {TP}\t")).is_some());
    }

    #[test]
    fn future_versions_are_parsed_by_the_version_00_layout() {
        let v = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert!(TraceParent::parse(v).is_some());
        let tp = TraceParent::parse(&format!("{v}-what-the-future-holds")).unwrap();
        assert!(tp.flags.is_sampled());
        // Once parsed, we send version 00.
        assert!(tp.to_header().starts_with("00-"));
        // After the flags, a future version needs a dash or the end.
        assert!(TraceParent::parse(&format!("{v}x")).is_none());
        assert!(TraceParent::parse(&format!("{v}.x")).is_none());
        // Shorter than version 00 is never valid.
        assert!(TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0").is_none());
    }

    #[test]
    fn invalid_forms_are_ignored() {
        let bad = [
            "",
            "00",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
            "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
            "00-4bf92f3577b34da6a3ce929d0e0e47é-00f067aa0ba902b7-01",
            "0-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-xbf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ];
        for b in bad {
            assert!(TraceParent::parse(b).is_none(), "accepted {b:?}");
        }
    }
}
