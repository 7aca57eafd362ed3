//! Delivery, sans-IO: what became of each body sent by `fetch`, whether the endpoint is known to
//! work, and the bodies that wait for it. The browser layer sends and reports answers; this
//! decides what counts as delivered, what waits, what is dropped, and when to try again.
//!
//! Only an answer in the 2xx range counts as delivered. While the endpoint fails (no answer,
//! CORS refused, or a status that is not about one body), new bodies wait here instead of being
//! sent into the void: the oldest one is tried again after a backoff, and the first 2xx sends
//! every waiting body at once. Waiting bodies are bounded in count and bytes; what is pushed out
//! is reported so that it is counted. A page that goes away persists them.

use super::encode::{append_body, Body};
use super::transport::{is_retryable_status, retry_delay_ms, MAX_RETRIES};

/// Bodies waiting for the endpoint, at most.
pub const WAITING_MAX_BODIES: usize = 64;
/// Bytes of waiting bodies, at most.
pub const WAITING_MAX_BYTES: usize = 2_000_000;

/// How one attempt ended, as the browser saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this status (CORS passed), and `Retry-After` in ms if given.
    Status(u16, Option<u64>),
    /// No answer the page may read: nothing listens, offline, or CORS refused.
    None,
}

/// What became of a body after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Answered 2xx: its spans arrived.
    Delivered,
    /// Waits for another attempt.
    Waiting,
    /// Given up: refused for good, or retries of a failing answer ran out.
    Dropped,
}

/// A body waiting for the endpoint, with the attempts it has had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The body.
    pub body: Body,
    /// Attempts that failed with a retryable status (a server that answers is given up on after
    /// [`MAX_RETRIES`]; one that does not answer is waited for while the page lives).
    pub retries: u32,
}

/// Why the endpoint fails, for the message that says how to fix it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer, and a request that needs no CORS got none either (or the endpoint is on the
    /// page's own origin): nothing answers there.
    Unreachable,
    /// No answer readable by the page, but the server answers a request that needs no CORS:
    /// its CORS does not allow this origin (with credentials, where they are sent).
    CorsRefused,
    /// The endpoint answered with this status.
    Status(u16),
}

/// The delivery state of one tracer.
///
/// ```
/// use playtrace::core::delivery::{Answer, Delivery, Verdict};
/// use playtrace::core::encode::Body;
/// let mut d = Delivery::default();
/// let body = Body { json: "{}".into(), spans: 3 };
/// d.sending(&body);
/// assert_eq!(d.sending_spans(), 3);
/// // Nothing answered: the body waits, and new bodies wait behind it rather than being sent.
/// assert_eq!(d.settled(body, 0, Answer::None, 0, 0.0), Verdict::Waiting);
/// assert!(d.is_failing() && d.must_wait());
/// let due = d.next_deadline_ns().unwrap();
/// let again = d.take_due(due).unwrap();
/// d.sending(&again.body);
/// assert_eq!(d.settled(again.body, again.retries, Answer::Status(200, None), due, 0.0), Verdict::Delivered);
/// assert!(!d.is_failing() && !d.must_wait());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    /// `None` until an attempt has settled; then whether the last one was answered 2xx (or was
    /// refused for its own content, which says nothing against the endpoint).
    working: Option<bool>,
    /// Oldest first. A `Vec`: it holds a few bodies, and one generic deque fewer is less wasm.
    waiting: Vec<Waiting>,
    waiting_bytes: usize,
    /// When the oldest waiting body is tried again; `None` while one is on its way.
    retry_at_ns: Option<u64>,
    /// Unanswered attempts in a row, for the backoff.
    unanswered: u32,
    sending_bodies: u64,
    sending_spans: u64,
    reported: bool,
    /// Spans pushed out by a body back from a failed attempt, not yet taken.
    pushed_out: u64,
}

impl Delivery {
    /// Whether the last settled attempt failed in a way that says the endpoint does not work.
    pub fn is_failing(&self) -> bool {
        self.working == Some(false)
    }

