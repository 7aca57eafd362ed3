//! The page's lifecycle: `page.js` listens for the page hiding, going away (`pagehide`) and
//! loading, and calls `pt_page`. Hidden or going away, the engine sends everything by what
//! survives the page; going away, it first ends the spans still open, so they are not lost.

use wasm_bindgen::prelude::*;

use super::runtime::Runtime;
use crate::core::layout::{PAGE_HIDDEN, PAGE_HIDE};

#[wasm_bindgen(module = "/src/web/page.js")]
extern "C" {
    #[wasm_bindgen(js_name = watchPage)]
    fn watch_page() -> js_sys::Function;
}

/// Installs the listeners (and starts the page load's span where the page carries a context);
/// the runtime keeps them until shutdown. The runtime must be the installed one.
pub(crate) fn install(rt: &Runtime) {
    rt.keep(watch_page());
}

/// `pt_page` (see wasm/src/lib.rs): one of `core::layout::PAGE_*` happened to the page.
pub fn event(kind: u32) {
    let Some(rt) = Runtime::installed() else { return };
    if rt.is_shut_down() {
        return;
    }
    match kind {
        PAGE_HIDDEN => rt.on_page_leaving(),
        PAGE_HIDE => {
            rt.end_open_spans();
            rt.on_page_leaving();
        }
        _ => super::page_load::loaded(rt),
    }
}
