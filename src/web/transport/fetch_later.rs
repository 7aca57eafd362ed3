//! `fetchLater`, where the browser has it: a request the browser sends after the page is gone.

use crate::web::js::{global, method};

/// Hands the body to `fetchLater`; false where there is none or it refused (quota).
pub(crate) fn send(url: &str, json: &str, content_type: &str, credentials: bool) -> bool {
    let g = global();
    let Some(fetch_later) = method(&g, "fetchLater") else { return false };
    fetch_later
        .call2(&g, &url.into(), &super::post_init(&super::body_bytes(json), content_type, false, credentials))
        .is_ok()
}
