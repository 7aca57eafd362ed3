//! Transport policy, sans-IO: how much of the browser's keepalive quota is in use, and when to
//! retry a failed request. The browser layer asks and reports; it decides nothing itself.

use super::encode::append_body;

pub use super::config::KEEPALIVE_QUOTA_BYTES;

/// How long the bytes of a beacon are assumed to occupy the quota. A beacon reports no
/// completion, so the budget holds its bytes for this long (typical collector round trips are
/// far shorter) rather than guess that they are gone.
pub const BEACON_HOLD_NS: u64 = 5_000_000_000;

/// Bytes of keepalive requests (beacons, `fetch` with `keepalive`) believed in flight. Chromium
/// refuses a keepalive request that would take the document over 64 KiB in flight.
///
/// ```
/// use playtrace::core::transport::KeepaliveBudget;
/// let mut b = KeepaliveBudget::default();
/// let ticket = b.reserve(60_000, 0, u64::MAX);
/// assert!(!b.fits(10_000, 1));
/// b.release(ticket);
/// assert!(b.fits(60_000, 1));
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeepaliveBudget {
    /// (ticket, release time, bytes)
    in_flight: Vec<(u64, u64, usize)>,
    next_ticket: u64,
}

impl KeepaliveBudget {
    fn expire(&mut self, now_ns: u64) {
        // The order does not matter: swap_remove, the smallest way out of a Vec in the wasm.
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].1 <= now_ns {
                self.in_flight.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Bytes believed in flight at `now_ns`.
    pub fn in_flight(&mut self, now_ns: u64) -> usize {
        self.expire(now_ns);
        let mut bytes = 0;
        for &(_, _, b) in &self.in_flight {
            bytes += b;
        }
        bytes
    }

    /// Whether `bytes` more fit in the quota at `now_ns`.
    pub fn fits(&mut self, bytes: usize, now_ns: u64) -> bool {
        self.in_flight(now_ns) + bytes <= KEEPALIVE_QUOTA_BYTES
    }

    /// Counts `bytes` as in flight until released, or until `now_ns + hold_ns` at the latest.
    pub fn reserve(&mut self, bytes: usize, now_ns: u64, hold_ns: u64) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.in_flight.push((ticket, now_ns.saturating_add(hold_ns), bytes));
        ticket
    }

    /// The request of `ticket` completed: its bytes are released as if its hold had ended, and
    /// go at the next look (one way of removing entries in the wasm, not two).
    pub fn release(&mut self, ticket: u64) {
        if let Some(entry) = self.in_flight.iter_mut().find(|e| e.0 == ticket) {
            entry.1 = 0;
        }
    }
}

/// Responses worth retrying: rate limited, or a gateway/server that may recover.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Attempts after the first, at most.
pub const MAX_RETRIES: u32 = 4;
const BASE_DELAY_MS: u64 = 1_000;
const MAX_DELAY_MS: u64 = 60_000;

/// The delay before retry number `retry` (1-based), or `None` when it is time to give up.
/// A server's `Retry-After` (in milliseconds from now, already parsed) is honoured up to a
/// minute; otherwise the delay doubles from one second, with `jitter` (0 to 1) spreading the
/// second half so that many clients do not retry in step.
///
/// ```
/// use playtrace::core::transport::retry_delay_ms;
/// assert_eq!(retry_delay_ms(1, Some(3_000), 0.5), Some(3_000));
/// assert_eq!(retry_delay_ms(1, None, 0.0), Some(500));
/// assert_eq!(retry_delay_ms(3, None, 1.0), Some(4_000));
/// assert_eq!(retry_delay_ms(5, None, 0.0), None);
/// ```
pub fn retry_delay_ms(retry: u32, retry_after_ms: Option<u64>, jitter: f64) -> Option<u64> {
    if retry == 0 || retry > MAX_RETRIES {
        return None;
    }
    if let Some(ms) = retry_after_ms {
        return Some(ms.min(MAX_DELAY_MS));
    }
    let full = (BASE_DELAY_MS << (retry - 1)).min(MAX_DELAY_MS);
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
    Some(full / 2 + ((full / 2) as f64 * jitter) as u64)
}

/// Parses `Retry-After` given as delay-seconds (`"120"`) into milliseconds. HTTP dates are left
/// to the caller, which has a date parser.
pub fn parse_retry_after_seconds(value: &str) -> Option<u64> {
    let v = super::text::trim_ascii(value);
    if v.is_empty() || v.len() > 9 {
        return None;
    }
    let mut seconds = 0;
    for &c in v.as_bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        seconds = seconds * 10 + u64::from(c - b'0');
    }
    Some(seconds * 1000)
}

/// Bytes in one body sent by a plain `fetch`, at most. No keepalive quota applies to a page that
/// stays, so a whole batch goes in one request (each request costs the page far more CPU than
/// its bytes do); collectors accept much more (the OpenTelemetry Collector 20 MiB by default).
pub const FETCH_BODY_MAX_BYTES: usize = 1_000_000;

