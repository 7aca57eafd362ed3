//! W3C propagation formats: Trace Context Level 2 (`traceparent`, `tracestate`) and Baggage.
//!
//! Everything here follows the same rule: input that breaks the specification is ignored the
//! way the specification says, and no input, however long or strange, makes a parser panic.

pub mod baggage;
pub mod traceparent;
pub mod tracestate;

pub use baggage::{Baggage, BaggageEntry};
pub use traceparent::TraceParent;
pub use tracestate::{TraceState, TraceStateError};

/// Optional whitespace (`OWS` in RFC 7230): spaces and horizontal tabs.
pub(crate) fn trim_ows(s: &str) -> &str {
    crate::core::text::trim_bytes(s, b" \t")
}
