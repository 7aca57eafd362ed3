//! A `fetch` POST, with `keepalive` while the quota allows and gzipped where the browser can:
//! the transport of a page that stays, and the one that can be retried (it reports the answer).

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::delivery::Answer;
use crate::core::engine::export::Reply;
use crate::core::transport::parse_retry_after_seconds;

// `post` (boundary.js): compresses where asked and possible, sends, and calls
// `done(status, retryAfter, answered, sentBytes, gzipped)` once the request settles. A request
// that got no answer, when `probe` is given, is followed by a `no-cors` GET of the same URL: its
// opaque answer cannot be read but is seen to arrive, which tells a CORS refusal (the server is
// there) from nothing listening.
#[wasm_bindgen(module = "/src/web/boundary.js")]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = post)]
    fn post_js(
        fetch: &Function,
        url: &str,
        body: &Uint8Array,
        content_type: &str,
        keepalive: bool,
        credentials: bool,
        gzip: bool,
        probe: Option<Function>,
        done: JsValue,
    );
}

fn reply(status: u16, retry_after: &str, answered: bool, sent_bytes: u32, gzipped: bool) -> Reply {
    let answer = if status == 0 {
        Answer::None
    } else {
        let retry_after = (!retry_after.is_empty())
            .then(|| {
                parse_retry_after_seconds(retry_after).or_else(|| {
                    let at = js_sys::Date::parse(retry_after);
                    at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
                })
            })
            .flatten();
        Answer::Status(status, retry_after)
    };
    Reply { answer, probe_answered: status == 0 && answered, sent_bytes, gzipped }
}

/// How one body is posted.
pub(crate) struct Post<'a> {
    /// The page's own `fetch` as it was at `init`, so that it is never traced.
    pub(crate) fetch: &'a Function,
    pub(crate) url: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) keepalive: bool,
    pub(crate) credentials: bool,
    pub(crate) gzip: bool,
    /// The page's `fetch`, to probe an unanswered request for its cause (see `NetworkError`).
    pub(crate) probe: Option<Function>,
}

impl Post<'_> {
    /// Posts `body` (see [`super::body_bytes`]) and calls `done` once with the answer.
    pub(crate) fn send(self, body: &Uint8Array, done: impl FnOnce(Reply) + 'static) {
        let done = Closure::once_into_js(
            move |status: u16, retry_after: String, answered: bool, bytes: u32, gzipped: bool| {
                done(reply(status, &retry_after, answered, bytes, gzipped))
            },
        );
        post_js(
            self.fetch,
            self.url,
            body,
            self.content_type,
            self.keepalive,
            self.credentials,
            self.gzip,
            self.probe,
            done,
        );
    }
}
