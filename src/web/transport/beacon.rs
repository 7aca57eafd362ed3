//! `navigator.sendBeacon` with a typed Blob: survives the page going away, but shares the
//! document's 64 KiB keepalive quota and reports no completion.

use js_sys::Array;

use crate::web::js::{get, global, method};

/// Queues the body; false if the browser refused it (quota) or has no `sendBeacon`.
pub(crate) fn send(url: &str, json: &str, content_type: &str) -> bool {
    let navigator = get(&global(), "navigator");
    let Some(send_beacon) = method(&navigator, "sendBeacon") else { return false };
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(content_type);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&Array::of1(&super::body_bytes(json)), &bag)
    else {
        return false;
    };
    matches!(send_beacon.call2(&navigator, &url.into(), &blob), Ok(v) if v.as_bool() == Some(true))
}
