//! WebSocket traces (`websocket.js`, shipped apart as `playtrace/websocket`): PRODUCER spans for sends in an action, whose context the
//! message carries, CONSUMER spans for received messages that carry one, and the connection's
//! open, close and errors. The engine only counts the hooks that threw.

use wasm_bindgen::prelude::*;

use super::api::wrap_sockets;
use super::runtime::Runtime;
use super::scratch;
use crate::core::context::ParentRule;
use crate::core::span_context::SpanContext;

/// `instrument: { webSocket: true }`: every socket the page opens is traced, until shutdown.
/// Where `playtrace/websocket` was not imported (it ships apart) api.js says so, once.
pub(crate) fn install(rt: &Runtime, tracer: &JsValue) {
    if let Some(undo) = wrap_sockets(tracer) {
        rt.keep(undo);
    }
}

/// The trace headers of the context JS put in the scratch buffer (`traceparent`, and
/// `tracestate` and `baggage` when there are any), written back as lines for `inject` hooks.
pub fn trace_headers() {
    let headers = match (Runtime::installed(), scratch::read_context()) {
        (Some(rt), Some(cx)) => rt.trace_headers(&cx),
        _ => Vec::new(),
    };
    scratch::write_headers(&headers);
}

/// A received message's `traceparent` and `tracestate` (length 0: none), one after the other in
/// the scratch buffer: 1 and the context written where `pt_start` reads a given parent, or 0
/// when the `traceparent` is not valid (an invalid `tracestate` is dropped, W3C says).
pub fn extract(traceparent_len: u32, tracestate_len: u32) -> u32 {
    let mut t = scratch::texts();
    let (traceparent, tracestate) = (t.next(traceparent_len), t.next(tracestate_len));
    match SpanContext::from_headers(&traceparent, (tracestate_len > 0).then_some(tracestate.as_str())) {
        Some(cx) => {
            scratch::write_context(&cx);
            1
        }
        None => 0,
    }
}

/// Whether the message whose context `pt_extract` wrote answers the open actions: none is
/// open, or one is in its trace. Its span is then that context's child (`pt_start`); else the
/// open action's child, linked to it (`pt_start_linked`): another player's move, say.
pub fn answers() -> u32 {
    match (Runtime::installed(), scratch::read_context()) {
        (Some(rt), Some(message)) => u32::from(rt.answers(&message.trace_id)),
        _ => 1,
    }
}

/// Starts a span named by interned `name` of kind `kind_code` at `start_ms`, with the implicit
/// parent (the open action) and a link to the context in the scratch buffer (a message of
/// another trace); writes its own context there, as `pt_start` does.
pub fn start_linked(name: u32, kind_code: u32, start_ms: f64) -> f64 {
    let Some(rt) = Runtime::installed() else { return 0.0 };
    let link = scratch::read_context();
    let (cx, handle) =
        rt.start_span(scratch::interned(name), scratch::kind(kind_code), ParentRule::Implicit, None, start_ms);
    if let (Some(h), Some(link)) = (handle, link) {
        rt.with_span(h, |span| span.add_link(link, Vec::new()));
    }
    scratch::write_context(&cx);
    handle.map_or(0.0, |h| h.to_bits() as f64)
}

/// `pt_hook_error` (see wasm/src/lib.rs).
pub fn hook_error() {
    if let Some(rt) = Runtime::installed() {
        rt.count_hook_error();
    }
}
