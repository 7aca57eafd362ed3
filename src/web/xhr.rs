//! `XMLHttpRequest` instrumentation, with the same rules as `fetch` (many game engines' asset
//! loaders still use XHR). A small JS shim patches the prototype, because the hooks need the
//! request object as `this`; every decision is made in Rust.

use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::http_span;
use super::js::{get, set};
use super::runtime::Runtime;
use crate::core::http::HttpOutcome;

#[wasm_bindgen(inline_js = r#"
export function patch_xhr(onOpen, onHeader, onSend) {
  if (typeof XMLHttpRequest === "undefined") return null;
  const P = XMLHttpRequest.prototype;
  if (P.open.__playtrace_wrapped) return null;
  const orig = { open: P.open, send: P.send, setRequestHeader: P.setRequestHeader };
  const open = function (method, url, ...rest) {
    onOpen(this, String(method), String(url));
    return orig.open.call(this, method, url, ...rest);
  };
  const setRequestHeader = function (name, value) {
    onHeader(this, String(name));
    return orig.setRequestHeader.call(this, name, value);
  };
  const send = function (body) {
    const done = onSend(this, orig.setRequestHeader);
    if (typeof done === "function") {
      let outcome = "load";
      for (const t of ["abort", "error", "timeout"]) this.addEventListener(t, () => { outcome = t; });
      this.addEventListener("loadend", () => done(this.status, outcome), { once: true });
    }
    return orig.send.call(this, body);
  };
  open.__playtrace_wrapped = true;
  P.open = open; P.send = send; P.setRequestHeader = setRequestHeader;
  return () => {
    if (P.open === open) P.open = orig.open;
    if (P.send === send) P.send = orig.send;
    if (P.setRequestHeader === setRequestHeader) P.setRequestHeader = orig.setRequestHeader;
  };
}
"#)]
extern "C" {
    fn patch_xhr(on_open: &Function, on_header: &Function, on_send: &Function) -> JsValue;
}

/// Per-request notes kept on the XHR object.
const NOTES: &str = "__playtrace";

type OpenHook = Closure<dyn FnMut(JsValue, String, String)>;
type HeaderHook = Closure<dyn FnMut(JsValue, String)>;
type SendHook = Closure<dyn FnMut(JsValue, Function) -> JsValue>;

/// The patched prototype; dropping it restores the methods that are still ours.
struct XhrHook {
    restore: Function,
    _hooks: (OpenHook, HeaderHook, SendHook),
}

/// Patches `XMLHttpRequest.prototype`; the runtime keeps the hook until shutdown.
pub(crate) fn install(rt: &Rc<Runtime>) {
    let on_open = OpenHook::new(|xhr: JsValue, method: String, url: String| {
        let notes: JsValue = js_sys::Object::new().into();
        set(&notes, "method", &method.into());
        set(&notes, "url", &url.into());
        set(&xhr, NOTES, &notes);
    });
    let on_header = HeaderHook::new(|xhr: JsValue, name: String| {
        if name.eq_ignore_ascii_case("traceparent") {
            let notes = get(&xhr, NOTES);
            if notes.is_object() {
                set(&notes, "callerTraceparent", &JsValue::TRUE);
            }
        }
    });
    let weak = Rc::downgrade(rt);
    let on_send = SendHook::new(move |xhr: JsValue, set_header: Function| on_send(&weak, &xhr, &set_header));
    let restore = patch_xhr(
        on_open.as_ref().unchecked_ref(),
        on_header.as_ref().unchecked_ref(),
        on_send.as_ref().unchecked_ref(),
    );
    if let Ok(restore) = restore.dyn_into::<Function>() {
        rt.keep(Box::new(XhrHook { restore, _hooks: (on_open, on_header, on_send) }));
    }
}

impl Drop for XhrHook {
    fn drop(&mut self) {
        let _ = self.restore.call0(&JsValue::NULL);
    }
}

/// Starts the span and sets trace headers; returns the `loadend` callback, or `undefined`
/// when the request is not traced.
fn on_send(weak: &Weak<Runtime>, xhr: &JsValue, set_header: &Function) -> JsValue {
    let Some(rt) = weak.upgrade() else { return JsValue::UNDEFINED };
    let notes = get(xhr, NOTES);
    let field = |k: &str| get(&notes, k).as_string();
    let (Some(method), Some(raw_url)) = (field("method"), field("url")) else { return JsValue::UNDEFINED };
    let caller_traceparent = get(&notes, "callerTraceparent").is_truthy();
    let Some(href) = super::js::resolve(&raw_url) else { return JsValue::UNDEFINED };
    let Some(mut span) = http_span::start(&rt, &href, &method, None, caller_traceparent) else {
        return JsValue::UNDEFINED;
    };
    let start_page_ms = super::clock::page_now_ms();
    for (name, value) in span.headers.take().unwrap_or_default() {
        let _ = set_header.call2(xhr, &name.into(), &value.into());
    }
    if span.handle.is_none() {
        return JsValue::UNDEFINED; // not sampled: nothing to record when it ends
    }
    Closure::once_into_js(move |status: u16, outcome: String| {
        let outcome = match outcome.as_str() {
            "abort" => HttpOutcome::Aborted,
            "load" => HttpOutcome::Response(status),
            other => HttpOutcome::Failed { error_type: other.to_owned(), message: String::new() },
        };
        http_span::finish(&rt, span, href, start_page_ms, outcome);
    })
}
