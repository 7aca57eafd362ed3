//! Span contexts and trace headers as JS values: `SpanContextInfo` objects in and out, and
//! carriers (plain objects or `Headers`) for `inject` and `extract`. The W3C rules themselves
//! are the core's.

use js_sys::Object;
use wasm_bindgen::{JsCast, JsValue};

use super::js::{get, method, set};
use crate::core::ids::{SpanId, TraceId};
use crate::core::propagation::{Baggage, TraceState};
use crate::core::span_context::{SpanContext, TraceFlags};

/// A context from a `SpanContextInfo`, or from anything with a `spanContext()` method (a Span).
pub(crate) fn context_from_js(v: &JsValue) -> Option<SpanContext> {
    let info = match method(v, "spanContext") {
        Some(f) => f.call0(v).ok()?,
        None => v.clone(),
    };
    let trace_id = TraceId::from_hex(&get(&info, "traceId").as_string()?)?;
    let span_id = SpanId::from_hex(&get(&info, "spanId").as_string()?)?;
    // `traceFlags` keeps every flag (the Level 2 random flag too); `sampled` alone is enough.
    let flags = match get(&info, "traceFlags").as_f64() {
        Some(bits) if (0.0..=255.0).contains(&bits) => TraceFlags::from_wire(bits as u8),
        _ => TraceFlags::NONE.with_sampled(get(&info, "sampled").as_bool().unwrap_or(false)),
    };
    let is_remote = get(&info, "isRemote").as_bool().unwrap_or(true);
    let mut cx = SpanContext::new(trace_id, span_id, flags, is_remote);
    if let Some(ts) = get(&info, "traceState").as_string() {
        cx.trace_state = TraceState::parse(&ts).unwrap_or_default();
    }
    Some(cx)
}

fn context_to_js(cx: &SpanContext) -> JsValue {
    let o: JsValue = Object::new().into();
    // Hex by hand: `to_string` would reach the wasm's formatting machinery.
    let mut id = String::with_capacity(32);
    cx.trace_id.write_hex(&mut id);
    set(&o, "traceId", &id.as_str().into());
    id.clear();
    cx.span_id.write_hex(&mut id);
    set(&o, "spanId", &id.as_str().into());
    set(&o, "traceFlags", &f64::from(cx.flags.bits()).into());
    set(&o, "sampled", &cx.flags.is_sampled().into());
    set(&o, "traceState", &cx.trace_state.header_value().into());
    set(&o, "isRemote", &cx.is_remote.into());
    o
}

/// Writes headers into a `Headers` or a plain object.
pub(crate) fn write_headers(carrier: &JsValue, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        match carrier.dyn_ref::<web_sys::Headers>() {
            Some(h) => {
                let _ = h.set(name, value);
            }
            None => set(carrier, name, &value.as_str().into()),
        }
    }
}

/// Reads trace context from a plain object (keys in any case) or a `Headers`. Returns `null`
/// when there is no valid `traceparent`; an invalid `tracestate` is dropped and the
/// `traceparent` kept, as W3C Trace Context says.
pub(crate) fn extract(carrier: &JsValue) -> JsValue {
    let read = |name: &str| -> Option<String> {
        if let Some(h) = carrier.dyn_ref::<web_sys::Headers>() {
            return h.get(name).ok().flatten();
        }
        let obj = super::js::object(carrier)?;
        Object::keys(obj).iter().find_map(|k| {
            let key = k.as_string()?;
            key.eq_ignore_ascii_case(name).then(|| get(carrier, &key).as_string()).flatten()
        })
    };
    let Some(cx) = read("traceparent").and_then(|tp| SpanContext::from_headers(&tp, read("tracestate").as_deref()))
    else {
        return JsValue::NULL;
    };
    let out = context_to_js(&cx);
    if let Some(b) = read("baggage") {
        let bag: JsValue = Object::new().into();
        for e in Baggage::parse(&b).entries() {
            set(&bag, &e.key, &e.value.as_str().into());
        }
        set(&out, "baggage", &bag);
    }
    out
}
