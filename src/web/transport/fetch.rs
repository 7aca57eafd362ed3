//! A `fetch` POST, with `keepalive` while the quota allows: the fallback when a beacon is
//! refused, and the transport that can be retried (it reports the answer).

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::transport::parse_retry_after_seconds;
use crate::web::js::global;

// `settled` (boundary.js): calls `done(status, retryAfter, answered)` once the request settles.
// A request that got no answer, when `probe` is given, is followed by a `no-cors` GET of the
// same URL: its opaque answer cannot be read but is seen to arrive, which tells a CORS refusal
// (the server is there) from nothing listening.
#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    fn settled(promise: &JsValue, done: JsValue, probe: Option<Function>, url: &str);
}

/// What became of one attempt.
pub(crate) enum Outcome {
    /// The collector answered, with `Retry-After` in milliseconds if it gave one.
    Status(u16, Option<u64>),
    /// No answer: offline, refused, blocked, or CORS. `answered`: a probe that needs no CORS
    /// got an answer (so CORS refused this page).
    NetworkError { answered: bool },
}

fn outcome(status: u16, retry_after: &str, answered: bool) -> Outcome {
    if status == 0 {
        return Outcome::NetworkError { answered };
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

/// Posts `body` (see [`super::body_bytes`]) with `fetch` (the page's own, as it was at `init`,
/// so that it is never traced). Returns the request's promise.
pub(crate) fn post(
    fetch: &Function,
    url: &str,
    body: &Uint8Array,
    content_type: &str,
    keepalive: bool,
    credentials: bool,
) -> JsValue {
    let init = super::post_init(body, content_type, keepalive, credentials);
    // A fetch that throws (a bad URL, a blocked scheme) settles as a network error.
    fetch.call2(&global(), &url.into(), &init).unwrap_or_else(|e| js_sys::Promise::reject(&e).into())
}

/// Calls `done` once with the answer to a request `post` made to `url`; with `probe` (the
/// page's `fetch`), an unanswered request is probed first (see `NetworkError`).
pub(crate) fn when_settled(
    request: &JsValue,
    url: &str,
    probe: Option<Function>,
    done: impl FnOnce(Outcome) + 'static,
) {
    let done = Closure::once_into_js(move |status: u16, retry_after: String, answered: bool| {
        done(outcome(status, &retry_after, answered))
    });
    settled(request, done, probe, url);
}
