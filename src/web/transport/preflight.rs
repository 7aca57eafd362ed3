//! `debug`: timed POSTs of an empty export that tell whether the endpoint's CORS preflight is
//! kept between sends (see the core's `preflight`). The requests live in `debug.js`, which
//! the page loads only then; it hands the times to `pt_preflight` (wasm/src/lib.rs).

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = probePreflight)]
    fn probe_preflight(fetch: &Function, url: &str, body: &str, content_type: &str, credentials: bool, later_ms: u32);
}

/// Times the probes; once they are all answered, `pt_preflight` gets the times (never, if the
/// page goes away first).
pub(crate) fn probe(fetch: &Function, url: &str, body: &str, content_type: &str, credentials: bool) {
    probe_preflight(fetch, url, body, content_type, credentials, crate::core::preflight::LATER_MS);
}