/// The most bytes the next body may have. One that may leave by beacon, keepalive `fetch` or
/// `fetchLater` must fit the keepalive quota (`batch_bytes`), and so does a body that came due
/// (a full one, or the timer's) while the quota has room: it goes by keepalive `fetch`. A flush
/// drains everything queued (`flushing_bytes`, as one body; 0 for a body that came due): when
/// that is more than one keepalive body, it goes by plain `fetch` in whole batches, since cutting
/// a keepalive body off its front would cost the page one request more. With the quota in use,
/// a page that stays sends by plain `fetch`, which takes a whole batch.
///
/// ```
/// use playtrace::core::transport::{body_limit, FETCH_BODY_MAX_BYTES};
/// assert_eq!(body_limit(true, false, 60_000, 0), 60_000);
/// assert_eq!(body_limit(true, false, 60_000, 20_000), 60_000);
/// assert_eq!(body_limit(true, false, 60_000, 200_000), FETCH_BODY_MAX_BYTES);
/// assert_eq!(body_limit(false, true, 60_000, 200_000), 60_000);
/// assert_eq!(body_limit(false, false, 60_000, 0), FETCH_BODY_MAX_BYTES);
/// ```
pub fn body_limit(fits_keepalive: bool, leaving: bool, batch_bytes: usize, flushing_bytes: usize) -> usize {
    if leaving || (fits_keepalive && flushing_bytes <= batch_bytes) {
        batch_bytes
    } else {
        FETCH_BODY_MAX_BYTES.max(batch_bytes)
    }
}

/// A way a body can leave the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `navigator.sendBeacon`: survives the page, within the keepalive quota.
    Beacon,
    /// `fetch` with `keepalive`: survives the page, within the same quota, and reports.
    KeepaliveFetch,
    /// A plain `fetch`, retried on 429, 502, 503, 504 and network errors.
    Fetch,
    /// `fetchLater`: sent by the browser after the page is gone.
    FetchLater,
    /// Kept in storage for the next page of this origin.
    Storage,
}

/// The transports to try for one body, in order: the sender moves to the next when one
/// refuses. `fits`: the body fits the keepalive quota now. `leaving`: the page is being hidden
/// or unloaded, so only what survives it may be used. `beacon`: `sendBeacon` may be used (it
/// always sends credentials, which not every collector allows).
///
/// A page that stays sends by `fetch`, whose answer it reads: only a 2xx counts as delivered,
/// and a failing endpoint is seen at the first body. A beacon's answer is never seen, so it is
/// kept for a page going away, where it is what survives (measured in `make bench`: a beacon
/// costs no less per span than a keepalive `fetch`).
///
/// ```
/// use playtrace::core::transport::{transport_plan, Transport};
/// assert_eq!(transport_plan(true, false, true), [Transport::KeepaliveFetch, Transport::Fetch]);
/// assert_eq!(transport_plan(false, true, true), [Transport::FetchLater, Transport::Storage]);
/// assert_eq!(transport_plan(true, true, true), [Transport::Beacon, Transport::FetchLater, Transport::Storage]);
/// // A collector that cannot allow credentials gets no beacons (they always carry cookies).
/// assert_eq!(transport_plan(true, true, false), [Transport::KeepaliveFetch, Transport::FetchLater, Transport::Storage]);
/// ```
pub fn transport_plan(fits: bool, leaving: bool, beacon: bool) -> &'static [Transport] {
    use Transport::*;
    match (fits, leaving, beacon) {
        (true, false, _) => &[KeepaliveFetch, Fetch],
        (false, false, _) => &[Fetch],
        (true, true, true) => &[Beacon, FetchLater, Storage],
        // Without beacons a keepalive fetch is what outlives the page, while the quota allows.
        (true, true, false) => &[KeepaliveFetch, FetchLater, Storage],
        (false, true, _) => &[FetchLater, Storage],
    }
}

/// A body waiting in storage for the next page: where it goes and how many spans it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingBody {
    /// The collector URL.
    pub url: String,
    /// Spans in the body.
    pub spans: usize,
    /// The body.
    pub json: String,
}

/// Bodies kept in storage at most, and characters of them.
pub const PENDING_MAX_BODIES: usize = 32;
/// See [`PENDING_MAX_BODIES`].
pub const PENDING_MAX_CHARS: usize = 1_000_000;

/// The bounded queue of bodies kept for the next page: the oldest go first, and the spans they
/// held are reported so that they are counted, never silently lost.
///
/// ```
/// use playtrace::core::transport::{PendingBodies, PendingBody, PENDING_MAX_BODIES};
/// let mut p = PendingBodies::default();
/// let body = |n| PendingBody { url: "u".into(), spans: n, json: "{}".into() };
/// let mut dropped = 0;
/// for _ in 0..PENDING_MAX_BODIES + 2 {
///     dropped += p.push(body(3), |_, _| false);
/// }
/// assert_eq!((p.bodies().count(), dropped), (PENDING_MAX_BODIES, 6));
/// ```
#[derive(Clone, Debug, Default)]
pub struct PendingBodies {
    bodies: Vec<PendingBody>,
    chars: usize,
}

