//! The transports a body can leave by, one a file. Each only does the IO and reports what
//! happened; which one to use, and what to do after a refusal, is the core's transport plan.

pub(crate) mod beacon;
pub(crate) mod fetch;
pub(crate) mod fetch_later;
pub(crate) mod preflight;
pub(crate) mod storage;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

/// The body as bytes: copied out of wasm memory as they are, where a JS string would be decoded
/// from UTF-8 here and encoded again by the browser.
pub(crate) fn body_bytes(json: &str) -> Uint8Array {
    Uint8Array::from(json.as_bytes())
}

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = copyInto)]
    fn copy_into(bytes: &Uint8Array, memory: &JsValue, at: *mut u8);
}

/// The text of a body made by [`body_bytes`] (a failed request's, to wait for a retry).
pub(crate) fn body_text(bytes: &Uint8Array) -> String {
    let len = bytes.length() as usize;
    let mut out = Vec::<u8>::with_capacity(len);
    copy_into(bytes, &wasm_bindgen::memory(), out.as_mut_ptr());
    // SAFETY: the copy wrote exactly `len` bytes into the capacity reserved for them. (Not
    // `to_vec`: its length check pulls panic formatting into the module.)
    unsafe { out.set_len(len) };
    String::from_utf8(out).unwrap_or_default()
}
