//! What `debug` says goes to the console through `say` in boundary.js, which loads the texts
//! (debug.js) at the first decision said; the engine passes a decision's code and detail only.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    /// Says decision `code` (core::diagnostics) with `detail`, once debug.js has loaded.
    pub(crate) fn say(code: u32, detail: &str);
}
