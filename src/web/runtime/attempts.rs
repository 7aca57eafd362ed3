//! One `fetch` of a body and what its answer means (the core's `Delivery` judges it), bodies
//! an earlier page kept, and keeping bodies in storage for the next page.

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use super::{page_hidden, Runtime};
use crate::core::delivery::{failure_advice, Answer, Failure, Verdict};
use crate::core::diagnostics::Decision;
use crate::core::encode::json::write_u64;
use crate::core::encode::Body;
use crate::core::preflight::preflight_repeats;
use crate::core::transport::PendingBody;
use crate::web::clock;
use crate::web::transport;
use crate::web::transport::fetch::{Outcome, Post, Sent};

/// One attempt in flight: what its answer is about.
struct Attempt {
    url: String,
    /// The body, as the browser has it.
    bytes: Uint8Array,
    spans: usize,
    /// Its share of the keepalive quota.
    ticket: Option<u64>,
    retries: u32,
    keepalive: bool,
}

impl Runtime {
    /// Sends bodies an earlier page of this origin kept.
    pub(super) fn send_recovered(&self, bodies: Vec<PendingBody>) {
        for body in bodies {
            self.stats(|st| st.recovered += body.spans as u64);
            self.attempt(body.url, Body { json: body.json, spans: body.spans }, false, 0);
        }
    }

    /// One `fetch` of a body; `retries`: retryable answers it had before.
    pub(super) fn attempt(&self, url: String, body: Body, keepalive: bool, retries: u32) {
        let Some(fetch) = self.fetch.clone() else {
            self.stats(|st| st.dropped_send_failed += body.spans as u64);
            return;
        };
        let now = clock::now_ns();
        let (ticket, probe, gzip) = {
            let mut s = self.state.borrow_mut();
            s.delivery.sending(&body);
            // Until the first failure is said, and while bodies are gzipped (a CORS that does
            // not allow `Content-Encoding` refuses them), an unanswered request is probed for
            // its cause.
            let gzip = s.gzip;
            let probe =
                ((!s.delivery.has_reported() || gzip) && !self.http.is_same_origin(&url)).then(|| fetch.clone());
            let st = s.core.stats_mut();
            st.bodies_sent += 1;
            st.bytes_sent += body.json.len() as u64;
            (keepalive.then(|| s.budget.reserve(body.json.len(), now, u64::MAX / 4)), probe, gzip)
        };
        // The body leaves wasm memory here: while the request is in flight only the browser's
        // copy exists, so a burst of large bodies does not grow the wasm heap, which never
        // shrinks. A failed attempt copies it back if it must wait.
        let Body { json, spans } = body;
        let bytes = transport::body_bytes(&json);
        drop(json);
        let target = url.clone();
        let post = Post {
            fetch: &fetch,
            url: &target,
            content_type: self.content_type,
            keepalive,
            credentials: self.credentials,
            gzip,
            probe,
        };
        let weak = self.me.clone();
        let request = bytes.clone();
        post.send(&request, move |outcome, sent| {
            if let Some(rt) = weak.upgrade() {
                rt.attempted(Attempt { url, bytes, spans, ticket, retries, keepalive }, outcome, sent);
            }
        });
    }

