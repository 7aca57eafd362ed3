//! A `fetch` POST, with `keepalive` while the quota allows: the fallback when a beacon is
//! refused, and the transport that can be retried (it reports the answer).

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::core::transport::parse_retry_after_seconds;
use crate::web::js::global;

#[wasm_bindgen(inline_js = "export function settled(p, done) {
  Promise.resolve(p).then((r) => {
    let status = 0, retryAfter = '';
    try { status = r.status; retryAfter = r.headers.get('retry-after') || ''; } catch {}
    done(status, retryAfter);
  }, () => done(0, ''));
}
export function probe(fetch, url, done) {
  try {
    Promise.resolve(fetch.call(globalThis, url, { mode: 'no-cors', credentials: 'omit', cache: 'no-store' }))
      .then(() => done(true), () => done(false));
  } catch { done(false); }
}")]
extern "C" {
    fn settled(promise: &JsValue, done: JsValue);
    #[wasm_bindgen(js_name = probe)]
    fn probe_js(fetch: &Function, url: &str, done: JsValue);
}

/// What became of one attempt.
pub(crate) enum Outcome {
    /// The collector answered, with `Retry-After` in milliseconds if it gave one.
    Status(u16, Option<u64>),
    /// No answer: offline, refused, blocked, or CORS.
    NetworkError,
}

fn outcome(status: u16, retry_after: &str) -> Outcome {
    if status == 0 {
        return Outcome::NetworkError;
    }
    let retry_after = (!retry_after.is_empty())
        .then(|| {
            parse_retry_after_seconds(retry_after).or_else(|| {
                let at = js_sys::Date::parse(retry_after);
                at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
            })
        })
        .flatten();
    Outcome::Status(status, retry_after)
}

/// Posts the body with `fetch` (the page's own, as it was at `init`, so that it is never
/// traced); the body's bytes are copied into the request now. Returns the request's promise.
pub(crate) fn post(
    fetch: &Function,
    url: &str,
    json: &str,
    content_type: &str,
    keepalive: bool,
    credentials: bool,
) -> JsValue {
    let init = super::post_init(json, content_type, keepalive, credentials);
    // A fetch that throws (a bad URL, a blocked scheme) settles as a network error.
    fetch.call2(&global(), &url.into(), &init).unwrap_or_else(|e| js_sys::Promise::reject(&e).into())
}

/// Calls `done` once with the answer to a request `post` made.
pub(crate) fn when_settled(request: &JsValue, done: impl FnOnce(Outcome) + 'static) {
    let done = Closure::once_into_js(move |status: u16, retry_after: String| done(outcome(status, &retry_after)));
    settled(request, done);
}

/// Whether anything answers at `url` to a request that needs no CORS (a `no-cors` GET, whose
/// opaque answer the page cannot read but does see arrive): tells a CORS refusal from a server
/// that is not there. Calls `done` once.
pub(crate) fn probe(fetch: &Function, url: &str, done: impl FnOnce(bool) + 'static) {
    probe_js(fetch, url, Closure::once_into_js(done));
}
