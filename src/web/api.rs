//! What `init` does, and the engine behind the JS API (`api.js`) off the hot path: events,
//! status, links, propagation, baggage, stats. The exports that reach these are in
//! `wasm/src/lib.rs`. Nothing here throws into game code except `init` on a bad config.

use serde::ser::Serializer;
use wasm_bindgen::prelude::*;

use super::runtime::Runtime;
use super::scratch;
use super::{attributes, config, errors, frames, input, instrument, lifecycle, websocket};
use crate::core::encode::json::write_str;
use crate::core::errors::exception_attributes;
use crate::core::layout::{BAGGAGE_REMOVE, BAGGAGE_SET};
use crate::core::propagation::Baggage;
use crate::core::span::Status;

#[wasm_bindgen(module = "/src/web/api.js")]
extern "C" {
    // `websocket.js` ships apart, as `playtrace/websocket`: see websocket.rs.
    #[wasm_bindgen(js_name = wrapSockets)]
    pub(super) fn wrap_sockets(tracer: &JsValue) -> Option<js_sys::Function>;

    /// The JS tracer around the engine numbered `engine` (see `Runtime::numbered`).
    fn make_tracer(engine: u32) -> JsValue;
}

/// `init`: validates `config`, installs the tracer for this page (listeners, fetch and XHR
/// instrumentation); what an earlier page of this origin could not send goes a second later.
/// Calling it again returns the installed tracer and installs nothing twice.
pub fn start(config: &JsValue) -> Result<JsValue, JsValue> {
    if let Some(tracer) = Runtime::installed_tracer() {
        return Ok(tracer);
    }
    scratch::bind_js(); // config.js gives the resource's attributes through the boundary
    let mut config = config::parse(config)?;
    let rt = Runtime::start(&mut config).map_err(|e| js_sys::Error::new(&e))?;
    let engine = rt.number();
    if config.capture_errors {
        errors::install(rt);
    }
    frames::install(rt, &config);
    if config.input_timing {
        input::install(rt);
    }
    if config.instrument_fetch || config.instrument_xhr {
        instrument::install(rt, config.instrument_fetch, config.instrument_xhr);
    }
    let tracer = make_tracer(engine);
    if config.instrument_websocket {
        websocket::install(rt, &tracer);
    }
    rt.install(tracer.clone());
    // After the install: the page load's span, if any, is started on the installed tracer.
    lifecycle::install(rt);
    Ok(tracer)
}

/// `pt_link` (see wasm/src/lib.rs): a link from the span to the context in the scratch buffer,
/// with the attributes JS gave as `PENDING`, where `valid` (JS found a context); otherwise a
/// dropped link, counted as OpenTelemetry counts them.
pub fn add_link(span: f64, valid: bool) {
    let (list, dropped) = scratch::take_pending();
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let cx = if valid { scratch::read_context() } else { None };
    rt.with_span(h, |s| match cx {
        Some(cx) => {
            s.add_link(cx, list);
            if let Some(l) = s.links.last_mut() {
                l.attributes.count_dropped(dropped);
            }
        }
        None => s.dropped_links = s.dropped_links.saturating_add(1),
    });
}

/// `pt_attr_list` (see wasm/src/lib.rs): an array attribute or a BigInt, from the items JS gave;
/// one without an attribute type is dropped and counted.
pub fn set_list(span: f64, key: u32, kind: u32) {
    let (numbers, strings) = scratch::take_items();
    let value = attributes::list(kind, numbers, strings);
    let key = scratch::interned(key);
    match (Runtime::installed(), scratch::handle(span)) {
        (Some(rt), Some(h)) => rt.with_span(h, |s| match value {
            Some(v) => s.set_attribute(key, v),
            None => s.attributes.count_dropped(1),
        }),
        _ => scratch::pend(span, key, value),
    }
}

/// `pt_event` (see wasm/src/lib.rs): an event (the seeds' LogKV/LogFields) named by the
/// `name_len` bytes in the scratch buffer, with the attributes JS gave as `PENDING`, at `time`
/// or now.
pub fn add_event(span: f64, name_len: u32, time: f64) {
    let (list, dropped) = scratch::take_pending();
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let t = rt.time_ns(time);
    let name = scratch::texts().next(name_len);
    rt.with_span(h, |s| {
        s.add_event(&name, t, list);
        if let Some(e) = s.events.last_mut() {
            e.attributes.count_dropped(dropped);
        }
    });
}

