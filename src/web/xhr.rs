//! `XMLHttpRequest` instrumentation, with the same rules as `fetch` (many game engines' asset
//! loaders still use XHR). The prototype is patched in JS (`http.js`), because the hooks need the
//! request object as `this`; every decision is the engine's (`http_span`).

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::runtime::Runtime;

#[wasm_bindgen(module = "/src/web/http.js")]
extern "C" {
    fn install_xhr() -> JsValue;
}

/// Restores the prototype's methods that are still ours when dropped.
struct XhrHook {
    restore: Function,
}

impl Drop for XhrHook {
    fn drop(&mut self) {
        let _ = self.restore.call0(&JsValue::NULL);
    }
}

/// Patches `XMLHttpRequest.prototype`; the runtime keeps the hook until shutdown.
pub(crate) fn install(rt: &Rc<Runtime>) {
    if let Ok(restore) = install_xhr().dyn_into::<Function>() {
        rt.keep(Box::new(XhrHook { restore }));
    }
}
