//! Span contexts from JS values: a `SpanContextInfo` of `extract()` or another SDK, whose fields
//! `api.js` reads into the scratch buffer. The W3C rules themselves are the core's.

use super::scratch;
use crate::core::ids::{SpanId, TraceId};
use crate::core::propagation::TraceState;
use crate::core::span_context::{SpanContext, TraceFlags};

/// `pt_context` (see wasm/src/lib.rs): the trace ID, span ID and trace state of the given
/// lengths in the scratch buffer, with `flags` (a `traceFlags` number, used where it is one from
/// 0 to 255, every flag kept, the Level 2 random one too), else `sampled`. Writes the context
/// where a parent is read and returns 1, or 0 when an ID is not valid.
pub fn put_context(lengths: [u32; 3], flags: f64, sampled: bool, remote: bool) -> u32 {
    let mut t = scratch::texts();
    let (trace, span, state) = (t.next(lengths[0]), t.next(lengths[1]), t.next(lengths[2]));
    let (Some(trace_id), Some(span_id)) = (TraceId::from_hex(&trace), SpanId::from_hex(&span)) else { return 0 };
    let flags = if (0.0..=255.0).contains(&flags) {
        TraceFlags::from_wire(flags as u8)
    } else {
        TraceFlags::NONE.with_sampled(sampled)
    };
    let mut cx = SpanContext::new(trace_id, span_id, flags, remote);
    cx.trace_state = TraceState::parse(&state).unwrap_or_default();
    scratch::write_context(&cx);
    1
}
