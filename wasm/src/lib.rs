//! playtrace's wasm: every export, in one place, and nothing else. What JS may call.
//!
//! This crate is the one built into the wasm (`playtrace_wasm_bg.wasm`); the engine it calls is
//! the `playtrace` crate. The split is for size: `playtrace` compiles at `opt-level = "z"`, this
//! crate at 3, and the engine's hot path (a span's start, attributes and end, `withSpan`, the
//! encoders) is `#[inline]`, so it is compiled here, at 3, where the exports call it.
//!
//! - `pt_*`: the numeric exports. Each takes and returns numbers only, so JS calls them
//!   directly, with no glue, no copied objects and no allocation on the JS side; strings and
//!   span contexts cross through the scratch buffer (`scratch.rs`, layout in `core::layout`,
//!   which `boundary.js` shares and `tests/boundary_constants.rs` checks).
//! - `init`, `getTracer` and `pt_stats`, through wasm-bindgen: what takes the config or answers
//!   with a JS value. Each calls the module that does the work.
//! - Attribute values of any type arrive as numbers, scratch strings and array items
//!   (`pt_attr_*`, `pt_item`); an event's, a link's or the resource's attributes are given
//!   first, with the handle `PENDING`.
//!   Span options, carriers and other SDKs' contexts are read in JS, which hands the engine their
//!   fields as numbers and scratch strings (`pt_context`, `pt_extract`, `pt_trace_headers`).

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;

use playtrace::core::context::ParentRule;
use playtrace::core::http::ResourceTiming;
use playtrace::core::span::{AttributeValue, SharedStr};
use playtrace::web::runtime::Runtime;
use playtrace::web::scratch::{self, handle, interned, kind, parent_rule, read_context, write_context};
use playtrace::web::{
    api, attributes, config, errors, frames, http_span, lifecycle, page_load, propagation, transport, websocket,
};

// The scratch buffer and counters.

/// Makes room for a string of `bytes` and returns the buffer's (possibly new) address.
#[no_mangle]
pub extern "C" fn pt_scratch(bytes: u32) -> u32 {
    scratch::reserve(bytes)
}

/// Interns the string in the scratch buffer; JS keeps the returned ID (and clears both tables
/// with `pt_intern_clear` when its own is full).
#[no_mangle]
pub extern "C" fn pt_intern(len: u32) -> u32 {
    scratch::intern(len)
}

/// Forgets every interned string (JS clears its own table at the same moment).
#[no_mangle]
pub extern "C" fn pt_intern_clear() {
    scratch::intern_clear();
}

/// Counts something that happened on the JS side of the boundary (`core::layout::COUNT_*`).
#[no_mangle]
pub extern "C" fn pt_count(what: u32) {
    if let Some(rt) = Runtime::installed() {
        rt.count_boundary(what);
    }
}

/// `debug`'s preflight probe (transport/preflight.rs) timed its requests, in milliseconds: says
/// once if the endpoint's CORS preflight is not kept between sends.
#[no_mangle]
pub extern "C" fn pt_preflight(simple: f64, fresh: f64, warm: f64, later: f64) {
    if let Some(rt) = Runtime::installed() {
        rt.preflight_timed(simple, fresh, warm, later);
    }
}

// Spans: the hot path.

/// Starts a span named by interned `name`, of kind `kind_code`, with the parent `parent` says
/// (see [`parent_rule`]), at `start_ms` (NaN: now). Writes its context to the scratch buffer and
/// returns its handle as a number (0 when it does not record: sampled out, disabled, no tracer).
#[no_mangle]
pub extern "C" fn pt_start(name: u32, kind_code: u32, parent: u32, start_ms: f64) -> f64 {
    let Some(rt) = Runtime::installed() else { return 0.0 };
    let rule = parent_rule(parent);
    let given = if rule == ParentRule::Given { read_context() } else { None };
    let (cx, handle) = rt.start_span(interned(name), kind(kind_code), rule, given, start_ms);
    write_context(&cx);
    handle.map_or(0.0, |h| h.to_bits() as f64)
}

/// Sets a number attribute (integral values become `intValue`).
#[no_mangle]
pub extern "C" fn pt_attr_num(span: f64, key: u32, value: f64) {
    set(span, interned(key), attributes::number(value));
}

/// Sets a boolean attribute (`value` 0 or 1).
#[no_mangle]
pub extern "C" fn pt_attr_bool(span: f64, key: u32, value: u32) {
    set(span, interned(key), (value != 0).into());
}

