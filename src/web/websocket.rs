//! WebSocket traces (`websocket.js`): PRODUCER spans for sends in an action, whose context the
//! message carries, CONSUMER spans for received messages that carry one, and the connection's
//! open, close and errors. The engine only counts the hooks that threw.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::boundary;
use super::lifecycle::Restore;
use super::runtime::Runtime;

#[wasm_bindgen(module = "/src/web/websocket.js")]
extern "C" {
    #[wasm_bindgen(js_name = wrapWebSocket)]
    fn wrap_websocket(tracer: &JsValue) -> js_sys::Function;
}

/// `instrument: { webSocket: true }`: every socket the page opens is traced, until shutdown.
pub(crate) fn install(rt: &Rc<Runtime>, tracer: &JsValue) {
    rt.keep(Box::new(Restore::new(wrap_websocket(tracer))));
}

/// The trace headers of the context JS put in the scratch buffer (`traceparent`, and
/// `tracestate` and `baggage` when there are any), written back as lines for `inject` hooks.
#[no_mangle]
pub extern "C" fn pt_trace_headers() {
    let headers = match (Runtime::installed(), boundary::read_context()) {
        (Some(rt), Some(cx)) => rt.trace_headers(&cx),
        _ => Vec::new(),
    };
    boundary::write_headers(&headers);
}

/// An `inject` or `extract` hook threw: the message went as the game sent it.
#[no_mangle]
pub extern "C" fn pt_hook_error() {
    if let Some(rt) = Runtime::installed() {
        rt.count_hook_error();
    }
}
