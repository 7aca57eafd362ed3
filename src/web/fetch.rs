//! `fetch` instrumentation. The wrapper is JS (`http.js`): it copies the caller's `init` and
//! `Headers` rather than changing them, and never reads or clones bodies; it asks the engine
//! (`http_span`) whether a request is traced, for its parent and its trace headers, and reports
//! how it ended.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::runtime::Runtime;

#[wasm_bindgen(module = "/src/web/http.js")]
extern "C" {
    fn install_fetch(engine: &JsValue) -> JsValue;
}

/// Restores the page's `fetch` when dropped, if the global is still ours.
struct FetchHook {
    restore: Function,
}

impl Drop for FetchHook {
    fn drop(&mut self) {
        let _ = self.restore.call0(&JsValue::NULL);
    }
}

/// Wraps the global `fetch`; the runtime keeps the hook until shutdown. `engine`: the JS
/// object of the tracer's engine, for parents that are not our spans.
pub(crate) fn install(rt: &Rc<Runtime>, engine: &JsValue) {
    if let Ok(restore) = install_fetch(engine).dyn_into::<Function>() {
        rt.keep(Box::new(FetchHook { restore }));
    }
}
