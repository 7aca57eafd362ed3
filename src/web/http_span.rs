//! The client span of an HTTP request, shared by the `fetch` and XHR wrappers: started when the
//! request is made, with the trace headers it may carry, and ended with its outcome and, where
//! the browser reports them, its Resource Timing phases.

use std::rc::Rc;

use super::clock;
use super::js::{get, global, method};
use super::runtime::Runtime;
use crate::core::http::{
    fetch_normalized_method, record_outcome, timing_events, url_parts, HttpOutcome, HttpRequest, ResourceTiming,
};
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;
use crate::core::tracer::SpanHandle;

/// A client span that has started, and the trace headers its request may carry.
pub(crate) struct ClientSpan {
    pub(crate) handle: Option<SpanHandle>,
    pub(crate) headers: Option<Vec<(&'static str, String)>>,
    pub(crate) url: String,
    start_page_ms: f64,
}

/// Starts the client span for a request to the absolute `href`: `None` when it is not traced
/// (ignored, not http(s), tracer shut down). `explicit`: a parent given on the call (`Some(None)`
/// for none); otherwise the implicit one. `caller_traceparent`: the caller set its own header.
pub(crate) fn start(
    rt: &Rc<Runtime>,
    href: &str,
    method: &str,
    explicit: Option<Option<SpanContext>>,
    caller_traceparent: bool,
) -> Option<ClientSpan> {
    let parts = url_parts(href)?;
    let http = rt.http();
    if rt.is_shut_down() || http.is_ignored(href) {
        return None;
    }
    let request = HttpRequest {
        method: fetch_normalized_method(method),
        url_full: http.redact(href),
        server_address: parts.host.to_owned(),
        server_port: parts.port,
    };
    let (context, handle) = rt.start_child(request.span_name(), SpanKind::Client, explicit, request.attributes());
    let propagate = !caller_traceparent && http.should_propagate(href, &parts.origin);
    Some(ClientSpan {
        handle,
        headers: propagate.then(|| rt.trace_headers(&context)),
        url: href.to_owned(),
        start_page_ms: clock::page_now_ms(),
    })
}

/// Records the outcome and ends the span, after adding Resource Timing phases if the browser
/// reports the request within a short wait (its entry appears once the body has arrived).
pub(crate) fn finish(rt: &Rc<Runtime>, span: ClientSpan, outcome: HttpOutcome) {
    let Some(handle) = span.handle else { return };
    let end_ns = rt.now_ns();
    rt.with_span(handle, |s| record_outcome(s, &outcome, end_ns));
    if !matches!(outcome, HttpOutcome::Response(_)) {
        rt.end_span_ns(handle, end_ns);
        return;
    }
    rt.settle_later(handle, end_ns);
    let rt = Rc::clone(rt);
    wasm_bindgen_futures::spawn_local(async move {
        let mut end = end_ns;
        // Responses that never get an entry (cache, service worker) cost four looks, not a
        // stream of timers.
        for wait_ms in [0, 50, 200, 1000] {
            if wait_ms > 0 {
                gloo_timers::future::TimeoutFuture::new(wait_ms).await;
            }
            if let Some(t) = find_timing(&span.url, span.start_page_ms) {
                let events = timing_events(&t, clock::page_ms_to_ns);
                rt.with_span(handle, |s| {
                    for (name, at, attrs) in events {
                        s.add_event(&name, at, attrs);
                    }
                });
                end = end.max(clock::page_ms_to_ns(t.response_end));
                break;
            }
        }
        rt.settled(handle, end);
    });
}

fn find_timing(url: &str, start_page_ms: f64) -> Option<ResourceTiming> {
    let performance = get(&global(), "performance");
    let by_name = method(&performance, "getEntriesByName")?;
    let entries = by_name.call2(&performance, &url.into(), &"resource".into()).ok()?;
    let entries = js_sys::Array::from(&entries);
    // The latest entry that started after this call did (a URL may be fetched many times).
    let entry =
        entries.iter().rev().find(|e| get(e, "startTime").as_f64().is_some_and(|t| t + 1.0 >= start_page_ms))?;
    let n = |k: &str| get(&entry, k).as_f64().unwrap_or(0.0);
    if n("responseEnd") <= 0.0 {
        return None;
    }
    Some(ResourceTiming {
        domain_lookup_start: n("domainLookupStart"),
        domain_lookup_end: n("domainLookupEnd"),
        connect_start: n("connectStart"),
        secure_connection_start: n("secureConnectionStart"),
        connect_end: n("connectEnd"),
        request_start: n("requestStart"),
        response_start: n("responseStart"),
        response_end: n("responseEnd"),
    })
}
