//! Wall-clock time for spans, from the high-resolution `performance` clock.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    #[wasm_bindgen(thread_local_v2, js_namespace = performance, js_name = timeOrigin)]
    static TIME_ORIGIN: f64;
}

/// Milliseconds since the Unix epoch (as JS gives them) to nanoseconds; NaN, negative and
/// out-of-range inputs give 0 rather than trapping.
pub(crate) fn ms_to_ns(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        (ms * 1e6) as u64
    } else {
        0
    }
}

/// Now, in nanoseconds since the Unix epoch: `performance.timeOrigin + performance.now()`,
/// which is monotonic within the page and works in windows and workers alike.
pub(crate) fn now_ns() -> u64 {
    ms_to_ns(TIME_ORIGIN.with(|origin| *origin) + performance_now())
}

/// A caller's time in milliseconds to nanoseconds since the epoch. Values before the page's
/// time origin are `performance.now()`-style (the `requestAnimationFrame` timestamp); later
/// values are epoch milliseconds (`Date.now()`). Anything unusable means now.
pub(crate) fn time_input_ns(ms: f64) -> u64 {
    if !ms.is_finite() || ms < 0.0 {
        return now_ns();
    }
    let origin = TIME_ORIGIN.with(|origin| *origin);
    if ms < origin {
        ms_to_ns(origin + ms)
    } else {
        ms_to_ns(ms)
    }
}

/// A time on the page's timeline (milliseconds since the time origin) to epoch nanoseconds.
pub(crate) fn page_ms_to_ns(ms: f64) -> u64 {
    ms_to_ns(TIME_ORIGIN.with(|origin| *origin) + ms)
}

/// Epoch nanoseconds to the page's timeline (milliseconds since the time origin).
pub(crate) fn ns_to_page_ms(ns: u64) -> f64 {
    ns as f64 / 1e6 - TIME_ORIGIN.with(|origin| *origin)
}