    /// Whether a new body must wait instead of being sent: the endpoint fails, or bodies wait
    /// already (they go first, in order).
    pub fn must_wait(&self) -> bool {
        self.is_failing() || !self.waiting.is_empty()
    }

    /// A body was handed to `fetch`.
    pub fn sending(&mut self, body: &Body) {
        self.sending_bodies += 1;
        self.sending_spans += body.spans as u64;
    }

    /// A body handed to `fetch` came back unanswered and goes again at once, as another request
    /// (see [`sending`](Self::sending)): it is no longer in flight, and says nothing of the
    /// endpoint.
    pub fn unsend(&mut self, body: &Body) {
        self.sending_bodies = self.sending_bodies.saturating_sub(1);
        self.sending_spans = self.sending_spans.saturating_sub(body.spans as u64);
    }

    /// Spans in requests whose answer has not come yet.
    pub fn sending_spans(&self) -> u64 {
        self.sending_spans
    }

    /// Requests whose answer has not come yet.
    pub fn sending_bodies(&self) -> u64 {
        self.sending_bodies
    }

    /// Bodies waiting for the endpoint.
    pub fn waiting_bodies(&self) -> usize {
        self.waiting.len()
    }

    /// Bytes of the bodies waiting for the endpoint.
    pub fn waiting_bytes(&self) -> usize {
        self.waiting_bytes
    }

    /// Spans waiting for the endpoint.
    pub fn waiting_spans(&self) -> u64 {
        let mut spans = 0;
        for w in &self.waiting {
            spans += w.body.spans as u64;
        }
        spans
    }

    /// The answer to a body sent with [`sending`](Self::sending), after `retries` earlier
    /// retryable answers. `jitter` (0 to 1) spreads the backoff. A body that waits is kept
    /// here; one that is dropped, the caller counts, with [`take_pushed_out`](Self::take_pushed_out).
    pub fn settled(&mut self, body: Body, retries: u32, answer: Answer, now_ns: u64, jitter: f64) -> Verdict {
        self.sending_bodies = self.sending_bodies.saturating_sub(1);
        self.sending_spans = self.sending_spans.saturating_sub(body.spans as u64);
        match answer {
            Answer::Status(status, _) if (200..300).contains(&status) => {
                self.working = Some(true);
                self.unanswered = 0;
                if !self.waiting.is_empty() {
                    self.retry_at_ns = Some(now_ns);
                }
                Verdict::Delivered
            }
            Answer::Status(status, retry_after) if is_retryable_status(status) => {
                self.working = Some(false);
                let retries = retries + 1;
                if retries > MAX_RETRIES {
                    self.resume_later(now_ns, None, jitter);
                    return Verdict::Dropped;
                }
                self.wait_first(Waiting { body, retries });
                self.resume_later(now_ns, retry_delay_ms(retries, retry_after, jitter), jitter);
                Verdict::Waiting
            }
            Answer::Status(status, _) => {
                // 400 and 413 are about this body; other refusals (401, 403, 404, 500) are about
                // the endpoint, and the bodies after it would meet the same.
                if !matches!(status, 400 | 413) {
                    self.working = Some(false);
                }
                self.resume_later(now_ns, None, jitter);
                Verdict::Dropped
            }
            Answer::None => {
                self.working = Some(false);
                self.unanswered = self.unanswered.saturating_add(1);
                self.wait_first(Waiting { body, retries });
                let delay = retry_delay_ms(self.unanswered.min(MAX_RETRIES + 3), None, jitter);
                self.resume_later(now_ns, delay, jitter);
                Verdict::Waiting
            }
        }
    }

    /// Arms the retry of the oldest waiting body, if any waits and none is armed or on its way.
    fn resume_later(&mut self, now_ns: u64, delay_ms: Option<u64>, jitter: f64) {
        if self.waiting.is_empty() {
            self.retry_at_ns = None;
            return;
        }
        let delay = delay_ms.or_else(|| retry_delay_ms(1, None, jitter)).unwrap_or(1_000);
        let at = now_ns.saturating_add(delay.saturating_mul(1_000_000));
        self.retry_at_ns = Some(self.retry_at_ns.map_or(at, |armed| armed.min(at)));
    }

