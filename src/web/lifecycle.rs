//! Page-lifecycle listeners: `visibilitychange` to hidden and `pagehide` send everything by
//! what survives the page; `pagehide` first ends the spans still open, so they are not lost.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{get, global};
use super::runtime::{page_hidden, with_live, Runtime};

/// An event listener, removed when dropped.
pub(crate) struct Listener {
    target: web_sys::EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut()>,
}

impl Listener {
    /// Listens for `kind` on `target`; `None` if the target refused.
    pub(crate) fn new(target: web_sys::EventTarget, kind: &'static str, f: impl FnMut() + 'static) -> Option<Self> {
        let closure = Closure::<dyn FnMut()>::new(f);
        target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref()).ok()?;
        Some(Self { target, kind, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}

/// What a JS installer returned to undo itself (remove its listeners, restore what it wrapped),
/// called when dropped.
pub(crate) struct Restore {
    undo: js_sys::Function,
}

impl Restore {
    pub(crate) fn new(undo: js_sys::Function) -> Self {
        Self { undo }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = self.undo.call0(&JsValue::NULL);
    }
}

/// Installs the listeners; the runtime keeps them until shutdown.
pub(crate) fn install(rt: &Rc<Runtime>) {
    let document = get(&global(), "document");
    if document.is_object() {
        let document: web_sys::EventTarget = document.unchecked_into();
        let weak = Rc::downgrade(rt);
        let on_visibility = move || {
            if page_hidden() {
                with_live(&weak, |rt| rt.on_page_leaving());
            }
        };
        if let Some(l) = Listener::new(document, "visibilitychange", on_visibility) {
            rt.keep(Box::new(l));
        }
    }
    if let Some(window) = super::js::window() {
        let weak = Rc::downgrade(rt);
        let on_pagehide = move || {
            with_live(&weak, |rt| {
                rt.end_open_spans();
                rt.on_page_leaving();
            })
        };
        if let Some(l) = Listener::new(window, "pagehide", on_pagehide) {
            rt.keep(Box::new(l));
        }
    }
}
