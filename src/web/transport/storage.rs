//! `localStorage` as the last resort while the page goes away: bodies wait there for the next
//! `init` on this origin. `storage.js` reads and writes it; what to keep within the bounds is the
//! core's `PendingBodies`.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::core::encode::json::{write_str, write_u64};
use crate::core::transport::{PendingBodies, PendingBody};
use crate::web::scratch;

#[wasm_bindgen(module = "/src/web/storage.js")]
extern "C" {
    /// Hands every stored body to [`stored`], and removes them where `take`; false where there is
    /// no storage.
    #[wasm_bindgen(js_name = readStored)]
    fn read_stored(take: bool) -> bool;

    /// Stores the list; false where storage refused it (its quota).
    #[wasm_bindgen(js_name = writeStored)]
    fn write_stored(text: &str) -> bool;

    #[wasm_bindgen(js_name = sessionId)]
    fn session_id_len(fresh: &str) -> u32;
}

/// The tab's session ID from `sessionStorage`, else `fresh`, stored there (by `storage.js`).
pub(crate) fn session_id(fresh: &str) -> String {
    scratch::answer(session_id_len(fresh) as i32).unwrap_or_default()
}

thread_local! {
    /// The bodies `storage.js` is handing over.
    static READ: RefCell<Vec<PendingBody>> = const { RefCell::new(Vec::new()) };
}

/// `pt_stored` (see wasm/src/lib.rs): one stored body, its URL and text of the given lengths in
/// the scratch buffer.
pub fn stored(url_len: u32, spans: f64, json_len: u32) {
    let mut t = scratch::texts();
    let (url, json) = (t.next(url_len), t.next(json_len));
    let spans = if spans.is_finite() && spans >= 0.0 { spans as usize } else { 0 };
    READ.with(|r| r.borrow_mut().push(PendingBody { url, spans, json }));
}

/// The stored bodies, taken out of storage where `take`; `None` where there is no storage.
fn read(take: bool) -> Option<PendingBodies> {
    if !read_stored(take) {
        return None;
    }
    let mut pending = PendingBodies::default();
    for body in READ.with(|r| std::mem::take(&mut *r.borrow_mut())) {
        pending.push(body, |_, _| false);
    }
    Some(pending)
}

/// Appends bodies to storage within its bounds, each merged into the newest stored one where
/// `merge` can. Returns the spans dropped to stay within them, or `Err` with the spans of
/// `bodies` when there is no storage at all.
pub(crate) fn append(bodies: Vec<PendingBody>, merge: impl Fn(&mut String, &str) -> bool) -> Result<u64, u64> {
    let Some(mut pending) = read(false) else {
        let mut lost = 0;
        for b in &bodies {
            lost += b.spans as u64;
        }
        return Err(lost);
    };
    let mut dropped = 0;
    for body in bodies {
        dropped += pending.push(body, &merge);
    }
    // Over the browser's quota: make room, oldest first.
    while !pending.is_empty() && !write_stored(&write(&pending)) {
        dropped += pending.drop_oldest();
    }
    Ok(dropped)
}

/// Takes every stored body out of storage.
pub(crate) fn take() -> PendingBodies {
    read(true).unwrap_or_default()
}

/// The list as JSON: `[{"url":...,"spans":...,"body":...}, ...]`.
fn write(pending: &PendingBodies) -> String {
    let mut out = String::from("[");
    for b in pending.bodies() {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str("{\"url\":");
        write_str(&mut out, &b.url);
        out.push_str(",\"spans\":");
        write_u64(&mut out, b.spans as u64);
        out.push_str(",\"body\":");
        write_str(&mut out, &b.json);
        out.push('}');
    }
    out.push(']');
    out
}
