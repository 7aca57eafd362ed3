//! The scratch buffer: the memory JS writes strings and span contexts into for the numeric
//! exports (`wasm/src/lib.rs`), and reads the engine's answers from. Strings cross once through it,
//! written with `TextEncoder.encodeInto`; span names and attribute keys are interned, so they
//! cross once per page rather than once per span. Span contexts cross as six 32-bit words
//! (trace ID, span ID, big-endian), the flags and the trace state.
//!
//! Layout and codes: see `core::layout`, which the JS half (`boundary.js`) shares.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::core::context::ParentRule;
use crate::core::ids::{SpanId, TraceId};
use crate::core::layout::{self, CONTEXT_BYTES, FLAG_REMOTE, STRING_AT, TRACE_STATE_BYTES};
use crate::core::propagation::TraceState;
use crate::core::span::{AttributeValue, SharedStr, SpanKind};
use crate::core::span_context::{SpanContext, TraceFlags};
use crate::core::tracer::SpanHandle;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    /// Gives the JS half the instance's exports and the scratch buffer's address.
    fn bind(exports: JsValue, scratch: u32);
    /// `String(v)`, JavaScript's shortest round-trip text of a number, which no page can
    /// intercept (so it is safe to call while the engine encodes), written to the string area:
    /// its length.
    #[wasm_bindgen(js_name = numberText)]
    fn number_text(v: f64) -> u32;

    #[wasm_bindgen(js_name = pageFact)]
    fn page_fact_len(code: u32) -> i32;

    /// Whether the document is hidden (a worker never is).
    #[wasm_bindgen(js_name = pageHidden)]
    pub(crate) fn page_hidden() -> bool;

    /// The page's `fetch` as it is now, if it has one.
    #[wasm_bindgen(js_name = pageFetch)]
    pub(crate) fn page_fetch() -> Option<js_sys::Function>;
}

/// Writes a finite double as JavaScript would (see `core::encode::json::write_finite_f64`).
fn write_double(out: &mut String, v: f64) {
    let len = number_text(v);
    with_shared(|s| out.push_str(&s.string(len)));
}

/// A fact of the page (`core::layout::FACT_*`), read by `boundary.js`; `None` where there is
/// none.
pub(crate) fn page_fact(code: u32) -> Option<String> {
    answer(page_fact_len(code))
}

/// The text of `len` bytes JS just wrote to the string area for the engine (an import's answer),
/// `None` for a negative length (none).
pub(crate) fn answer(len: i32) -> Option<String> {
    let len = u32::try_from(len).ok()?;
    Some(with_shared(|s| s.string(len)))
}

/// Binds the JS half of the boundary to this instance (once per `init`).
pub(crate) fn bind_js() {
    bind(wasm_bindgen::exports(), scratch_ptr());
    crate::core::encode::json::use_double_writer(write_double);
}

/// The memory JS writes into, the strings it interned, the items of an array value it is giving
/// (`pt_item`), and the attributes it gave for the next event, link or resource (`PENDING`).
struct Shared {
    scratch: Vec<u8>,
    interned: Vec<SharedStr>,
    numbers: Vec<f64>,
    strings: Vec<String>,
    pending: Vec<(String, AttributeValue)>,
    dropped: u32,
}

thread_local! {
    // Initialised as a constant: a lazily initialised one checks its state on every access and
    // has its initialiser compiled into each crate that reads it. The buffer is allocated on
    // first use.
    static SHARED: RefCell<Shared> = const {
        RefCell::new(Shared {
            scratch: Vec::new(),
            interned: Vec::new(),
            numbers: Vec::new(),
            strings: Vec::new(),
            pending: Vec::new(),
            dropped: 0,
        })
    };
}

#[inline]
fn with_shared<R>(f: impl FnOnce(&mut Shared) -> R) -> R {
    SHARED.with(|s| {
        let mut s = s.borrow_mut();
        if s.scratch.is_empty() {
            allocate(&mut s);
        }
        f(&mut s)
    })
}

/// The buffer's first size: the context area and room for strings.
#[cold]
#[inline(never)]
fn allocate(s: &mut Shared) {
    s.scratch = vec![0; STRING_AT + 4096];
}

/// Where the scratch buffer starts in wasm memory (it moves when it grows).
pub(crate) fn scratch_ptr() -> u32 {
    with_shared(|s| s.scratch.as_ptr() as u32)
}

impl Shared {
    /// The string of `len` bytes that JS wrote at the string offset (`TextEncoder` writes
    /// valid UTF-8; anything else is replaced, never trusted).
    #[inline]
    fn string(&self, len: u32) -> String {
        self.string_at(0, len)
    }

    /// The string of `len` bytes at byte `at` of the string area.
    #[inline]
    fn string_at(&self, at: u32, len: u32) -> String {
        let start = (STRING_AT + at as usize).min(self.scratch.len());
        let bytes = &self.scratch[start..(start + len as usize).min(self.scratch.len())];
        crate::core::text::lossy(bytes)
    }

    /// An interned string; an unknown ID reads as the empty string.
    #[inline]
    fn interned(&self, id: u32) -> SharedStr {
        self.interned.get(id as usize).cloned().unwrap_or_else(|| "".into())
    }
}

/// The strings JS wrote one after another into the string area, read in order by their
/// lengths: `let mut t = texts(); let (key, value) = (t.next(key_len), t.next(value_len));`.
/// (One reader for any number of them: a reader per count was a copy in the wasm each.)
pub(crate) struct Texts {
    at: u32,
}