    /// What became of an attempt, as `Delivery` judges it: delivered (and what waited goes
    /// now), waiting for a retry, or dropped and counted.
    fn attempted(&self, attempt: Attempt, outcome: Outcome, sent: Sent) {
        let Attempt { url, bytes, spans, ticket, retries, keepalive } = attempt;
        if sent.gzipped && matches!(outcome, Outcome::NetworkError { answered: true }) {
            // The endpoint is there but its CORS refused the request before it left: most
            // likely it does not allow `Content-Encoding`. Bodies go plain from now on, this
            // one at once, and the refused request is not counted as sent.
            let turned_off = {
                let mut s = self.state.borrow_mut();
                if let Some(t) = ticket {
                    s.budget.release(t);
                }
                let st = s.core.stats_mut();
                st.bodies_sent = st.bodies_sent.saturating_sub(1);
                st.bytes_sent = st.bytes_sent.saturating_sub(u64::from(bytes.length()));
                std::mem::replace(&mut s.gzip, false)
            };
            if turned_off {
                self.debug(Decision::GzipRefused, String::new);
            }
            let body = Body { json: transport::body_text(&bytes), spans };
            self.state.borrow_mut().delivery.unsend(&body);
            self.attempt(url, body, keepalive, retries);
            return;
        }
        {
            let mut s = self.state.borrow_mut();
            let st = s.core.stats_mut();
            // Counted as they travelled.
            st.bytes_sent = st.bytes_sent.saturating_sub(u64::from(bytes.length().saturating_sub(sent.bytes)));
            st.bodies_gzipped += u64::from(sent.gzipped);
        }
        let answer = match &outcome {
            Outcome::Status(status, retry_after) => Answer::Status(*status, *retry_after),
            Outcome::NetworkError { .. } => Answer::None,
        };
        let delivered = matches!(answer, Answer::Status(200..=299, _));
        let json = if delivered { String::new() } else { transport::body_text(&bytes) };
        drop(bytes);
        let body = Body { json, spans };
        let spans = spans as u64;
        // Read before the state is borrowed: a page may define `visibilityState` itself.
        let hidden = page_hidden();
        let now = clock::now_ns();
        let (verdict, first_failure, keep_waiting) = {
            let mut s = self.state.borrow_mut();
            if let Some(t) = ticket {
                s.budget.release(t);
            }
            let jitter = jitter(&mut s.core);
            let verdict = s.delivery.settled(body, retries, answer, now, jitter);
            let pushed_out = s.delivery.take_pushed_out();
            let st = s.core.stats_mut();
            st.dropped_send_failed += pushed_out;
            match verdict {
                Verdict::Delivered => st.exported += spans,
                Verdict::Dropped => st.dropped_send_failed += spans,
                Verdict::Waiting => {}
            }
            if verdict != Verdict::Delivered {
                st.send_failures += 1;
            }
            // A tracer shut down retries nothing: what waits is kept for the next visit.
            let keep = s.shut_down || hidden;
            (verdict, s.delivery.first_failure(), keep)
        };
        if keep_waiting {
            let waiting = self.state.borrow_mut().delivery.take_all();
            self.persist(waiting);
        }
        if verdict == Verdict::Dropped {
            self.debug(Decision::SendFailed, || {
                let mut d = String::from("the endpoint answered ");
                if let Answer::Status(status, _) = answer {
                    write_u64(&mut d, u64::from(status));
                }
                d
            });
        }
        if first_failure {
            let failure = match (answer, outcome) {
                (Answer::Status(status, _), _) => Failure::Status(status),
                (_, Outcome::NetworkError { answered: true }) => Failure::CorsRefused,
                _ => Failure::Unreachable,
            };
            let advice = failure_advice(failure, &self.http.endpoint, &self.http.page_origin, self.credentials);
            web_sys::console::warn_1(&JsValue::from_str(&advice));
        }
        if verdict == Verdict::Delivered {
            self.probe_preflight();
            self.retry_due();
        }
        self.schedule();
        self.wake_settled_waiters();
    }

    /// `debug`, after the first body an endpoint on another origin took: times whether its CORS
    /// preflight is kept between sends, and says once if it is not (the core's `preflight`).
    #[inline(never)]
    fn probe_preflight(&self) {
        let url = &self.http.endpoint;
        let Some(fetch) = self.fetch.as_ref() else { return };
        {
            let mut s = self.state.borrow_mut();
            if s.preflight_probed || !s.diagnostics.wants(Decision::PreflightRepeats) {
                return;
            }
            s.preflight_probed = true;
        }
        if self.http.is_same_origin(url) {
            return;
        }
        let empty = self.state.borrow().core.encoder().empty_body();
        transport::preflight::probe(fetch, url, empty, self.content_type, self.credentials);
    }

    /// `debug`'s preflight probe timed its requests (see the core's `preflight`).
    pub(crate) fn preflight_timed(&self, simple: f64, fresh: f64, warm: f64, later: f64) {
        if preflight_repeats(simple, fresh, warm, later) {
            self.debug(Decision::PreflightRepeats, String::new);
        }
    }

    /// Keeps bodies in storage for the next page, counting what storage cannot hold.
    pub(super) fn persist(&self, bodies: Vec<Body>) {
        if bodies.is_empty() {
            return;
        }
        let spans: u64 = bodies.iter().map(|b| b.spans as u64).sum();
        let url = &self.http.endpoint;
        let pending =
            bodies.into_iter().map(|b| PendingBody { url: url.clone(), spans: b.spans, json: b.json }).collect();
        // Storage calls JS: the state is borrowed only inside each merge, between those calls.
        let merge = |into: &mut String, more: &str| {
            let s = self.state.borrow();
            s.core.encoder().merge(into, more, s.core.max_body_bytes())
        };
        match transport::storage::append(pending, merge) {
            Ok(dropped) => {
                self.stats(|st| {
                    st.persisted += spans;
                    st.dropped_storage_full += dropped;
                });
                self.debug(Decision::Persisted, || {
                    let mut d = String::new();
                    write_u64(&mut d, spans);
                    d.push_str(" spans");
                    d
                });
            }
            Err(lost) => self.stats(|st| st.dropped_send_failed += lost),
        }
    }
}

/// A random 0 to 1 that spreads retries of many players apart.
pub(super) fn jitter(core: &mut crate::core::tracer::TracerCore) -> f64 {
    f64::from(core.ids().span_id().to_bytes()[0]) / 255.0
}
