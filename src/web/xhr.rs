//! `XMLHttpRequest` instrumentation, with the same rules as `fetch` (many game engines' asset
//! loaders still use XHR). A small JS shim patches the prototype, because the hooks need the
//! request object as `this`; every decision is made in Rust.

use std::rc::{Rc, Weak};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::runtime::Inner;
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
pub(crate) struct XhrHook {
    restore: Function,
    _hooks: (OpenHook, HeaderHook, SendHook),
}

impl XhrHook {
    pub(crate) fn install(inner: &Rc<Inner>) -> Option<Self> {
        let on_open = OpenHook::new(|xhr: JsValue, method: String, url: String| {
            let notes = js_sys::Object::new();
            let _ = Reflect::set(&notes, &"method".into(), &method.into());
            let _ = Reflect::set(&notes, &"url".into(), &url.into());
            let _ = Reflect::set(&xhr, &NOTES.into(), &notes);
        });
        let on_header = HeaderHook::new(|xhr: JsValue, name: String| {
            if name.eq_ignore_ascii_case("traceparent") {
                let notes = Reflect::get(&xhr, &NOTES.into()).unwrap_or(JsValue::UNDEFINED);
                if notes.is_object() {
                    let _ = Reflect::set(&notes, &"callerTraceparent".into(), &JsValue::TRUE);
                }
            }
        });
        let weak = Rc::downgrade(inner);
        let on_send = SendHook::new(move |xhr: JsValue, set_header: Function| on_send(&weak, &xhr, &set_header));
        let restore = patch_xhr(
            on_open.as_ref().unchecked_ref(),
            on_header.as_ref().unchecked_ref(),
            on_send.as_ref().unchecked_ref(),
        );
        let restore = restore.dyn_into::<Function>().ok()?;
        Some(Self { restore, _hooks: (on_open, on_header, on_send) })
    }
}

impl Drop for XhrHook {
    fn drop(&mut self) {
        let _ = self.restore.call0(&JsValue::NULL);
    }
}

/// Starts the span and sets trace headers; returns the `loadend` callback, or `undefined`
/// when the request is not traced.
fn on_send(weak: &Weak<Inner>, xhr: &JsValue, set_header: &Function) -> JsValue {
    let Some(inner) = weak.upgrade() else { return JsValue::UNDEFINED };
    let notes = Reflect::get(xhr, &NOTES.into()).unwrap_or(JsValue::UNDEFINED);
    let field = |k: &str| Reflect::get(&notes, &k.into()).ok().and_then(|v| v.as_string());
    let (Some(method), Some(raw_url)) = (field("method"), field("url")) else { return JsValue::UNDEFINED };
    let caller_traceparent = Reflect::get(&notes, &"callerTraceparent".into()).is_ok_and(|v| v.is_truthy());
    let Some(href) = super::fetch::resolve(&raw_url) else { return JsValue::UNDEFINED };
    let Some(start) = super::fetch::start_client_span(&inner, &href, &method, None, caller_traceparent) else {
        return JsValue::UNDEFINED;
    };
    for (name, value) in start.headers.unwrap_or_default() {
        let _ = set_header.call2(xhr, &name.into(), &value.into());
    }
    let (Some(handle), start_page_ms) = (start.handle, start.start_page_ms) else {
        return JsValue::UNDEFINED; // not sampled: nothing to record when it ends
    };
    let done = Closure::once_into_js(move |status: u16, outcome: String| {
        let outcome = match outcome.as_str() {
            "abort" => HttpOutcome::Aborted,
            "load" => HttpOutcome::Response(status),
            other => HttpOutcome::Failed { error_type: other.to_owned(), message: String::new() },
        };
        super::fetch::settle(&inner, Some(handle), &href, start_page_ms, outcome);
    });
    done
}