/// Reads the string area from its start (see [`Texts`]).
pub(crate) fn texts() -> Texts {
    Texts { at: 0 }
}

impl Texts {
    /// The next string, of `len` bytes.
    #[inline(never)]
    pub(crate) fn next(&mut self, len: u32) -> String {
        let at = self.at;
        self.at += len;
        with_shared(|s| s.string_at(at, len))
    }
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

/// Makes room for a string of `bytes` and returns the buffer's (possibly new) address.
pub fn reserve(bytes: u32) -> u32 {
    with_shared(|s| {
        let need = STRING_AT + bytes as usize;
        if s.scratch.len() < need {
            s.scratch.resize(need.next_power_of_two(), 0);
        }
        s.scratch.as_ptr() as u32
    })
}

/// Interns the string of `len` bytes JS wrote; JS remembers the returned ID for it.
pub fn intern(len: u32) -> u32 {
    with_shared(|s| {
        let text = s.string(len).into();
        s.interned.push(text);
        (s.interned.len() - 1) as u32
    })
}

/// Forgets every interned string (JS clears its own table at the same moment).
pub fn intern_clear() {
    with_shared(|s| s.interned.clear());
}

/// An item of the array value JS is giving: the number `value`, or with `string` the string of
/// `value` bytes in the string area.
pub fn item(value: f64, string: bool) {
    with_shared(|s| {
        if string {
            let text = s.string(value as u32);
            s.strings.push(text);
        } else {
            s.numbers.push(value);
        }
    });
}

/// The items JS gave since the last call, numbers and strings.
pub fn take_items() -> (Vec<f64>, Vec<String>) {
    with_shared(|s| (std::mem::take(&mut s.numbers), std::mem::take(&mut s.strings)))
}

/// Keeps an attribute for the next event, link or resource where `span` is `PENDING` (any other
/// handle that is not a span's is ignored); `None` is a value with no attribute type, counted
/// as dropped.
#[cold]
#[inline(never)]
pub fn pend(span: f64, key: SharedStr, value: Option<AttributeValue>) {
    if span == layout::PENDING {
        with_shared(|s| match value {
            Some(v) => s.pending.push((String::from(&*key), v)),
            None => s.dropped = s.dropped.saturating_add(1),
        });
    }
}

/// The attributes kept for the next event, link or resource, and how many were dropped for
/// having no attribute type; none are kept after.
pub fn take_pending() -> (Vec<(String, AttributeValue)>, u32) {
    with_shared(|s| (std::mem::take(&mut s.pending), std::mem::take(&mut s.dropped)))
}

/// The interned string `key` and the string of `len` bytes JS wrote.
#[inline]
pub fn key_and_string(key: u32, len: u32) -> (SharedStr, String) {
    with_shared(|s| (s.interned(key), s.string(len)))
}

/// An interned string; an unknown ID reads as the empty string.
#[inline]
pub fn interned(id: u32) -> SharedStr {
    with_shared(|s| s.interned(id))
}

/// Writes `cx` where JS reads the context of a span it just started (or one extracted).
#[inline]
pub fn write_context(cx: &SpanContext) {
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
/// Off the plain span path (only a given parent reads it): one copy for every caller.
#[inline(never)]
pub fn read_context() -> Option<SpanContext> {
    with_shared(|shared| {
        let s = &shared.scratch;
        let word = |i: usize| u32::from_le_bytes([s[i * 4], s[i * 4 + 1], s[i * 4 + 2], s[i * 4 + 3]]);
        // The IDs' bytes in order: each little-endian word holds four of them big-endian, so
        // byte `i` is at `i ^ 3`.
        let (mut trace, mut span) = ([0u8; 16], [0u8; 8]);
        for i in 0..16 {
            trace[i] = s[i ^ 3];
        }
        for i in 0..8 {
            span[i] = s[(16 + i) ^ 3];
        }
        let flags = TraceFlags::from_wire((word(6) & 0xFF) as u8);
        let state_len = (word(7) as usize).min(TRACE_STATE_BYTES);
        let remote = word(6) & FLAG_REMOTE != 0;
        let mut cx = SpanContext::new(TraceId::from_bytes(trace)?, SpanId::from_bytes(span)?, flags, remote);
        if state_len > 0 {
            let text = crate::core::text::lossy(&s[CONTEXT_BYTES..CONTEXT_BYTES + state_len]);
            cx.trace_state = TraceState::parse(&text).unwrap_or_default();
        }
        Some(cx)
    })
}

/// A handle from JS: 0 (or anything that is not one) is no span.
#[inline]
pub fn handle(bits: f64) -> Option<SpanHandle> {
    if bits.is_finite() && bits >= 1.0 {
        SpanHandle::from_bits(bits as u64)
    } else {
        None
    }
}

#[inline]
pub fn kind(code: u32) -> SpanKind {
    match code {
        layout::KIND_SERVER => SpanKind::Server,
        layout::KIND_CLIENT => SpanKind::Client,
        layout::KIND_PRODUCER => SpanKind::Producer,
        layout::KIND_CONSUMER => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// `pt_start`'s `parent` code: 0 implicit, 1 `withSpan` only, 2 none, 3 the scratch context.
#[inline]
pub fn parent_rule(code: u32) -> ParentRule {
    match code {
        layout::PARENT_ACTIVE_ONLY => ParentRule::ActiveOnly,
        layout::PARENT_ROOT => ParentRule::Root,
        layout::PARENT_GIVEN => ParentRule::Given,
        _ => ParentRule::Implicit,
    }
}