    /// A body back from a failed attempt waits first (it is the oldest); the bounds still hold,
    /// and what they push out is counted in [`take_pushed_out`](Self::take_pushed_out).
    #[inline(never)]
    fn wait_first(&mut self, waiting: Waiting) {
        self.waiting_bytes += waiting.body.json.len();
        self.waiting.insert(0, waiting);
        self.pushed_out += self.keep_within_bounds();
    }

    /// Makes a new body wait behind the others (the endpoint fails). `merge` may append it to
    /// the last waiting body that has not been tried yet (see
    /// [`Encoder::merge`](super::encode::Encoder::merge)), so a long outage keeps spans rather
    /// than one body per flush. Returns the spans of the oldest bodies pushed out to keep within
    /// the bounds, for the caller to count as dropped.
    pub fn wait(&mut self, body: Body, now_ns: u64, jitter: f64, merge: impl FnOnce(&mut String, &str) -> bool) -> u64 {
        let grown = match self.waiting.last_mut() {
            Some(last) if last.retries == 0 => {
                append_body(&mut last.body.json, &mut last.body.spans, &body.json, body.spans, merge)
            }
            _ => None,
        };
        match grown {
            Some(grown) => self.waiting_bytes += grown,
            None => {
                self.waiting_bytes += body.json.len();
                self.waiting.push(Waiting { body, retries: 0 });
            }
        }
        let dropped = self.keep_within_bounds();
        if self.retry_at_ns.is_none() && self.sending_bodies == 0 {
            self.resume_later(now_ns, None, jitter);
        }
        dropped
    }

    /// Pushes out the oldest waiting bodies until the bounds hold; returns their spans.
    #[inline(never)]
    fn keep_within_bounds(&mut self) -> u64 {
        let mut dropped = 0;
        while !self.waiting.is_empty()
            && (self.waiting.len() > WAITING_MAX_BODIES || self.waiting_bytes > WAITING_MAX_BYTES)
        {
            let w = self.waiting.remove(0);
            self.waiting_bytes -= w.body.json.len();
            dropped += w.body.spans as u64;
        }
        dropped
    }

    /// Spans pushed out of the waiting bodies by one that came back from a failed attempt
    /// (see [`settled`](Self::settled)), taken for the caller to count as dropped.
    pub fn take_pushed_out(&mut self) -> u64 {
        std::mem::take(&mut self.pushed_out)
    }

    /// When the oldest waiting body is due again, if it is.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.retry_at_ns
    }

    /// The next body to try again at `now_ns`, if one is due. After a 2xx every waiting body is
    /// due at once; while the endpoint fails, one at a time.
    pub fn take_due(&mut self, now_ns: u64) -> Option<Waiting> {
        if self.retry_at_ns.is_none_or(|at| at > now_ns) {
            return None;
        }
        if self.waiting.is_empty() {
            return None;
        }
        let w = self.waiting.remove(0);
        self.waiting_bytes -= w.body.json.len();
        if self.is_failing() || self.waiting.is_empty() {
            self.retry_at_ns = None;
        }
        Some(w)
    }

    /// For a hidden page, when a retry is due: every waiting body, taken out to be kept for the
    /// next visit (taking only the due one would leave the rest waiting with no retry armed).
    /// Empty when none is due.
    pub fn keep_due(&mut self, now_ns: u64) -> Vec<Body> {
        if self.retry_at_ns.is_none_or(|at| at > now_ns) {
            return Vec::new();
        }
        self.take_all()
    }

    /// Every waiting body, taken out: the page is going away and they go to storage.
    pub fn take_all(&mut self) -> Vec<Body> {
        self.waiting_bytes = 0;
        self.retry_at_ns = None;
        let mut bodies = Vec::with_capacity(self.waiting.len());
        for w in std::mem::take(&mut self.waiting) {
            bodies.push(w.body);
        }
        bodies
    }

    /// Whether the first failure has been said (see [`first_failure`](Self::first_failure)).
    pub fn has_reported(&self) -> bool {
        self.reported
    }

    /// True once, the first time the endpoint fails: the moment to say so on the console.
    pub fn first_failure(&mut self) -> bool {
        if self.is_failing() && !self.reported {
            self.reported = true;
            return true;
        }
        false
    }
}

