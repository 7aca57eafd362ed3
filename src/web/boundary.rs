//! The numeric boundary: the wasm exports that the JS API (`api.js`) calls on every span.
//!
//! Each takes and returns numbers only, so JS calls them directly, with no glue, no copied
//! objects and no allocation on the JS side. Strings cross once through a scratch buffer in wasm
//! memory that JS writes with `TextEncoder.encodeInto`; span names and attribute keys are
//! interned, so they cross once per page rather than once per span. Span contexts cross as six
//! 32-bit words (trace ID, span ID, big-endian), the flags and the trace state in the same buffer.
//!
//! Scratch layout and codes: see `core::layout`, which the JS half shares.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::runtime::Runtime;
use crate::core::context::ParentRule;
use crate::core::ids::{SpanId, TraceId};
use crate::core::layout::{self, CONTEXT_BYTES, FLAG_REMOTE, STRING_AT, TRACE_STATE_BYTES};
use crate::core::propagation::TraceState;
use crate::core::span::{SharedStr, SpanKind};
use crate::core::span_context::{SpanContext, TraceFlags};
use crate::core::tracer::SpanHandle;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    /// Gives the JS half the instance's exports and the scratch buffer's address.
    fn bind(exports: JsValue, scratch: u32);
    /// `String(v)`: JavaScript's shortest round-trip text of a number, which no page can
    /// intercept (so it is safe to call while the engine encodes).
    #[wasm_bindgen(js_name = numberText)]
    fn number_text(v: f64) -> String;
}

/// Writes a finite double as JavaScript would (see `core::encode::json::write_finite_f64`).
fn write_double(out: &mut String, v: f64) {
    out.push_str(&number_text(v));
}

/// Binds the JS half of the boundary to this instance (once per `init`).
pub(crate) fn bind_js() {
    bind(wasm_bindgen::exports(), scratch_ptr());
    crate::core::encode::json::use_double_writer(write_double);
}

/// The memory JS writes into and the strings it interned.
struct Shared {
    scratch: Vec<u8>,
    interned: Vec<SharedStr>,
}

thread_local! {
    static SHARED: RefCell<Shared> = RefCell::new(Shared { scratch: vec![0; STRING_AT + 4096], interned: Vec::new() });
}

fn with_shared<R>(f: impl FnOnce(&mut Shared) -> R) -> R {
    SHARED.with(|s| f(&mut s.borrow_mut()))
}

/// Where the scratch buffer starts in wasm memory (it moves when it grows).
pub(crate) fn scratch_ptr() -> u32 {
    with_shared(|s| s.scratch.as_ptr() as u32)
}

/// Makes room for a string of `bytes` and returns the buffer's (possibly new) address.
#[no_mangle]
pub extern "C" fn pt_scratch(bytes: u32) -> u32 {
    with_shared(|s| {
        let need = STRING_AT + bytes as usize;
        if s.scratch.len() < need {
            s.scratch.resize(need.next_power_of_two(), 0);
        }
        s.scratch.as_ptr() as u32
    })
}

impl Shared {
    /// The string of `len` bytes that JS wrote at the string offset (`TextEncoder` writes
    /// valid UTF-8; anything else is replaced, never trusted).
    fn string(&self, len: u32) -> String {
        self.string_at(0, len)
    }