/// Sets a string attribute whose value JS wrote to the scratch buffer (`len` bytes).
#[no_mangle]
pub extern "C" fn pt_attr_str(span: f64, key: u32, len: u32) {
    let (key, value) = scratch::key_and_string(key, len);
    set(span, key, value.into());
}

/// Sets an attribute on a span, or keeps it for the next event, link or resource where `span`
/// is `PENDING`. The typed values' path, compiled here at opt-level 3; `api::set_list` is the
/// other types', in the engine's crate. One function for both, in the engine's crate, made a
/// span with three attributes 3 to 10% slower in Chromium; one here taking an `Option` cost
/// 95 bytes more gzipped.
#[inline]
fn set(span: f64, key: SharedStr, value: AttributeValue) {
    match handle(span) {
        Some(h) => {
            if let Some(rt) = Runtime::installed() {
                rt.set_attribute(h, key, value);
            }
        }
        None => scratch::pend(span, key, Some(value)),
    }
}

/// An item of an array attribute JS is giving: the number `value`, or with `string` 1 the string
/// of `value` bytes in the scratch buffer. `pt_attr_list` takes the items.
#[no_mangle]
pub extern "C" fn pt_item(value: f64, string: u32) {
    scratch::item(value, string == 1);
}

/// The entries of the `baggage` header of `len` bytes in the scratch buffer (what `extract`
/// returns beside the context), written back for JS as a JSON object of strings; a malformed
/// entry is skipped, as W3C Baggage says.
#[no_mangle]
pub extern "C" fn pt_baggage_of(len: u32) {
    api::baggage_of(len);
}

/// `flush()` of the tracer whose engine is numbered `engine`.
#[no_mangle]
pub extern "C" fn pt_flush(engine: u32) {
    api::flush(engine);
}

/// `shutdown()` of the tracer whose engine is numbered `engine`; api.js's promise resolves once
/// nothing is in flight.
#[no_mangle]
pub extern "C" fn pt_shutdown(engine: u32) {
    api::shutdown(engine);
}

/// `init`'s config value for the key at `slot` (`core::layout::CONFIG_KEYS`): `value`, or by
/// `kind` (`core::layout::CONFIG_*`) the text of `value` bytes in the scratch buffer or the
/// list of the items given (`pt_item`). `config.js` gives them while `init` reads its config.
#[no_mangle]
pub extern "C" fn pt_config(slot: u32, value: f64, kind: u32) {
    config::give(slot, value, kind);
}

/// Sets an attribute whose value JS gave as items (`pt_item`), of kind `kind`
/// (`core::layout::LIST_*`: an array, a BigInt, or no attribute type, dropped and counted).
#[no_mangle]
pub extern "C" fn pt_attr_list(span: f64, key: u32, kind: u32) {
    api::set_list(span, key, kind);
}

/// Records an event named by the `name_len` bytes in the scratch buffer, with the attributes
/// given as `PENDING`, at `time` (NaN: now).
#[no_mangle]
pub extern "C" fn pt_event(span: f64, name_len: u32, time: f64) {
    api::add_event(span, name_len, time);
}

/// Links the span to the context in the scratch buffer, with the attributes given as
/// `PENDING`, if `valid` is 1 (JS found a context); a dropped link, counted, if not.
#[no_mangle]
pub extern "C" fn pt_link(span: f64, valid: u32) {
    api::add_link(span, valid == 1);
}

/// Ends a span at `end_ms` (NaN: now). Later calls do nothing.
#[no_mangle]
pub extern "C" fn pt_end(span: f64, end_ms: f64) {
    if let (Some(rt), Some(h)) = (Runtime::installed(), handle(span)) {
        rt.end_span(h, end_ms);
    }
}

/// 1 if the span still records (not ended, also not by the span timeout), else 0.
#[no_mangle]
pub extern "C" fn pt_is_recording(span: f64) -> u32 {
    match (Runtime::installed(), handle(span)) {
        (Some(rt), Some(h)) => u32::from(rt.is_recording(h)),
        _ => 0,
    }
}

/// `withSpan`: the scratch context becomes the active parent until `pt_pop_active`.
#[no_mangle]
pub extern "C" fn pt_push_active() {
    if let (Some(rt), Some(cx)) = (Runtime::installed(), read_context()) {
        rt.push_active(cx);
    }
}

/// Ends the innermost `withSpan`.
#[no_mangle]
pub extern "C" fn pt_pop_active() {
    if let Some(rt) = Runtime::installed() {
        rt.pop_active();
    }
}

