//! The transports a body can leave by, one a file. Each only does the IO and reports what
//! happened; which one to use, and what to do after a refusal, is the core's transport plan.

pub(crate) mod beacon;
pub mod fetch;
pub(crate) mod fetch_later;
pub(crate) mod preflight;
pub mod storage;

use js_sys::Uint8Array;

/// The body as bytes: copied out of wasm memory as they are, where a JS string would be decoded
/// from UTF-8 here and encoded again by the browser.
pub(crate) fn body_bytes(json: &str) -> Uint8Array {
    Uint8Array::from(json.as_bytes())
}