    /// The string of `len` bytes at byte `at` of the string area.
    fn string_at(&self, at: u32, len: u32) -> String {
        let start = (STRING_AT + at as usize).min(self.scratch.len());
        let bytes = &self.scratch[start..(start + len as usize).min(self.scratch.len())];
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// An interned string; an unknown ID reads as the empty string.
    fn interned(&self, id: u32) -> SharedStr {
        self.interned.get(id as usize).cloned().unwrap_or_else(|| "".into())
    }
}

/// Strings JS wrote one after another into the string area, by their lengths.
pub(crate) fn scratch_strings<const N: usize>(lens: [u32; N]) -> [String; N] {
    with_shared(|s| {
        let mut at = 0;
        lens.map(|len| {
            let text = s.string_at(at, len);
            at += len;
            text
        })
    })
}

/// Writes text for JS into the string area, and its length in bytes into the first context word.
pub(crate) fn write_text(text: &str) {
    with_shared(|s| {
        let need = STRING_AT + text.len();
        if s.scratch.len() < need {
            s.scratch.resize(need.next_power_of_two(), 0);
        }
        s.scratch[STRING_AT..need].copy_from_slice(text.as_bytes());
        s.scratch[..4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    });
}

/// Writes header `(name, value)` pairs as the lines `name\nvalue\n...` (see [`write_text`]).
pub(crate) fn write_headers(headers: &[(&'static str, String)]) {
    let mut text = String::new();
    for (name, value) in headers {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(name);
        text.push('\n');
        text.push_str(value);
    }
    write_text(&text);
}

/// Interns the string in the scratch buffer; JS remembers the returned ID for that string. JS
/// bounds the table: when its own is full it clears both (`pt_intern_clear`).
#[no_mangle]
pub extern "C" fn pt_intern(len: u32) -> u32 {
    with_shared(|s| {
        let text = s.string(len).into();
        s.interned.push(text);
        (s.interned.len() - 1) as u32
    })
}

/// Counts something that happened on the JS side of the boundary (`core::layout::COUNT_*`).
#[no_mangle]
pub extern "C" fn pt_count(what: u32) {
    if let Some(rt) = Runtime::installed() {
        rt.count_boundary(what);
    }
}

/// Forgets every interned string (JS clears its own table at the same moment).
/// `debug`'s preflight probe (transport/preflight.rs) timed its requests, in milliseconds: says
/// once if the endpoint's CORS preflight is not kept between sends.
#[no_mangle]
pub extern "C" fn pt_preflight(simple: f64, fresh: f64, warm: f64, later: f64) {
    if let Some(rt) = Runtime::installed() {
        rt.preflight_timed(simple, fresh, warm, later);
    }
}

#[no_mangle]
pub extern "C" fn pt_intern_clear() {
    with_shared(|s| s.interned.clear());
}

/// An interned string; an unknown ID reads as the empty string.
pub(crate) fn interned(id: u32) -> SharedStr {
    with_shared(|s| s.interned(id))
}

/// Writes `cx` where JS reads the context of a span it just started (or one extracted).
pub(crate) fn write_context(cx: &SpanContext) {
    with_shared(|shared| {
        let s = &mut shared.scratch;
        let trace = cx.trace_id.to_bytes();
        let span = cx.span_id.to_bytes();
        let mut words = [0u32; 8];
        for (i, w) in words.iter_mut().take(4).enumerate() {
            *w = u32::from_be_bytes([trace[i * 4], trace[i * 4 + 1], trace[i * 4 + 2], trace[i * 4 + 3]]);
        }
        words[4] = u32::from_be_bytes([span[0], span[1], span[2], span[3]]);
        words[5] = u32::from_be_bytes([span[4], span[5], span[6], span[7]]);
        words[6] = u32::from(cx.flags.bits()) | if cx.is_remote { FLAG_REMOTE } else { 0 };
        let state = if cx.trace_state.is_empty() { String::new() } else { cx.trace_state.header_value() };
        let state = if state.len() <= TRACE_STATE_BYTES { state } else { String::new() };
        words[7] = state.len() as u32;
        for (i, w) in words.iter().enumerate() {
            s[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        s[CONTEXT_BYTES..CONTEXT_BYTES + state.len()].copy_from_slice(state.as_bytes());
    });
}

/// The context JS wrote: a span of this page, or one extracted (`pt_extract`), which is remote.
pub(crate) fn read_context() -> Option<SpanContext> {
    with_shared(|shared| {
        let s = &shared.scratch;
        let word = |i: usize| u32::from_le_bytes([s[i * 4], s[i * 4 + 1], s[i * 4 + 2], s[i * 4 + 3]]);
        let mut trace = [0u8; 16];
        for i in 0..4 {
            trace[i * 4..i * 4 + 4].copy_from_slice(&word(i).to_be_bytes());
        }
        let mut span = [0u8; 8];
        span[..4].copy_from_slice(&word(4).to_be_bytes());
        span[4..].copy_from_slice(&word(5).to_be_bytes());
        let flags = TraceFlags::from_wire((word(6) & 0xFF) as u8);
        let state_len = (word(7) as usize).min(TRACE_STATE_BYTES);
        let remote = word(6) & FLAG_REMOTE != 0;
        let mut cx = SpanContext::new(TraceId::from_bytes(trace)?, SpanId::from_bytes(span)?, flags, remote);
        if state_len > 0 {
            let text = String::from_utf8_lossy(&s[CONTEXT_BYTES..CONTEXT_BYTES + state_len]);
            cx.trace_state = TraceState::parse(&text).unwrap_or_default();
        }
        Some(cx)
    })
}

/// A handle from JS: 0 (or anything that is not one) is no span.
pub(crate) fn handle(bits: f64) -> Option<SpanHandle> {
    if bits.is_finite() && bits >= 1.0 {
        SpanHandle::from_bits(bits as u64)
    } else {
        None
    }
}

pub(crate) fn kind(code: u32) -> SpanKind {
    match code {
        layout::KIND_SERVER => SpanKind::Server,
        layout::KIND_CLIENT => SpanKind::Client,
        layout::KIND_PRODUCER => SpanKind::Producer,
        layout::KIND_CONSUMER => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// `pt_start`'s `parent` code: 0 implicit, 1 `withSpan` only, 2 none, 3 the scratch context.
pub(crate) fn parent_rule(code: u32) -> ParentRule {
    match code {
        layout::PARENT_ACTIVE_ONLY => ParentRule::ActiveOnly,
        layout::PARENT_ROOT => ParentRule::Root,
        layout::PARENT_GIVEN => ParentRule::Given,
        _ => ParentRule::Implicit,
    }
}

/// Starts a span named by interned `name`, of span kind `kind` (0 internal ... 4 consumer), with
/// its parent by `parent` (0 implicit, 1 `withSpan` only, 2 none, 3 the scratch context), at
/// `start_ms` (NaN: now). Writes its context to the scratch buffer; returns its handle, or 0
/// when it does not record (sampled out, disabled, no tracer).
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
    if let (Some(rt), Some(h)) = (Runtime::installed(), handle(span)) {
        rt.set_attribute(h, interned(key), super::attributes::number(value));
    }
}

/// Sets a boolean attribute (`value` 0 or 1).
#[no_mangle]
pub extern "C" fn pt_attr_bool(span: f64, key: u32, value: u32) {
    if let (Some(rt), Some(h)) = (Runtime::installed(), handle(span)) {
        rt.set_attribute(h, interned(key), (value != 0).into());
    }
}

/// Sets a string attribute whose value JS wrote to the scratch buffer (`len` bytes).
#[no_mangle]
pub extern "C" fn pt_attr_str(span: f64, key: u32, len: u32) {
    if let (Some(rt), Some(h)) = (Runtime::installed(), handle(span)) {
        let (key, value) = with_shared(|s| (s.interned(key), s.string(len)));
        rt.set_attribute(h, key, value.into());
    }
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
