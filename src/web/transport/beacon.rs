//! `navigator.sendBeacon` with a typed Blob: survives the page going away, but shares the
//! document's 64 KiB keepalive quota and reports no completion.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    fn beacon(url: &str, bytes: &Uint8Array, content_type: &str) -> bool;
}

/// Queues the body; false if the browser refused it (quota) or has no `sendBeacon`.
pub(crate) fn send(url: &str, json: &str, content_type: &str) -> bool {
    beacon(url, &super::body_bytes(json), content_type)
}
