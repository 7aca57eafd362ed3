//! Whether the endpoint's CORS preflight is kept between sends, judged from timed requests: a
//! page can never see a preflight or its `Access-Control-Max-Age` (the Fetch standard hides
//! both from scripts, and Resource Timing folds the preflight into the request's duration), so
//! `debug` measures instead. POSTs of an empty export go to a URL the page never sent to (a
//! query parameter makes it new, so the browser holds no preflight for it):
//!
//! - `simple`: a request that needs no preflight (`no-cors`, `text/plain`): the baseline;
//! - `fresh`: one as the exporter sends it, to the new URL: always preflighted;
//! - `warm`: the same at once, and `later`: the same again [`LATER_MS`] after (the connection
//!   kept open meanwhile). Chromium sends the preflight again for each where the answer had no
//!   max age (and would keep it five seconds at most by the Fetch standard).
//!
//! Either costing what `fresh` did over `simple` means the endpoint gives no max age.

/// How long after `warm` the `later` request goes: past the five seconds the Fetch standard
/// keeps a preflight whose answer has no `Access-Control-Max-Age`.
pub const LATER_MS: u32 = 6_000;

/// Whether `warm` or `later` was preflighted again, from the durations in milliseconds. A
/// preflight too cheap to see (under a millisecond) is given the benefit of the doubt: its cost
/// to the page does not matter either.
///
/// ```
/// use playtrace::core::preflight::preflight_repeats;
/// assert!(preflight_repeats(3.0, 152.0, 151.0, 149.0), "sent again each time: no max age");
/// assert!(preflight_repeats(3.0, 152.0, 4.0, 149.0), "kept five seconds at most");
/// assert!(!preflight_repeats(3.0, 152.0, 4.0, 3.5), "kept");
/// assert!(!preflight_repeats(2.0, 2.4, 2.3, 2.3), "too cheap to tell");
/// assert!(!preflight_repeats(f64::NAN, 152.0, 151.0, 149.0), "a probe that failed tells nothing");
/// ```
pub fn preflight_repeats(simple_ms: f64, fresh_ms: f64, warm_ms: f64, later_ms: f64) -> bool {
    let cost = fresh_ms - simple_ms;
    let again = |ms: f64| ms - simple_ms > cost / 2.0;
    cost > 1.0 && (again(warm_ms) || again(later_ms))
}