/// An action opened: the scratch context is an implicit parent of requests until
/// `pt_action_end` with the returned ID.
#[no_mangle]
pub extern "C" fn pt_action_begin() -> f64 {
    match (Runtime::installed(), read_context()) {
        (Some(rt), Some(cx)) => rt.open_action(cx) as f64,
        _ => 0.0,
    }
}

/// How many actions are open (a span started now has one as its implicit parent).
#[no_mangle]
pub extern "C" fn pt_open_actions() -> u32 {
    Runtime::installed().map_or(0, |rt| rt.open_action_count() as u32)
}

/// The action with this ID settled at `end_ms` (page milliseconds).
#[no_mangle]
pub extern "C" fn pt_action_end(id: f64, end_ms: f64) {
    if let Some(rt) = Runtime::installed() {
        rt.settle_action(id as u64, end_ms);
    }
}

// What the JS instrumentation reports (errors.js, frames.js, http.js, websocket.js).

/// An uncaught error: its type, message and stack, one after another in the scratch buffer.
#[no_mangle]
pub extern "C" fn pt_error(type_len: u32, message_len: u32, stack_len: u32) {
    errors::uncaught(type_len, message_len, stack_len);
}

/// The frame ring's address for `frames.js`; the first call starts watching frames.
#[no_mangle]
pub extern "C" fn pt_frames() -> u32 {
    frames::ring_address()
}

/// Every `core::layout::FRAME_TICK` frames: jank outside actions, sent once gathered a while.
#[no_mangle]
pub extern "C" fn pt_frames_tick() {
    frames::tick();
}

/// A Long Animation Frame: the handle of the span it became (0: none), which JS ends after
/// adding its longest script's names (`script_ms` that script's time, negative if none).
#[no_mangle]
pub extern "C" fn pt_long_frame(
    start_ms: f64,
    duration_ms: f64,
    blocking_ms: f64,
    scripts: u32,
    script_ms: f64,
) -> f64 {
    frames::long_frame(start_ms, duration_ms, blocking_ms, scripts, script_ms)
}

/// A request starts at `start_ms` (NaN: now; URL and method in scratch, parent as `pt_start`'s,
/// `flags` the `core::layout::HTTP_*`): its handle (0 unsampled, -1 untraced); its headers are
/// written for JS.
#[no_mangle]
pub extern "C" fn pt_http_start(url_len: u32, method_len: u32, parent: u32, flags: u32, start_ms: f64) -> f64 {
    http_span::begin(url_len, method_len, parent, flags, start_ms)
}

/// The request answered with `status`, at `end_ms` (NaN: now).
#[no_mangle]
pub extern "C" fn pt_http_response(span: f64, status: u32, end_ms: f64) {
    http_span::answered(span, status, end_ms);
}

/// The request got no response, at `end_ms` (NaN: now): its error's name and message (XHR: the
/// event) in scratch.
#[no_mangle]
pub extern "C" fn pt_http_failed(span: f64, name_len: u32, message_len: u32, end_ms: f64) {
    http_span::failed(span, name_len, message_len, end_ms);
}

/// The request's Resource Timing entry (page-time milliseconds), if `found`; ends the span.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn pt_http_settle(
    span: f64,
    found: u32,
    domain_lookup_start: f64,
    domain_lookup_end: f64,
    connect_start: f64,
    secure_connection_start: f64,
    connect_end: f64,
    request_start: f64,
    response_start: f64,
    response_end: f64,
) {
    let timing = (found != 0).then_some(ResourceTiming {
        domain_lookup_start,
        domain_lookup_end,
        connect_start,
        secure_connection_start,
        connect_end,
        request_start,
        response_start,
        response_end,
    });
    http_span::timed(span, timing);
}

/// The trace headers of the scratch context, written back as lines for `inject` hooks.
#[no_mangle]
pub extern "C" fn pt_trace_headers() {
    websocket::trace_headers();
}

/// A received message's `traceparent` and `tracestate` in the scratch buffer: 1 and its context
/// written there, or 0 when the `traceparent` is not valid.
#[no_mangle]
pub extern "C" fn pt_extract(traceparent_len: u32, tracestate_len: u32) -> u32 {
    websocket::extract(traceparent_len, tracestate_len)
}

/// An `exception` event on the span from the error's type, message and stack in the scratch
/// buffer, at `time` (NaN: now); `fail` 1 also sets an error status with the message.
#[no_mangle]
pub extern "C" fn pt_exception(span: f64, type_len: u32, message_len: u32, stack_len: u32, time: f64, fail: u32) {
    api::exception(span, [type_len, message_len, stack_len], time, fail != 0);
}

