//! A `fetch` POST, with `keepalive` while the quota allows: the fallback when a beacon is
//! refused, and the transport that can be retried (it reports the answer).

use js_sys::{Function, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::core::transport::parse_retry_after_seconds;
use crate::web::js::global;

/// What became of one attempt.
pub(crate) enum Outcome {
    /// The collector answered, with `Retry-After` in milliseconds if it gave one.
    Status(u16, Option<u64>),
    /// No answer: offline, refused, blocked, or CORS.
    NetworkError,
}

/// Posts the body with `fetch` (the page's own, as it was at `init`, so that it is never
/// traced) and waits for the answer.
pub(crate) async fn post(fetch: &Function, url: &str, json: &str, content_type: &str, keepalive: bool) -> Outcome {
    let init = super::post_init(json, content_type, keepalive);
    let Ok(promise) = fetch.call2(&global(), &url.into(), &init) else { return Outcome::NetworkError };
    let Ok(response) = JsFuture::from(Promise::resolve(&promise)).await else { return Outcome::NetworkError };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Outcome::NetworkError };
    let retry_after = response.headers().get("retry-after").ok().flatten().and_then(|v| {
        parse_retry_after_seconds(&v).or_else(|| {
            let at = js_sys::Date::parse(&v);
            at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
        })
    });
    Outcome::Status(response.status(), retry_after)
}
