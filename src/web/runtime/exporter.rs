//! The exporter: the one timer, flushing, and sending what the core batches by the transport
//! plan (a `fetch` attempt and its answer are `attempts`'). When to try again is the core's
//! `Delivery`; this only talks to the browser, with the state released before every JS call.

use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;

use super::attempts::jitter;
use super::{page_hidden, print, with_live, Runtime};
use crate::core::diagnostics::Decision;
use crate::core::encode::json::write_u64;
use crate::core::encode::Body;
use crate::core::stats::Stats;
use crate::core::transport::{body_limit, transport_plan, Transport, BEACON_HOLD_NS};
use crate::web::clock;
use crate::web::transport;

impl Runtime {
    /// Arms the timer for the next deadline (the core's flush, or a waiting body's retry),
    /// unless an earlier one is armed already. `setTimeout` and `clearTimeout` are called with
    /// the state released: a game that wraps them may record spans from inside.
    pub(super) fn schedule(&self) {
        let (due, outer) = {
            let mut s = self.state.borrow_mut();
            if s.shut_down {
                return;
            }
            let due = match (s.core.next_deadline_ns(), s.delivery.next_deadline_ns()) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return,
            };
            let covered = |at: Option<u64>| at.is_some_and(|at| at <= due);
            if covered(s.timer.as_ref().map(|(at, _)| *at)) || covered(s.arming) {
                return;
            }
            (due, s.arming.replace(due))
        };
        let now = clock::now_ns();
        // A full batch is due at once; a deadline a millisecond after it, so the timer never
        // fires a little before it is due.
        let ms = if due <= now { 0 } else { ((due - now) / 1_000_000 + 1).min(u64::from(u32::MAX / 2)) as u32 };
        let weak = self.me.clone();
        let armed = Timeout::new(ms, move || with_live(&weak, |rt| rt.on_timer()));
        // A wrapper of `setTimeout` may have armed an earlier timer meanwhile: the earlier stays.
        let unused = {
            let mut s = self.state.borrow_mut();
            s.arming = outer;
            if s.shut_down || matches!(s.timer, Some((other, _)) if other <= due) {
                Some(armed)
            } else {
                s.timer.replace((due, armed)).map(|(_, t)| t)
            }
        };
        drop(unused);
    }

    fn on_timer(&self) {
        let now = self.now_ns();
        let (fired, printed) = {
            let mut s = self.state.borrow_mut();
            (s.timer.take(), s.core.expire_spans(now))
        };
        drop(fired);
        print(printed);
        self.send_due();
        self.retry_due();
        self.schedule();
    }

    /// Sends bodies while the core says one is due (a full batch, a full body, or a span that
    /// waited the flush interval); a partial batch stays for the timer.
    fn send_due(&self) {
        loop {
            let now = clock::now_ns();
            let due = self.state.borrow().core.should_flush(now).is_some();
            if !due {
                return;
            }
            let Some(body) = self.next_body(false, false) else { return };
            self.send(body, false);
        }
    }

    /// Sends the waiting bodies that are due again: one at a time while the endpoint fails,
    /// all of them once it answered 2xx. A hidden page keeps them for the next visit instead
    /// (the core's `keep_due`).
    pub(super) fn retry_due(&self) {
        if page_hidden() {
            let kept = self.state.borrow_mut().delivery.keep_due(clock::now_ns());
            self.persist(kept);
            return;
        }
        loop {
            let now = clock::now_ns();
            let Some(w) = self.state.borrow_mut().delivery.take_due(now) else { return };
            self.stats(|st| st.retries += 1);
            let url = self.http.endpoint.clone();
            self.attempt(url, w.body, false, w.retries);
        }
    }

    /// The next body, as large as the transport it will take allows (`flushing`: a flush
    /// drains the queue, rather than one body coming due).
    fn next_body(&self, leaving: bool, flushing: bool) -> Option<Body> {
        let now = clock::now_ns();
        let (body, trimmed, too_large) = {
            let mut s = self.state.borrow_mut();
            let batch_bytes = s.core.max_body_bytes();
            let fits = s.budget.fits(batch_bytes, now);
            let before = *s.core.stats();
            let flushing_bytes = if flushing { s.core.queued_body_bytes() } else { 0 };
            let body = s.core.next_body_within(body_limit(fits, leaving, batch_bytes, flushing_bytes));
            let after = s.core.stats();
            (body, after.trimmed > before.trimmed, after.dropped_too_large > before.dropped_too_large)
        };
        if trimmed {
            self.debug(Decision::Trimmed, String::new);
        }
        if too_large {
            self.debug(Decision::DroppedTooLarge, String::new);
        }
        body
    }

    /// `tracer.flush()`: sends everything queued now.
    pub(crate) fn flush_now(&self) {
        self.report_jank(true);
        self.send_all(false);
        self.schedule();
    }

    /// Sends everything queued. `leaving`: the page is being hidden or unloaded, so only
    /// transports that survive it are used. Spans queued meanwhile (a game's wrapper of `fetch`
    /// that records one per call) wait for the next flush, or this would never end.
    fn send_all(&self, leaving: bool) {
        let mut left = self.state.borrow().core.queue_len();
        while left > 0 {
            let Some(body) = self.next_body(leaving, true) else { return };
            left = left.saturating_sub(body.spans);
            self.send(body, leaving);
        }
    }

    /// The page is being hidden or unloaded: send everything by what survives it, and keep what
    /// cannot be sent (the endpoint fails, or bodies wait for it) for the next page.
    pub(crate) fn on_page_leaving(&self) {
        self.end_settling();
        self.report_jank(true);
        self.send_all(true);
        let waiting = self.state.borrow_mut().delivery.take_all();
        self.persist(waiting);
    }

    /// `shutdown()`: sends what is queued (by what survives the page if it is hidden), keeps
    /// what waits for a failing endpoint, and resolves the returned promise once every request
    /// in flight has been answered (or failed and been kept).
    pub(crate) fn shut_down(&self) -> Promise {
        if !self.is_shut_down() {
            self.report_jank(true);
            self.send_all(page_hidden());
            let waiting = self.state.borrow_mut().delivery.take_all();
            self.persist(waiting);
            let installed = {
                let mut s = self.state.borrow_mut();
                s.shut_down = true;
                (s.timer.take(), std::mem::take(&mut s.installed))
            };
            // Clearing the timer, restoring globals and removing listeners call JS: done with
            // the state released.
            drop(installed);
        }
        let mut resolve = None;
        let promise = Promise::new(&mut |yes, _| resolve = Some(yes));
        if let Some(resolve) = resolve {
            self.state.borrow_mut().settled_waiters.push(resolve);
        }
        self.wake_settled_waiters();
        promise
    }

    /// Resolves `shutdown()`'s promises once nothing is in flight.
    pub(super) fn wake_settled_waiters(&self) {
        let waiters: Vec<Function> = {
            let mut s = self.state.borrow_mut();
            if s.delivery.sending_bodies() > 0 {
                return;
            }
            std::mem::take(&mut s.settled_waiters)
        };
        for resolve in waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// Sends a body: by `fetch` while the page stays and the endpoint is not known to fail; to
    /// the waiting bodies while it fails; by what survives the page while it goes away, or to
    /// storage if the endpoint fails then.
    fn send(&self, body: Body, leaving: bool) {
        let now = clock::now_ns();
        {
            let mut s = self.state.borrow_mut();
            if leaving && s.delivery.is_failing() {
                drop(s);
                self.persist(vec![body]);
                return;
            }
            if !leaving && s.delivery.must_wait() {
                let jitter = jitter(&mut s.core);
                let state = &mut *s;
                let (encoder, limit) = (state.core.encoder(), state.core.max_body_bytes());
                let dropped = state.delivery.wait(body, now, jitter, |into, more| encoder.merge(into, more, limit));
                state.core.stats_mut().dropped_send_failed += dropped;
                drop(s);
                self.schedule();
                return;
            }
        }
        let bytes = body.json.len();
        let fits = self.state.borrow_mut().budget.fits(bytes, now);
        if let Some(taken) = self.take(body, fits, leaving) {
            if leaving && taken != Transport::Beacon {
                self.debug(Decision::TransportFallback, || fallback_detail(taken, fits, bytes));
            }
        }
    }

    /// Walks the transport plan until a transport takes the body; returns that transport.
    fn take(&self, body: Body, fits: bool, leaving: bool) -> Option<Transport> {
        let url = &self.http.endpoint;
        let now = clock::now_ns();
        for &step in transport_plan(fits, leaving, self.credentials) {
            match step {
                Transport::Beacon => {
                    if transport::beacon::send(url, &body.json, self.content_type) {
                        let mut s = self.state.borrow_mut();
                        s.budget.reserve(body.json.len(), now, BEACON_HOLD_NS);
                        let st = s.core.stats_mut();
                        st.beacons_sent += 1;
                        record_handed_over(st, &body);
                        return Some(step);
                    }
                    self.stats(|st| st.beacons_refused += 1);
                }
                Transport::KeepaliveFetch => {
                    if self.state.borrow_mut().budget.fits(body.json.len(), now) {
                        self.stats(|st| st.fetch_keepalive += 1);
                        self.attempt(url.clone(), body, true, 0);
                        return Some(step);
                    }
                }
                Transport::Fetch => {
                    self.stats(|st| st.fetch_plain += 1);
                    self.attempt(url.clone(), body, false, 0);
                    return Some(step);
                }
                Transport::FetchLater => {
                    if transport::fetch_later::send(url, &body.json, self.content_type, self.credentials) {
                        let mut s = self.state.borrow_mut();
                        let st = s.core.stats_mut();
                        st.fetch_later += 1;
                        record_handed_over(st, &body);
                        return Some(step);
                    }
                }
                Transport::Storage => {
                    self.persist(vec![body]);
                    return Some(step);
                }
            }
        }
        None
    }

    pub(super) fn stats(&self, f: impl FnOnce(&mut Stats)) {
        f(self.state.borrow_mut().core.stats_mut());
    }
}

/// A body handed to a transport whose answer the page never sees (a beacon, `fetchLater`).
fn record_handed_over(stats: &mut Stats, body: &Body) {
    stats.beaconed += body.spans as u64;
    stats.bodies_sent += 1;
    stats.bytes_sent += body.json.len() as u64;
}

/// Which transport a body took as the page went away instead of a beacon, and why.
fn fallback_detail(step: Transport, fits: bool, bytes: usize) -> String {
    let mut d = String::from("a body of ");
    write_u64(&mut d, bytes as u64);
    d.push_str(" bytes went by ");
    d.push_str(match step {
        Transport::KeepaliveFetch => "fetch with keepalive",
        Transport::Fetch => "fetch",
        Transport::FetchLater => "fetchLater",
        Transport::Storage => "localStorage",
        Transport::Beacon => "sendBeacon",
    });
    d.push_str(if fits {
        ": sendBeacon refused it, or credentials are off"
    } else {
        ": it does not fit the page's 64 KiB keepalive quota now"
    });
    d
}