/// What to tell a developer when the endpoint fails: the cause and the fix, in one line.
///
/// ```
/// use playtrace::core::delivery::{failure_advice, Failure};
/// let m = failure_advice(Failure::CorsRefused, "http://127.0.0.1:4318/v1/traces", "http://localhost:5173", true);
/// assert!(m.contains("CORS does not allow origin http://localhost:5173") && m.contains("allowed_origins"));
/// ```
pub fn failure_advice(failure: Failure, endpoint: &str, page_origin: &str, credentials: bool) -> String {
    let mut m = String::from("[playtrace] ");
    m.push_str(endpoint);
    match failure {
        Failure::Unreachable => m.push_str(": nothing answers at this address. Start the collector, or fix `endpoint`"),
        Failure::CorsRefused => {
            m.push_str(" answers, but its CORS does not allow origin ");
            m.push_str(page_origin);
            if credentials {
                m.push_str(" with credentials");
            }
            m.push_str(": add it to the collector's cors allowed_origins (devserver: make devserver ORIGIN=");
            m.push_str(page_origin);
            m.push(')');
            if credentials {
                m.push_str(", or init with credentials: false");
            }
        }
        Failure::Status(status) => {
            m.push_str(" answered HTTP ");
            super::encode::json::write_u64(&mut m, u64::from(status));
        }
    }
    m.push_str(". Spans wait for it, are kept for the next visit, and are counted in stats().");
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(spans: usize) -> Body {
        Body { json: "x".repeat(10 * spans), spans }
    }

    #[test]
    fn a_working_endpoint_delivers_and_nothing_waits() {
        let mut d = Delivery::default();
        let b = body(2);
        d.sending(&b);
        assert_eq!(d.settled(b, 0, Answer::Status(204, None), 0, 0.5), Verdict::Delivered);
        assert!(!d.must_wait() && d.next_deadline_ns().is_none());
        assert_eq!((d.sending_spans(), d.sending_bodies(), d.waiting_spans()), (0, 0, 0));
    }

    #[test]
    fn an_unanswered_endpoint_holds_every_body_and_the_first_2xx_releases_them_all() {
        let mut d = Delivery::default();
        let b = body(1);
        d.sending(&b);
        assert_eq!(d.settled(b, 0, Answer::None, 0, 0.0), Verdict::Waiting);
        assert!(d.first_failure() && !d.first_failure(), "said once");
        for _ in 0..3 {
            assert_eq!(d.wait(body(2), 10, 0.0, |_, _| false), 0);
        }
        assert_eq!(d.waiting_spans(), 7);
        // Unanswered attempts never give up; they back off to the cap.
        let mut now = 0;
        for _ in 0..20 {
            now = d.next_deadline_ns().unwrap();
            assert!(d.take_due(now - 1).is_none() || now == 0);
            let w = d.take_due(now).unwrap();
            assert!(d.take_due(now).is_none(), "one attempt at a time while failing");
            d.sending(&w.body);
            assert_eq!(d.settled(w.body, w.retries, Answer::None, now, 0.0), Verdict::Waiting);
        }
        assert_eq!(d.waiting_spans(), 7);
        let w = d.take_due(d.next_deadline_ns().unwrap()).unwrap();
        d.sending(&w.body);
        assert_eq!(d.settled(w.body, 0, Answer::Status(200, None), now, 0.0), Verdict::Delivered);
        let mut released = 0;
        while let Some(w) = d.take_due(now) {
            released += w.body.spans;
        }
        assert_eq!(released, 6, "the rest go at once");
        assert!(!d.must_wait());
    }

    #[test]
    fn retryable_statuses_give_up_after_the_retries_and_refusals_at_once() {
        let mut d = Delivery::default();
        let mut w = Waiting { body: body(1), retries: 0 };
        for _ in 0..MAX_RETRIES {
            d.sending(&w.body);
            assert_eq!(d.settled(w.body, w.retries, Answer::Status(503, None), 0, 0.0), Verdict::Waiting);
            w = d.take_due(u64::MAX).unwrap();
        }
        d.sending(&w.body);
        assert_eq!(d.settled(w.body, w.retries, Answer::Status(503, None), 0, 0.0), Verdict::Dropped);
        let mut d = Delivery::default();
        let b = body(1);
        d.sending(&b);
        assert_eq!(d.settled(b, 0, Answer::Status(400, None), 0, 0.0), Verdict::Dropped);
        assert!(!d.is_failing(), "a 400 is about the body, not the endpoint");
        let b = body(1);
        d.sending(&b);
        assert_eq!(d.settled(b, 0, Answer::Status(500, None), 0, 0.0), Verdict::Dropped);
        assert!(d.is_failing());
    }

    #[test]
    fn waiting_bodies_are_bounded_oldest_first() {
        let mut d = Delivery::default();
        let mut dropped = 0;
        for _ in 0..WAITING_MAX_BODIES + 5 {
            dropped += d.wait(body(3), 0, 0.0, |_, _| false);
        }
        assert_eq!(dropped, 15);
        assert_eq!(d.take_all().len(), WAITING_MAX_BODIES);
        assert_eq!(d.waiting_spans(), 0);
        let mut d = Delivery::default();
        let big = Body { json: "x".repeat(WAITING_MAX_BYTES / 2 + 1), spans: 9 };
        assert_eq!(d.wait(big.clone(), 0, 0.0, |_, _| false) + d.wait(big, 0, 0.0, |_, _| false), 9);
    }

    #[test]
    fn a_long_outage_merges_small_bodies_into_the_newest_untried_one() {
        use crate::core::encode::{Encoder, Format, Resource};
        let e = Encoder::new(Format::ZipkinJson, &Resource::new("g"), "s", "1");
        let merge = |into: &mut String, more: &str| e.merge(into, more, 400);
        let small = || Body { json: "[{\"a\":1}]".into(), spans: 1 };
        let mut d = Delivery::default();
        // One body failed and waits with a retry counted: new spans do not join it.
        d.sending(&small());
        assert_eq!(d.settled(small(), 0, Answer::Status(503, None), 0, 0.0), Verdict::Waiting);
        let mut dropped = 0;
        for _ in 0..WAITING_MAX_BODIES * 10 {
            dropped += d.wait(small(), 0, 0.0, merge);
        }
        assert_eq!(dropped, 0, "640 one-span flushes fit in few bodies");
        assert_eq!(d.waiting_spans(), 641);
        let bodies = d.take_all();
        assert_eq!(bodies[0].spans, 1);
        // `[{"a":1}]` a span: 49 spans a body of at most 400 bytes.
        assert_eq!(bodies.len(), 1 + 640usize.div_ceil(49));
        assert!(bodies[1..].iter().all(|b| b.json.len() <= 400), "merged within the limit");
        assert_eq!(bodies[1].spans, 49);
    }

    #[test]
    fn advice_names_cause_and_fix() {
        let down = failure_advice(Failure::Unreachable, "http://h/v1/traces", "http://g", false);
        assert!(down.contains("nothing answers at"));
        let cors = failure_advice(Failure::CorsRefused, "http://h/v1/traces", "http://g", false);
        assert!(cors.contains("make devserver ORIGIN=http://g") && !cors.contains("credentials"));
        assert!(failure_advice(Failure::Status(500), "e", "o", true).contains("answered HTTP 500"));
    }
}