impl PendingBodies {
    /// Adds a body, appended to the newest one for the same URL where `merge` can (see
    /// [`Encoder::merge`](super::encode::Encoder::merge)); returns the spans of the oldest bodies
    /// dropped to stay within the bounds.
    pub fn push(&mut self, body: PendingBody, merge: impl FnOnce(&mut String, &str) -> bool) -> u64 {
        let grown = match self.bodies.last_mut() {
            Some(last) if last.url == body.url => {
                append_body(&mut last.json, &mut last.spans, &body.json, body.spans, merge)
            }
            _ => None,
        };
        match grown {
            Some(grown) => self.chars += grown,
            None => {
                self.chars += body.json.len();
                self.bodies.push(body);
            }
        }
        let mut dropped = 0;
        while self.bodies.len() > PENDING_MAX_BODIES || self.chars > PENDING_MAX_CHARS {
            dropped += self.drop_oldest();
        }
        dropped
    }

    /// Drops the oldest body (storage is over its quota); returns its spans.
    pub fn drop_oldest(&mut self) -> u64 {
        if self.bodies.is_empty() {
            return 0;
        }
        let b = self.bodies.remove(0);
        self.chars -= b.json.len();
        b.spans as u64
    }

    /// The bodies, oldest first.
    pub fn bodies(&self) -> impl Iterator<Item = &PendingBody> {
        self.bodies.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }

    /// The bodies, oldest first, taken out.
    pub fn into_bodies(self) -> Vec<PendingBody> {
        self.bodies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_expires_unreleased_beacons() {
        let mut b = KeepaliveBudget::default();
        b.reserve(40_000, 0, BEACON_HOLD_NS);
        assert!(!b.fits(30_000, 1));
        assert!(b.fits(25_536, 1));
        assert!(b.fits(30_000, BEACON_HOLD_NS));
        assert_eq!(b.in_flight(BEACON_HOLD_NS), 0);
    }

    #[test]
    fn retry_policy() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 413, 500, 501] {
            assert!(!is_retryable_status(s));
        }
        assert_eq!(retry_delay_ms(0, None, 0.0), None);
        assert_eq!(retry_delay_ms(2, None, 0.0), Some(1_000));
        assert_eq!(retry_delay_ms(4, Some(600_000), 0.0), Some(60_000));
        assert_eq!(retry_delay_ms(1, None, f64::NAN), Some(500));
        assert_eq!(parse_retry_after_seconds(" 120 "), Some(120_000));
        for bad in ["", "-1", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", "9999999999"] {
            assert_eq!(parse_retry_after_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_plan_never_leaves_a_body_without_a_next_step() {
        for fits in [true, false] {
            for leaving in [true, false] {
                for beacon in [true, false] {
                    let plan = transport_plan(fits, leaving, beacon);
                    assert_eq!(plan.contains(&Transport::Beacon), fits && beacon && leaving);
                    assert_eq!(plan.contains(&Transport::KeepaliveFetch), fits && (!leaving || !beacon));
                    let last = *plan.last().unwrap();
                    assert_eq!(last, if leaving { Transport::Storage } else { Transport::Fetch });
                }
            }
        }
    }

    #[test]
    fn pending_bodies_are_bounded_by_characters_oldest_first() {
        let mut p = PendingBodies::default();
        let big = |spans| PendingBody { url: "u".into(), spans, json: "x".repeat(PENDING_MAX_CHARS / 2) };
        assert_eq!(p.push(big(1), |_, _| false) + p.push(big(2), |_, _| false), 0);
        assert_eq!(p.push(big(3), |_, _| false), 1, "the oldest made room");
        assert_eq!(p.bodies().map(|b| b.spans).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(p.drop_oldest() + p.drop_oldest() + p.drop_oldest(), 5);
        assert!(p.is_empty());
    }

    #[test]
    fn pending_bodies_for_the_same_url_merge_where_they_can() {
        let mut p = PendingBodies::default();
        let body = |url: &str| PendingBody { url: url.into(), spans: 2, json: "[1,2]".into() };
        let join = |into: &mut String, more: &str| {
            into.pop();
            into.push(',');
            into.push_str(&more[1..]);
            true
        };
        for _ in 0..PENDING_MAX_BODIES * 3 {
            assert_eq!(p.push(body("u"), join), 0);
        }
        assert_eq!(p.push(body("v"), join), 0, "another URL starts a body of its own");
        let kept: Vec<_> = p.bodies().map(|b| (b.url.as_str(), b.spans)).collect();
        assert_eq!(kept, [("u", PENDING_MAX_BODIES * 6), ("v", 2)]);
        assert_eq!(p.bodies().next().map(|b| b.json.len()), Some(1 + PENDING_MAX_BODIES * 3 * 4));
    }
}
