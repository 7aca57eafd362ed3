//! HTTP client instrumentation: the `fetch` wrapper and the `XMLHttpRequest` prototype patch
//! (many game engines' asset loaders still use XHR). Both are JS (`http.js`): the wrapper copies
//! the caller's `init` and `Headers` rather than changing them and never reads or clones bodies,
//! and the XHR hooks need the request object as `this`. Every decision (traced or not, parent,
//! trace headers, outcome) is the engine's (`http_span`). One import from `http.js`, so the
//! generated glue names the module once.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::runtime::Runtime;

#[wasm_bindgen(module = "/src/web/http.js")]
extern "C" {
    #[wasm_bindgen(js_name = install)]
    fn install_http(fetch: bool, xhr: bool) -> Function;
}

/// Wraps the global `fetch` and patches `XMLHttpRequest.prototype`, as asked, until shutdown.
pub(crate) fn install(rt: &Runtime, fetch: bool, xhr: bool) {
    // Restores what each wrapper replaced, if it is still ours (`http.js` checks).
    rt.keep(install_http(fetch, xhr));
}
