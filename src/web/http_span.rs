//! The client span of an HTTP request, shared by the `fetch` and XHR wrappers: started when the
//! request is made, with the trace headers it may carry, and ended with its outcome and, where
//! the browser reports them, its Resource Timing phases. The JS wrappers (`http.js`) call it
//! through the `pt_http_*` exports, with numbers and scratch strings.

use super::clock;
use super::runtime::Runtime;
use super::scratch;
use crate::core::context::ParentRule;
use crate::core::diagnostics::Decision;
use crate::core::http::{
    failure, fetch_normalized_method, record_outcome, timing_events, url_parts, HttpOutcome, HttpRequest,
    ResourceTiming,
};
use crate::core::layout::{HTTP_BEFORE_READY, HTTP_CALLER_TRACEPARENT, HTTP_IGNORE_MATCHED, HTTP_PROPAGATE_MATCHED};
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;
use crate::core::tracer::SpanHandle;

/// A client span that has started, and the trace headers its request may carry.
struct ClientSpan {
    handle: Option<SpanHandle>,
    headers: Option<Vec<(&'static str, String)>>,
}

/// Starts the client span for a request to the absolute `href`, at `start_ms` (NaN: now):
/// `None` when it is not traced (ignored, not http(s), tracer shut down). `explicit`: a parent
/// given on the call (`Some(None)` for none); otherwise the implicit one. `flags`:
/// `core::layout::HTTP_*`; with `HTTP_CALLER_TRACEPARENT` or `HTTP_BEFORE_READY` the caller set
/// its own header (or the request has gone already), so none is decided here.
fn start(
    rt: &Runtime,
    href: &str,
    method: &str,
    explicit: Option<Option<SpanContext>>,
    flags: u32,
    start_ms: f64,
) -> Option<ClientSpan> {
    let parts = url_parts(href)?;
    let http = rt.http();
    if rt.is_shut_down() || http.is_ignored(href, flags & HTTP_IGNORE_MATCHED != 0) {
        return None;
    }
    let request = HttpRequest {
        method: fetch_normalized_method(method),
        url_full: http.redact(href),
        server_address: parts.host.to_owned(),
        server_port: parts.port,
    };
    let (rule, given) = match explicit {
        Some(Some(cx)) => (ParentRule::Given, Some(cx)),
        Some(None) => (ParentRule::Root, None),
        None => (rt.request_rule(start_ms)?, None),
    };
    let (context, handle) =
        rt.start_child(request.span_name(), SpanKind::Client, rule, given, request.attributes(), start_ms);
    let caller_traceparent = flags & (HTTP_CALLER_TRACEPARENT | HTTP_BEFORE_READY) != 0;
    let propagate =
        !caller_traceparent && http.should_propagate(href, &parts.origin, flags & HTTP_PROPAGATE_MATCHED != 0);
    if !caller_traceparent && !propagate {
        rt.debug(Decision::NotPropagated, || String::from(&*parts.origin));
    }
    Some(ClientSpan { handle, headers: propagate.then(|| rt.trace_headers(&context)) })
}

/// Records how the request ended, at `end_ms` (NaN: now). A response waits for its Resource
/// Timing ([`settle`]); a failure or an abort ends the span then.
fn respond(rt: &Runtime, handle: SpanHandle, outcome: HttpOutcome, end_ms: f64) {
    let end_ns = if end_ms.is_nan() { rt.now_ns() } else { clock::time_input_ns(end_ms) };
    rt.with_span(handle, |s| record_outcome(s, &outcome, end_ns));
    if matches!(outcome, HttpOutcome::Response(_)) {
        rt.settle_later(handle, end_ns);
    } else {
        rt.end_span_ns(handle, end_ns);
    }
}

/// Adds the Resource Timing phases, if the browser reported them, and ends the span (at the
/// response's end, if that came after the request settled).
fn settle(rt: &Runtime, handle: SpanHandle, timing: Option<ResourceTiming>) {
    let mut end = 0;
    if let Some(t) = timing {
        let events = timing_events(&t, clock::page_ms_to_ns);
        rt.with_span(handle, |s| {
            for (name, at, attrs) in events {
                s.add_event(&name, at, attrs);
            }
        });
        end = clock::page_ms_to_ns(t.response_end);
    }
    rt.settled(handle, end);
}

/// A request to the absolute URL (`url_len` bytes) with the method (`method_len` bytes after
/// it) in the scratch buffer, its parent by the `pt_start` rule, started at `start_ms` (NaN:
/// now). `flags`: `core::layout::HTTP_*`.
/// Returns -1 when it is not traced, else the span's handle (0 when not sampled). The trace
/// headers it should carry, as `name\nvalue\n...`, are written for JS with their length in the
/// first context word (0: none).
pub fn begin(url_len: u32, method_len: u32, parent: u32, flags: u32, start_ms: f64) -> f64 {
    let Some(rt) = Runtime::installed() else { return -1.0 };
    let rule = scratch::parent_rule(parent);
    let explicit = match rule {
        ParentRule::Given => Some(scratch::read_context()),
        ParentRule::Root => Some(None),
        _ => None,
    };
    let mut t = scratch::texts();
    let (url, method) = (t.next(url_len), t.next(method_len));
    let Some(span) = start(rt, &url, &method, explicit, flags, start_ms) else { return -1.0 };
    scratch::write_headers(span.headers.as_deref().unwrap_or_default());
    let Some(h) = span.handle else { return 0.0 };
    if flags & HTTP_BEFORE_READY != 0 {
        rt.with_span(h, |s| s.set_attribute("playtrace.before_ready", true.into()));
    }
    h.to_bits() as f64
}

/// `pt_http_response` (see wasm/src/lib.rs).
pub fn answered(span: f64, status: u32, end_ms: f64) {
    if let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) {
        respond(rt, h, HttpOutcome::Response(status.min(u32::from(u16::MAX)) as u16), end_ms);
    }
}

/// `pt_http_failed` (see wasm/src/lib.rs).
pub fn failed(span: f64, name_len: u32, message_len: u32, end_ms: f64) {
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let mut t = scratch::texts();
    let (error_type, message) = (t.next(name_len), t.next(message_len));
    respond(rt, h, failure(error_type, message), end_ms);
}

/// `pt_http_settle`: the request's Resource Timing entry, if it has one, and the span ends.
pub fn timed(span: f64, timing: Option<ResourceTiming>) {
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    settle(rt, h, timing);
}
