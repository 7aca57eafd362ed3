//! The page load as part of the server's trace: a `<meta name="traceparent">` rendered by the
//! server (which `page.js` reads) makes a `documentLoad` span, from navigation start to `load`,
//! its child; requests made meanwhile are children of the page load.

use super::runtime::Runtime;
use super::scratch;
use crate::core::context::ParentRule;
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;

/// `pt_page_load` (see wasm/src/lib.rs): the page's `traceparent` and `tracestate` (length 0:
/// none) in the scratch buffer. Starts the page-load span and returns 1, or 0 where the
/// `traceparent` is not valid.
pub fn begin(traceparent_len: u32, tracestate_len: u32) -> u32 {
    let Some(rt) = Runtime::installed() else { return 0 };
    let mut t = scratch::texts();
    let (traceparent, tracestate) = (t.next(traceparent_len), t.next(tracestate_len));
    let tracestate = (tracestate_len > 0).then_some(tracestate.as_str());
    let Some(parent) = SpanContext::from_headers(&traceparent, tracestate) else { return 0 };
    let url = rt.http().redact(&scratch::page_fact(crate::core::layout::FACT_HREF).unwrap_or_default());
    // The span began at navigation start (page time 0), not when init ran.
    let (cx, handle) = rt.start_child(
        "documentLoad",
        SpanKind::Internal,
        ParentRule::Given,
        Some(parent),
        vec![("url.full", url.into())],
        0.0,
    );
    let action = rt.open_background_action(cx);
    rt.set_page_load(action, handle);
    1
}

/// The page loaded: its span ends, and requests are no longer its children.
pub(crate) fn loaded(rt: &Runtime) {
    let Some((action, handle)) = rt.take_page_load() else { return };
    rt.close_action(action);
    if let Some(h) = handle {
        let now = rt.now_ns();
        rt.end_span_ns(h, now);
    }
}
