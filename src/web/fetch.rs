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

use super::http_span::{self, ClientSpan};
use super::js::{get, global, page_href, set};
use super::propagation::context_from_js;
use super::runtime::Runtime;
use crate::core::http::HttpOutcome;

/// Marks a wrapper so that no tracer wraps it twice.
const MARK: &str = "__playtrace_wrapped";

type Wrapper = Closure<dyn FnMut(JsValue, JsValue) -> Result<JsValue, JsValue>>;

/// The installed wrapper; dropping it restores the original `fetch` if the global is still ours.
struct FetchHook {
    original: Function,
    wrapper: Wrapper,
}

/// Wraps the global `fetch`; the runtime keeps the hook until shutdown.
pub(crate) fn install(rt: &Rc<Runtime>) {
    let global = global();
    let Ok(original) = get(&global, "fetch").dyn_into::<Function>() else { return };
    if get(&original, MARK).is_truthy() {
        return; // someone's playtrace already wraps it
    }
    let weak = Rc::downgrade(rt);
    let orig = original.clone();
    let wrapper = Wrapper::new(move |input, init| traced_fetch(&weak, &orig, input, init));
    let f: &JsValue = wrapper.as_ref();
    set(f, MARK, &JsValue::TRUE);
    if Reflect::set(&global, &"fetch".into(), f).is_ok() {
        rt.keep(Box::new(FetchHook { original, wrapper }));
    }
}

impl Drop for FetchHook {
    fn drop(&mut self) {
        let global = global();
        let ours: &JsValue = self.wrapper.as_ref();
        if get(&global, "fetch") == *ours {
            set(&global, "fetch", &self.original);
        }
    }
}

fn traced_fetch(weak: &Weak<Runtime>, original: &Function, input: JsValue, init: JsValue) -> Result<JsValue, JsValue> {
    let global = global();
    let prepared = weak.upgrade().and_then(|rt| prepare(&rt, &input, &init));
    let Some((span, init)) = prepared else {
        return original.call2(&global, &input, &init);
    };
    let promise = match original.call2(&global, &input, &init) {
        Ok(v) => v,
        Err(thrown) => {
            if let Some(rt) = weak.upgrade() {
                http_span::finish(&rt, span, failure(&thrown));
            }
            return Err(thrown);
        }
    };
    if span.handle.is_none() {
        return Ok(promise); // not sampled: nothing to record
    }
    let weak = weak.clone();
    let observed = wasm_bindgen_futures::future_to_promise(async move {
        let result = JsFuture::from(Promise::resolve(&promise)).await;
        if let Some(rt) = weak.upgrade() {
            let outcome = match &result {
                Ok(response) => {
                    HttpOutcome::Response(response.dyn_ref::<web_sys::Response>().map_or(0, |r| r.status()))
                }
                Err(e) => failure(e),
            };
            http_span::finish(&rt, span, outcome);
        }
        result
    });
    Ok(observed.into())
}

/// `href` resolved against the page, as the browser would resolve it.
pub(crate) fn resolve(href: &str) -> Option<String> {
    web_sys::Url::new_with_base(href, &page_href()).ok().map(|u| u.href())
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

/// Starts the span; returns it with the init to pass on (the caller's own, or a copy with
/// trace headers).
fn prepare(rt: &Rc<Runtime>, input: &JsValue, init: &JsValue) -> Option<(ClientSpan, JsValue)> {
    let href = input_url(input)?;
    let explicit = if init.is_object() { Reflect::get(init, &"playtraceParent".into()).ok() } else { None };
    let explicit = explicit.filter(|v| !v.is_undefined()).map(|v| if v.is_null() { None } else { context_from_js(&v) });
    let method = if init.is_object() { get(init, "method").as_string() } else { None };
    let method = method.or_else(|| input.dyn_ref::<web_sys::Request>().map(|r| r.method()));
    let span = http_span::start(rt, &href, method.as_deref().unwrap_or("GET"), explicit, false)?;
    let init = match &span.headers {
        Some(headers) => with_trace_headers(input, init, headers),
        None => init.clone(),
    };
    Some((span, init))
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