/// The span's status: `code` 0 unset, 1 ok, 2 error with the message in the scratch buffer.
#[no_mangle]
pub extern "C" fn pt_status(span: f64, code: u32, message_len: u32) {
    api::set_status(span, code, message_len);
}

/// The span's new name, in the scratch buffer.
#[no_mangle]
pub extern "C" fn pt_rename(span: f64, name_len: u32) {
    api::rename(span, name_len);
}

/// Baggage of the tracer numbered `engine`: `op` one of `core::layout::BAGGAGE_*`, with the key
/// and value in the scratch buffer.
#[no_mangle]
pub extern "C" fn pt_baggage(engine: u32, op: u32, key_len: u32, value_len: u32) -> i32 {
    api::baggage(engine, op, key_len, value_len)
}

/// A body's `fetch` settled (see `transport::fetch::answered`); `flags` the `core::layout::ANSWER_*`.
#[no_mangle]
pub extern "C" fn pt_answered(
    engine: u32,
    attempt: u32,
    status: u32,
    retry_len: u32,
    flags: u32,
    sent: u32,
    body_len: u32,
) {
    transport::fetch::answered(engine, attempt, status, retry_len, flags, sent, body_len);
}

/// One body kept in storage by an earlier page, its URL and text in the scratch buffer (see
/// `transport::storage`).
#[no_mangle]
pub extern "C" fn pt_stored(url_len: u32, spans: f64, body_len: u32) {
    transport::storage::stored(url_len, spans, body_len);
}

/// The page was hidden, is going away or has loaded (`core::layout::PAGE_*`).
#[no_mangle]
pub extern "C" fn pt_page(event: u32) {
    lifecycle::event(event);
}

/// The page's `<meta name="traceparent">` and `tracestate` (length 0: none) in the scratch
/// buffer: 1 and its page-load span started, or 0 where the `traceparent` is not valid.
#[no_mangle]
pub extern "C" fn pt_page_load(traceparent_len: u32, tracestate_len: u32) -> u32 {
    page_load::begin(traceparent_len, tracestate_len)
}

/// A context from JS values (a `SpanContextInfo` of `extract()` or another SDK), its IDs and trace
/// state in the scratch buffer one after the other: 1 and the context written where `pt_start`
/// reads a given parent, or 0 when the IDs are not valid. `flags` is `traceFlags` where it is a
/// number from 0 to 255; otherwise `sampled` says.
#[no_mangle]
pub extern "C" fn pt_context(
    trace_len: u32,
    span_len: u32,
    state_len: u32,
    flags: f64,
    sampled: u32,
    remote: u32,
) -> u32 {
    propagation::put_context([trace_len, span_len, state_len], flags, sampled != 0, remote != 0)
}

/// Whether the message `pt_extract` read answers the open actions (see websocket.rs).
#[no_mangle]
pub extern "C" fn pt_answers() -> u32 {
    websocket::answers()
}

/// Starts a span under the open action, linked to the scratch context (another trace's message).
#[no_mangle]
pub extern "C" fn pt_start_linked(name: u32, kind_code: u32, start_ms: f64) -> f64 {
    websocket::start_linked(name, kind_code, start_ms)
}

/// An `inject` or `extract` hook threw: the message went as the game sent it.
#[no_mangle]
pub extern "C" fn pt_hook_error() {
    websocket::hook_error();
}

// What takes JS values.

/// Starts tracing: validates `config`, installs the tracer for this page (listeners, fetch and
/// XHR instrumentation); what an earlier page of this origin could not send goes a second
/// later. Calling it again returns the installed tracer and installs nothing twice; call
/// `shutdown()` first to start over with another config.
///
/// Throws an `Error` whose message names the offending key when the config is invalid.
#[wasm_bindgen(unchecked_return_type = "Tracer")]
pub fn init(#[wasm_bindgen(unchecked_param_type = "PlaytraceConfig")] config: JsValue) -> Result<JsValue, JsValue> {
    api::start(&config)
}

/// The tracer installed by `init`, if any.
#[wasm_bindgen(js_name = getTracer, unchecked_return_type = "Tracer | undefined")]
pub fn get_tracer() -> JsValue {
    Runtime::installed_tracer().unwrap_or(JsValue::UNDEFINED)
}

/// `stats()` of the tracer whose engine is numbered `engine`: its counters as the bytes of
/// doubles in a `Uint8Array`, which `boundary.js` names (undefined for no such engine).
#[wasm_bindgen(skip_typescript)]
pub fn pt_stats(engine: u32) -> JsValue {
    Runtime::numbered(engine).map_or(JsValue::UNDEFINED, api::stats)
}
