//! `localStorage` as the last resort while the page goes away: bodies wait there for the next
//! `init` on this origin. What to keep within the bounds is the core's `PendingBodies`.

use js_sys::{Array, Object, JSON};
use wasm_bindgen::JsValue;

use crate::core::transport::{PendingBodies, PendingBody};
use crate::web::js::{get, set};

/// Where bodies that could not be sent while the page was hiding wait for the next `init`.
pub(crate) const STORAGE_KEY: &str = "playtrace:pending:v1";

fn storage() -> Option<web_sys::Storage> {
    crate::web::js::storage("localStorage")
}

/// Appends bodies to storage within its bounds, each merged into the newest stored one where
/// `merge` can. Returns the spans dropped to stay within them, or `Err` with the spans of
/// `bodies` when there is no storage at all.
pub(crate) fn append(bodies: Vec<PendingBody>, merge: impl Fn(&mut String, &str) -> bool) -> Result<u64, u64> {
    let Some(storage) = storage() else { return Err(bodies.iter().map(|b| b.spans as u64).sum()) };
    let mut pending = read(&storage);
    let mut dropped = 0;
    for body in bodies {
        dropped += pending.push(body, &merge);
    }
    // Over the browser's quota: make room, oldest first.
    while !pending.is_empty() && storage.set_item(STORAGE_KEY, &write(&pending)).is_err() {
        dropped += pending.drop_oldest();
    }
    Ok(dropped)
}

/// Takes every stored body out of storage.
pub(crate) fn take() -> PendingBodies {
    let Some(storage) = storage() else { return PendingBodies::default() };
    let pending = read(&storage);
    if !pending.is_empty() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
    pending
}

/// The stored bodies; anything unreadable is ignored.
fn read(storage: &web_sys::Storage) -> PendingBodies {
    let mut pending = PendingBodies::default();
    let Some(text) = storage.get_item(STORAGE_KEY).ok().flatten() else { return pending };
    let Ok(list) = JSON::parse(&text) else { return pending };
    if !Array::is_array(&list) {
        return pending;
    }
    for e in Array::from(&list).iter() {
        if let (Some(url), Some(spans), Some(json)) =
            (get(&e, "url").as_string(), get(&e, "spans").as_f64(), get(&e, "body").as_string())
        {
            pending.push(PendingBody { url, spans: spans as usize, json }, |_, _| false);
        }
    }
    pending
}

fn write(pending: &PendingBodies) -> String {
    let list = Array::new();
    for b in pending.bodies() {
        let o: JsValue = Object::new().into();
        set(&o, "url", &b.url.as_str().into());
        set(&o, "spans", &(b.spans as f64).into());
        set(&o, "body", &b.json.as_str().into());
        list.push(&o);
    }
    JSON::stringify(&list).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
