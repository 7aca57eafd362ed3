//! Input to result: actions started from an input event get the browser's Event Timing
//! breakdown and the latency to the frame that can show their result (`input.js`).
//! `inputTiming: false` installs nothing, and actions end when they settle.

use wasm_bindgen::prelude::*;

use super::runtime::Runtime;

#[wasm_bindgen(module = "/src/web/input.js")]
extern "C" {
    #[wasm_bindgen(js_name = observeInput)]
    fn observe_input() -> Option<js_sys::Function>;
}

/// Observes Event Timing entries until shutdown.
pub(crate) fn install(rt: &Runtime) {
    if let Some(stop) = observe_input() {
        rt.keep(stop);
    }
}
