//! `fetch` instrumentation: a client span for every call, and trace headers for the page's own
//! origin and the `propagateTo` targets only.
//!
//! The wrapper keeps every call shape's meaning: the caller's `init` and `Headers` are copied,
//! never mutated; request bodies and response streams are never read or cloned; the promise it
//! returns settles with the very Response or rejection reason the browser gave.

use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::clock;
use super::runtime::Inner;
use crate::core::http::{
    fetch_normalized_method, record_outcome, redact_url, timing_events, url_parts, HttpOutcome, HttpRequest,
    ResourceTiming,
};
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;
use crate::core::tracer::SpanHandle;

/// Marks a wrapper so that no tracer wraps it twice.
const MARK: &str = "__playtrace_wrapped";

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The installed wrapper; dropping it restores the original `fetch` if the global is still ours.
pub(crate) struct FetchHook {
    original: Function,
    wrapper: Closure<dyn FnMut(JsValue, JsValue) -> Result<JsValue, JsValue>>,
}

impl FetchHook {
    pub(crate) fn install(inner: &Rc<Inner>, original: Function) -> Option<Self> {
        let global = js_sys::global();
        if get(&original, MARK).is_truthy() {
            return None; // someone's playtrace already wraps it
        }
        let weak = Rc::downgrade(inner);
        let orig = original.clone();
        let wrapper = Closure::<dyn FnMut(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(move |input, init| {
            traced_fetch(&weak, &orig, input, init)
        });
        let f: &Function = wrapper.as_ref().unchecked_ref();
        Reflect::set(f, &MARK.into(), &JsValue::TRUE).ok()?;
        Reflect::set(&global, &"fetch".into(), f).ok()?;
        Some(Self { original, wrapper })
    }
}

impl Drop for FetchHook {
    fn drop(&mut self) {
        let global = js_sys::global();
        let ours: &JsValue = self.wrapper.as_ref();
        if get(&global, "fetch") == *ours {
            let _ = Reflect::set(&global, &"fetch".into(), &self.original);
        }
    }
}

/// What the wrapper decided before calling the real `fetch`.
pub(crate) struct Prepared {
    pub handle: Option<SpanHandle>,
    /// The init to pass on: the caller's own, or a copy with trace headers.
    init: JsValue,
    pub url: String,
    pub start_page_ms: f64,
}

fn traced_fetch(weak: &Weak<Inner>, original: &Function, input: JsValue, init: JsValue) -> Result<JsValue, JsValue> {
    let global = js_sys::global();
    let prepared = weak.upgrade().and_then(|inner| prepare(&inner, &input, &init));
    let Some(p) = prepared else {
        return original.call2(&global, &input, &init);
    };
    let promise = match original.call2(&global, &input, &p.init) {
        Ok(v) => v,
        Err(thrown) => {
            if let Some(inner) = weak.upgrade() {
                settle(&inner, p.handle, &p.url, p.start_page_ms, failure(&thrown));
            }
            return Err(thrown);
        }
    };
    if p.handle.is_none() {
        return Ok(promise); // not sampled: nothing to record
    }
    let weak = weak.clone();
    let observed = wasm_bindgen_futures::future_to_promise(async move {
        let result = JsFuture::from(Promise::resolve(&promise)).await;
        if let Some(inner) = weak.upgrade() {
            let outcome = match &result {
                Ok(response) => {
                    HttpOutcome::Response(response.dyn_ref::<web_sys::Response>().map_or(0, |r| r.status()))
                }
                Err(e) => failure(e),
            };
            settle(&inner, p.handle, &p.url, p.start_page_ms, outcome);
        }
        result
    });
    Ok(observed.into())
}

/// `href` resolved against the page, as the browser would resolve it.
pub(crate) fn resolve(href: &str) -> Option<String> {
    let base = get(&get(&js_sys::global(), "location"), "href").as_string().unwrap_or_default();
    web_sys::Url::new_with_base(href, &base).ok().map(|u| u.href())
}

/// The absolute URL of a fetch input (string, URL, Request), or `None` for anything else.
fn input_url(input: &JsValue) -> Option<String> {
    if let Some(req) = input.dyn_ref::<web_sys::Request>() {
        return Some(req.url()); // already absolute
    }
    if let Some(url) = input.dyn_ref::<web_sys::Url>() {
        return Some(url.href());
    }
    resolve(&input.as_string()?)
}

/// A client span that has started, and the trace headers its request may carry.
pub(crate) struct ClientStart {
    pub handle: Option<SpanHandle>,
    pub headers: Option<Vec<(&'static str, String)>>,
    pub start_page_ms: f64,
}

/// Starts the client span for a request to the absolute `href` (fetch and XHR alike): `None`
/// when it is not traced (ignored, not http(s), tracer shut down). `explicit`: a parent given
/// on the call (`Some(None)` for none); otherwise the implicit one.
pub(crate) fn start_client_span(
    inner: &Rc<Inner>,
    href: &str,
    method: &str,
    explicit: Option<Option<SpanContext>>,
    caller_traceparent: bool,
) -> Option<ClientStart> {
    let parts = url_parts(href)?;
    let (handle, headers) = {
        let mut s = inner.state.borrow_mut();
        if s.shut_down || s.is_ignored(href) {
            return None;
        }
        let request = HttpRequest {
            method: fetch_normalized_method(method),
            url_full: redact_url(href, &s.http.redact_query_params),
            server_address: parts.host.to_owned(),
            server_port: parts.port,
        };
        let parent = match explicit {
            Some(p) => p,
            None => s.implicit_parent(),
        };
        let now = clock::now_ns();
        let (context, handle) = s.core.start_span(request.span_name(), SpanKind::Client, parent.as_ref(), now, now);
        if let Some(span) = handle.and_then(|h| s.core.span_mut(h)) {
            for (k, v) in request.attributes() {
                span.set_attribute(&k, v);
            }
        }
        let propagate = !caller_traceparent && s.should_propagate(href, &parts.origin);
        (handle, propagate.then(|| s.trace_headers(&context)))
    };
    if handle.is_some() {
        inner.schedule();
    }
    Some(ClientStart { handle, headers, start_page_ms: clock::page_now_ms() })
}

fn prepare(inner: &Rc<Inner>, input: &JsValue, init: &JsValue) -> Option<Prepared> {
    let href = input_url(input)?;
    let explicit = if init.is_object() { Reflect::get(init, &"playtraceParent".into()).ok() } else { None };
    let explicit =
        explicit
            .filter(|v| !v.is_undefined())
            .map(|v| if v.is_null() { None } else { super::api::context_from_js(&v) });
    let method = if init.is_object() { get(init, "method").as_string() } else { None };
    let method = method.or_else(|| input.dyn_ref::<web_sys::Request>().map(|r| r.method()));
    let start = start_client_span(inner, &href, method.as_deref().unwrap_or("GET"), explicit, false)?;
    let init = match start.headers {
        Some(headers) => with_trace_headers(input, init, &headers),
        None => init.clone(),
    };
    Some(Prepared { handle: start.handle, init, url: href, start_page_ms: start.start_page_ms })
}

/// A copy of `init` whose headers are the caller's (from `init`, else from the Request) plus
/// the trace headers the caller did not set themselves.
fn with_trace_headers(input: &JsValue, init: &JsValue, trace: &[(&'static str, String)]) -> JsValue {
    let copy = Object::new();
    if init.is_object() {
        let _ = Object::assign(&copy, init.unchecked_ref());
        let _ = Reflect::delete_property(&copy, &"playtraceParent".into());
    }
    let given = if init.is_object() { get(init, "headers") } else { JsValue::UNDEFINED };
    let headers = if !given.is_undefined() && !given.is_null() {
        // `new Headers(x)` copies a Headers, an array of pairs or a plain object alike.
        web_sys::Headers::new_with_str_sequence_sequence(&given)
    } else if let Some(req) = input.dyn_ref::<web_sys::Request>() {
        web_sys::Headers::new_with_headers(&req.headers())
    } else {
        web_sys::Headers::new()
    };
    let Ok(headers) = headers else { return init.clone() };
    if headers.has("traceparent").unwrap_or(true) {
        return init.clone(); // the caller propagates its own context; never a second one
    }
    for (name, value) in trace {
        if !headers.has(name).unwrap_or(true) {
            let _ = headers.set(name, value);
        }
    }
    let _ = Reflect::set(&copy, &"headers".into(), &headers);
    copy.into()
}

/// The outcome of a rejected fetch: an abort, or a failure of the error's type.
fn failure(e: &JsValue) -> HttpOutcome {
    match get(e, "name").as_string() {
        Some(name) if name == "AbortError" => HttpOutcome::Aborted,
        name => HttpOutcome::Failed {
            error_type: name.unwrap_or_else(|| "Error".to_owned()),
            message: get(e, "message").as_string().unwrap_or_default(),
        },
    }
}

/// Records the outcome and ends the span, after adding Resource Timing phases if the browser
/// reports the request within a short wait (its entry appears once the body has arrived).
pub(crate) fn settle(
    inner: &Rc<Inner>,
    handle: Option<SpanHandle>,
    url: &str,
    start_page_ms: f64,
    outcome: HttpOutcome,
) {
    let Some(handle) = handle else { return };
    let end_ns = clock::now_ns();
    if let Some(span) = inner.state.borrow_mut().core.span_mut(handle) {
        record_outcome(span, &outcome, end_ns);
    }
    if !matches!(outcome, HttpOutcome::Response(_)) {
        let ended = inner.state.borrow_mut().core.end_span(handle, end_ns);
        inner.after_end(ended);
        return;
    }
    inner.state.borrow_mut().settling.push((handle, end_ns));
    let inner = Rc::clone(inner);
    let url = url.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        let mut end = end_ns;
        // The entry appears once the body has arrived; responses that never get one (cache,
        // service worker) cost four looks, not a stream of timers.
        for wait_ms in [0, 50, 200, 1000] {
            if wait_ms > 0 {
                gloo_timers::future::TimeoutFuture::new(wait_ms).await;
            }
            if let Some(t) = find_timing(&url, start_page_ms) {
                let events = timing_events(&t, clock::page_ms_to_ns);
                if let Some(span) = inner.state.borrow_mut().core.span_mut(handle) {
                    for (name, at, attrs) in events {
                        span.add_event(&name, at, attrs);
                    }
                }
                end = end.max(clock::page_ms_to_ns(t.response_end));
                break;
            }
        }
        let ended = {
            let mut s = inner.state.borrow_mut();
            s.settling.retain(|(h, _)| *h != handle);
            s.core.end_span(handle, end)
        };
        inner.after_end(ended);
    });
}

fn find_timing(url: &str, start_page_ms: f64) -> Option<ResourceTiming> {
    let performance = get(&js_sys::global(), "performance");
    let by_name = get(&performance, "getEntriesByName").dyn_into::<Function>().ok()?;
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
