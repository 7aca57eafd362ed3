//! Uncaught errors and unhandled rejections, recorded on the open player action (or as a short
//! error span when none is open) by [`Runtime::record_error`], which also deduplicates and
//! rate-limits them. The listeners are JS (`errors.js`): they read the thrown value where a
//! getter may throw, and cost no Rust closures. `captureErrors: false` installs none.

use wasm_bindgen::prelude::*;

use super::runtime::Runtime;
use super::scratch;

#[wasm_bindgen(module = "/src/web/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = install)]
    fn install_errors() -> js_sys::Function;
}

/// Listens for `error` and `unhandledrejection` on the global object until shutdown.
pub(crate) fn install(rt: &Runtime) {
    rt.keep(install_errors());
}

/// Records what `pt_error` reports (see wasm/src/lib.rs).
pub fn uncaught(type_len: u32, message_len: u32, stack_len: u32) {
    if let Some(rt) = Runtime::installed() {
        let mut t = scratch::texts();
        let (error_type, message, stack) = (t.next(type_len), t.next(message_len), t.next(stack_len));
        rt.record_error(&error_type, &message, &stack);
    }
}
