//! What identifies a span to other spans and to other services.

use super::ids::{SpanId, TraceId};
use super::propagation::TraceState;

/// W3C trace flags. Only the bits this implementation understands are kept.
///
/// ```
/// use playtrace::core::span_context::TraceFlags;
/// let f = TraceFlags::SAMPLED.with(TraceFlags::RANDOM);
/// assert!(f.is_sampled() && f.is_random());
/// assert_eq!(f.bits(), 0x03);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TraceFlags(u8);

impl TraceFlags {
    /// No flags: not sampled, trace ID not known to be random.
    pub const NONE: Self = Self(0);
    /// The caller may have recorded and exported its span.
    pub const SAMPLED: Self = Self(0x01);
    /// Level 2: the rightmost 56 bits of the trace ID are random.
    pub const RANDOM: Self = Self(0x02);

    /// Keeps the known bits of a flags byte read from the wire.
    pub fn from_wire(bits: u8) -> Self {
        Self(bits & 0x03)
    }

    /// The flags byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Both sets of flags.
    #[must_use]
    pub fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// These flags with the sampled bit set as given.
    #[must_use]
    #[inline]
    pub fn with_sampled(self, sampled: bool) -> Self {
        Self(if sampled { self.0 | 0x01 } else { self.0 & !0x01 })
    }

    /// Whether the sampled bit is set.
    #[inline]
    pub fn is_sampled(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// Whether the Level 2 random bit is set.
    pub fn is_random(self) -> bool {
        self.0 & 0x02 != 0
    }
}

/// The propagated part of a span: IDs, flags and vendor trace state.
///
/// ```
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::span_context::{SpanContext, TraceFlags};
/// let mut ids = IdGenerator::from_seed(1);
/// let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
/// assert!(cx.to_traceparent().ends_with("-01"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanContext {
    /// The trace.
    pub trace_id: TraceId,
    /// The span.
    pub span_id: SpanId,
    /// Sampled and random flags.
    pub flags: TraceFlags,
    /// Vendor state carried along with the trace.
    pub trace_state: TraceState,
    /// Whether this context came from another process (extracted from a carrier).
    pub is_remote: bool,
}

impl SpanContext {
    /// A context with empty trace state.
    #[inline]
    pub fn new(trace_id: TraceId, span_id: SpanId, flags: TraceFlags, is_remote: bool) -> Self {
        Self { trace_id, span_id, flags, trace_state: TraceState::default(), is_remote }
    }

    /// Reads `traceparent` and `tracestate` values as a receiver would. An invalid
    /// `traceparent` gives `None` (start a new trace); an invalid `tracestate` is dropped and
    /// the `traceparent` still used, as the specification says.
    pub fn from_headers(traceparent: &str, tracestate: Option<&str>) -> Option<Self> {
        let tp = super::propagation::TraceParent::parse(traceparent)?;
        let trace_state = tracestate.and_then(|ts| TraceState::parse(ts).ok()).unwrap_or_default();
        Some(Self { trace_id: tp.trace_id, span_id: tp.parent_id, flags: tp.flags, trace_state, is_remote: true })
    }

    /// The `traceparent` value that makes this span the parent of the receiver's spans.
    pub fn to_traceparent(&self) -> String {
        super::propagation::TraceParent { trace_id: self.trace_id, parent_id: self.span_id, flags: self.flags }
            .to_header()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_tracestate_does_not_invalidate_traceparent() {
        let cx =
            SpanContext::from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Some("a=1,Bad=2"))
                .unwrap();
        assert!(cx.trace_state.is_empty());
        // A repeated key is no reason to drop the list: the first entry stays, and the rest.
        let cx = SpanContext::from_headers(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some("foo=1,foo=2,bar=3"),
        )
        .unwrap();
        assert_eq!(cx.trace_state.header_value(), "foo=1,bar=3");
        assert!(cx.is_remote);
        let cx =
            SpanContext::from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Some("a=1")).unwrap();
        assert_eq!(cx.trace_state.get("a"), Some("1"));
        assert!(SpanContext::from_headers("garbage", Some("a=1")).is_none());
    }

    #[test]
    fn flags_helpers() {
        assert!(!TraceFlags::from_wire(0xfe).is_sampled());
        assert!(TraceFlags::from_wire(0xfe).is_random());
        assert_eq!(TraceFlags::SAMPLED.with_sampled(false), TraceFlags::NONE);
    }
}
