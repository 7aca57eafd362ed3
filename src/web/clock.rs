//! Wall-clock time for spans, from the high-resolution `performance` clock.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    #[wasm_bindgen(thread_local_v2, js_namespace = performance, js_name = timeOrigin)]
    static TIME_ORIGIN: f64;
}

thread_local! {
    /// `performance.timeOrigin`, read once: a plain cell costs a load where the imported
    /// thread-local checks its state and calls out on every span.
    static ORIGIN: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NAN) };
}

/// `performance.timeOrigin` in milliseconds since the epoch.
#[inline]
fn origin() -> f64 {
    let o = ORIGIN.with(std::cell::Cell::get);
    if o.is_nan() {
        read_origin()
    } else {
        o
    }
}

#[cold]
#[inline(never)]
fn read_origin() -> f64 {
    let o = TIME_ORIGIN.with(|origin| *origin);
    ORIGIN.with(|c| c.set(o));
    o
}

/// Milliseconds since the Unix epoch (as JS gives them) to nanoseconds, to the nearest
/// microsecond: no browser clock is finer, and the float noise below it would only be digits in
/// every body. NaN, negative and out-of-range inputs give 0 rather than trapping.
#[inline]
pub(crate) fn ms_to_ns(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        ((ms * 1e3 + 0.5) as u64).saturating_mul(1000)
    } else {
        0
    }
}

/// Now, in nanoseconds since the Unix epoch: `performance.timeOrigin + performance.now()`,
/// which is monotonic within the page and works in windows and workers alike.
#[inline]
pub(crate) fn now_ns() -> u64 {
    ms_to_ns(origin() + performance_now())
}

/// Below this many milliseconds a time is on the page's timeline (`performance.now()`, a
/// `requestAnimationFrame` or `event.timeStamp` value: a page would have to be open for 31
/// years to reach it); at or above, since the epoch (`Date.now()`: every time since September
/// 2001). Told by size, so an epoch time from before the page loaded is still an epoch time.
pub(crate) const EPOCH_FLOOR_MS: f64 = 1e12;

/// A caller's time in milliseconds to nanoseconds since the epoch: page time or epoch time,
/// told apart by [`EPOCH_FLOOR_MS`]. Anything unusable means now.
#[inline]
pub(crate) fn time_input_ns(ms: f64) -> u64 {
    if !ms.is_finite() || ms < 0.0 {
        return now_ns();
    }
    if ms < EPOCH_FLOOR_MS {
        page_ms_to_ns(ms)
    } else {
        ms_to_ns(ms)
    }
}

/// A time on the page's timeline (milliseconds since the time origin) to epoch nanoseconds.
pub(crate) fn page_ms_to_ns(ms: f64) -> u64 {
    ms_to_ns(origin() + ms)
}

/// Epoch nanoseconds to the page's timeline (milliseconds since the time origin).
pub(crate) fn ns_to_page_ms(ns: u64) -> f64 {
    ns as f64 / 1e6 - origin()
}