/// `pt_exception` (see wasm/src/lib.rs): an `exception` event with `exception.type`,
/// `exception.message` and `exception.stacktrace` from the texts of the given lengths in the
/// scratch buffer, at `time` (NaN: now). `fail` also sets an error status with the message (an
/// action that threw or rejected); otherwise the status is left to the caller, as in
/// OpenTelemetry.
pub fn exception(span: f64, lengths: [u32; 3], time: f64, fail: bool) {
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let t = rt.time_ns(time);
    let mut texts = scratch::texts();
    let (error_type, message, stack) = (texts.next(lengths[0]), texts.next(lengths[1]), texts.next(lengths[2]));
    let attrs = exception_attributes(&error_type, &message, &stack);
    rt.with_span(h, |s| {
        s.add_event("exception", t, attrs);
        if fail {
            s.set_status(Status::Error(message));
        }
    });
}

/// `pt_status` (see wasm/src/lib.rs): `code` 1 ok, 2 an error with the message of `message_len`
/// bytes in the scratch buffer, anything else unset.
pub fn set_status(span: f64, code: u32, message_len: u32) {
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let status = match code {
        1 => Status::Ok,
        2 => {
            let message = scratch::texts().next(message_len);
            Status::Error(message)
        }
        _ => Status::Unset,
    };
    rt.with_span(h, |s| s.set_status(status));
}

/// `pt_rename` (see wasm/src/lib.rs): the span's new name, of `name_len` bytes in the scratch
/// buffer (the seeds' SetOperationName).
pub fn rename(span: f64, name_len: u32) {
    let (Some(rt), Some(h)) = (Runtime::installed(), scratch::handle(span)) else { return };
    let name = scratch::texts().next(name_len);
    rt.with_span(h, |s| s.update_name(&name));
}

/// `pt_baggage` (see wasm/src/lib.rs), for the tracer numbered `engine`, with the key and value
/// of the given lengths in the scratch buffer: `BAGGAGE_SET` (1 if kept), `BAGGAGE_REMOVE` (1 if
/// it was there), `BAGGAGE_GET` (the value's length, written back for JS, or -1 if none).
pub fn baggage(engine: u32, op: u32, key_len: u32, value_len: u32) -> i32 {
    let Some(rt) = Runtime::numbered(engine) else { return -1 };
    let mut t = scratch::texts();
    let (key, value) = (t.next(key_len), t.next(value_len));
    match op {
        BAGGAGE_SET => i32::from(rt.set_baggage(&key, &value)),
        BAGGAGE_REMOVE => i32::from(rt.remove_baggage(&key)),
        _ => match rt.baggage(&key) {
            Some(v) => {
                scratch::write_text(&v);
                v.len() as i32
            }
            None => -1,
        },
    }
}

/// `pt_baggage_of` (see wasm/src/lib.rs): the entries of the `baggage` header of `len` bytes in
/// the scratch buffer, written back as a JSON object of strings.
pub fn baggage_of(len: u32) {
    let header = scratch::texts().next(len);
    let mut json = String::from("{");
    for e in Baggage::parse(&header).entries() {
        if json.len() > 1 {
            json.push(',');
        }
        write_str(&mut json, &e.key);
        json.push(':');
        write_str(&mut json, e.value.as_str());
    }
    json.push('}');
    scratch::write_text(&json);
}

/// `pt_flush` (see wasm/src/lib.rs): sends every queued span now.
pub fn flush(engine: u32) {
    if let Some(rt) = Runtime::numbered(engine) {
        rt.flush_now();
    }
}

/// `pt_shutdown` (see wasm/src/lib.rs): sends every queued span, removes listeners, timers and
/// instrumentation, and uninstalls the tracer so that `init` can install a new one. api.js's
/// promise resolves (`settled`) once every body has been answered, handed to a beacon, or kept
/// for the next visit.
pub fn shutdown(engine: u32) {
    if let Some(rt) = Runtime::numbered(engine) {
        Runtime::uninstall(rt);
    }
}

/// Counters since `init`, and the spans queued now, in the order of `Stats::NAMES`, as the bytes
/// of as many little-endian doubles in a `Uint8Array` (which boundary.js reads and names): one
/// copy out of wasm memory, where serialising each number is a call into JS.
pub fn stats(rt: &Runtime) -> JsValue {
    let mut bytes = Vec::with_capacity(32 * 8);
    for n in rt.counters() {
        bytes.extend_from_slice(&(n as f64).to_le_bytes());
    }
    serde_wasm_bindgen::Serializer::new().serialize_bytes(&bytes).unwrap_or(JsValue::UNDEFINED)
}
