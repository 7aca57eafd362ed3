//! `fetchLater`, where the browser has it: a request the browser sends after the page is gone.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    fn later(url: &str, bytes: &Uint8Array, content_type: &str, credentials: bool) -> bool;
}

/// Hands the body to `fetchLater`; false where there is none or it refused (quota).
pub(crate) fn send(url: &str, json: &str, content_type: &str, credentials: bool) -> bool {
    later(url, &super::body_bytes(json), content_type, credentials)
}
