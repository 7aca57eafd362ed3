//! A `fetch` POST, with `keepalive` while the quota allows and gzipped where the browser can:
//! the transport of a page that stays, and the one that can be retried (it reports the answer).

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::delivery::Answer;
use crate::core::engine::export::{keeps_body, Reply};
use crate::core::layout::{ANSWER_GZIPPED, ANSWER_PROBED};
use crate::core::transport::parse_retry_after_seconds;

// `post` (boundary.js): compresses where asked and possible, sends, and calls `pt_answered`
// (see [`answered`]) once the request settles. A request that got no answer, when `probe` is
// given, is followed by a `no-cors` GET of the same URL: its opaque answer cannot be read but is
// seen to arrive, which tells a CORS refusal (the server is there) from nothing listening.
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
        engine: u32,
        attempt: u32,
    );

    /// Copies the body `post` is answering for back into wasm memory at `at`.
    #[wasm_bindgen(js_name = copyAnswered)]
    fn copy_answered(memory: &JsValue, at: *mut u8);
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
    /// Posts `body` (see [`super::body_bytes`]); its answer goes to the runtime numbered `engine`
    /// as that of `attempt` ([`answered`]).
    pub(crate) fn send(self, body: &Uint8Array, engine: u32, attempt: u32) {
        post_js(
            self.fetch,
            self.url,
            body,
            self.content_type,
            self.keepalive,
            self.credentials,
            self.gzip,
            self.probe,
            engine,
            attempt,
        );
    }
}

/// `pt_answered` (see wasm/src/lib.rs): the request of `attempt` by the runtime numbered `engine`
/// settled with `status` (0: no response; the `Retry-After` header's `retry_len` bytes in the
/// scratch buffer), `sent` bytes sent, and `flags`: `ANSWER_PROBED` where a probe reached the
/// server, `ANSWER_GZIPPED`. The body (`body_len` bytes) is copied back only where the engine
/// keeps it to try again.
pub fn answered(engine: u32, attempt: u32, status: u32, retry_len: u32, flags: u32, sent: u32, body_len: u32) {
    let Some(rt) = crate::web::runtime::Runtime::numbered(engine) else { return };
    let retry_after = crate::web::scratch::texts().next(retry_len);
    let (probed, gzipped) = (flags & ANSWER_PROBED != 0, flags & ANSWER_GZIPPED != 0);
    let reply = reply(status.min(u32::from(u16::MAX)) as u16, &retry_after, probed, sent, gzipped);
    let body = keeps_body(&reply).then(|| {
        let len = body_len as usize;
        let mut out = Vec::<u8>::with_capacity(len);
        copy_answered(&wasm_bindgen::memory(), out.as_mut_ptr());
        // SAFETY: the copy wrote exactly `len` bytes into the capacity reserved for them. (Not
        // `to_vec`: its length check pulls panic formatting into the module.)
        unsafe { out.set_len(len) };
        crate::core::text::utf8(out).unwrap_or_default()
    });
    rt.answered(attempt, reply, body);
}
