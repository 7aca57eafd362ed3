//! The exporter, sans-IO: when bodies leave the page, by which transport, what each answer
//! means, what waits for a failing endpoint, what is kept for the next visit, and every
//! delivery counter of `stats()`.
//!
//! Events ([`Event`], given to [`Export::handle`] with the clock): the tracer started, a
//! deadline may have moved (a span just queued asks [`Export::moves_timer_when_queued`] first,
//! so the hot path reads no clock), the timer fired, `flush()`, the page hiding or going away,
//! `shutdown()`, bodies an earlier page kept, and the outcomes of earlier commands: a `fetch`
//! answered, a beacon or `fetchLater` taken or refused, storage written.
//!
//! Commands ([`Command`]): post a body by `fetch`, hand one to `sendBeacon` or `fetchLater`,
//! keep bodies in storage, take back what an earlier page kept there, arm or clear the timer,
//! print, say a `debug` decision, warn, time the endpoint's preflight, and "nothing is in
//! flight" for `shutdown()`'s promise.
//!
//! What an earlier page kept is asked for a second after the start ([`RECOVER_AFTER_NS`]),
//! while the page shows: the first touch of storage costs a page 4 to 5 ms, which `init` does
//! not wait for. A tracer shut down before then leaves it for the next.
//!
//! Every span the queue gives up ends in exactly one place: in flight (a `fetch` command not
//! yet answered), handed over (a command not yet reported), waiting for the endpoint, or
//! counted as `exported`, `beaconed`, `persisted` or `dropped*`. `tests/engine_props.rs` checks
//! it over random event sequences.

use super::super::delivery::{failure_advice, Answer, Delivery, Failure, Verdict};
use super::super::diagnostics::Decision;
use super::super::encode::json::write_u64;
use super::super::encode::Body;
use super::super::http::same_origin;
use super::super::stats::Stats;
use super::super::tracer::{earliest, TracerCore};
use super::super::transport::{body_limit, transport_plan, KeepaliveBudget, PendingBody, Transport, BEACON_HOLD_NS};

/// How long after the start bodies an earlier page kept are asked for ([`Command::Recover`]):
/// after the game's start-up, which storage would otherwise hold up.
pub const RECOVER_AFTER_NS: u64 = 1_000_000_000;

/// What the driver must do, in order, after an event.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// POST `body` to `url` by `fetch` (`keepalive`, gzipped where `gzip` and the browser can),
    /// then report with [`Event::Answered`], passing the body back where [`keeps_body`] says
    /// so. `probe`: a request without an answer is followed by a `no-cors` one, whose answer
    /// tells a CORS refusal from nothing listening.
    Fetch {
        /// Names the attempt in [`Export::answered`].
        attempt: u32,
        /// Where.
        url: String,
        /// The body, which leaves the engine's memory with this command.
        body: String,
        /// `fetch(..., {keepalive: true})`.
        keepalive: bool,
        /// Gzip it (`Content-Encoding: gzip`) where the browser can.
        gzip: bool,
        /// Probe an unanswered request for its cause.
        probe: bool,
    },
    /// Hand `body` to `transport` (`sendBeacon` or `fetchLater`) and report at once with
    /// [`Event::Handed`], giving the body back if the browser refused it.
    Hand {
        /// Names the hand-over in [`Event::Handed`].
        walk: u32,
        /// [`Transport::Beacon`] or [`Transport::FetchLater`].
        transport: Transport,
        /// Where.
        url: String,
        /// The body.
        body: String,
    },
    /// Take the bodies an earlier page kept out of storage and report them with
    /// [`Event::Recovered`], at once and also when there are none.
    Recover,
    /// Keep `bodies` (`spans` in all) in storage for the next visit; report with
    /// [`Event::Persisted`].
    Persist {
        /// The bodies.
        bodies: Vec<PendingBody>,
        /// Their spans.
        spans: u64,
    },
    /// Arm the one timer for `at_ns`, `ms` from now (replacing a later one); when it fires,
    /// report with [`Event::Timer`].
    Arm {
        /// The deadline.
        at_ns: u64,
        /// Milliseconds from now.
        ms: u32,
    },
    /// Clear the timer: the tracer is shut down.
    Disarm,
    /// Print these lines (the console format).
    Print(Vec<String>),
    /// `debug`: say this decision (once a kind), with this detail.
    Say(Decision, String),
    /// Warn the developer: the endpoint failed for the first time, and how to fix it.
    Warn(String),
    /// `debug`: time whether the endpoint's CORS preflight is kept, posting `body` (an empty
    /// export) to it.
    ProbePreflight {
        /// The empty export.
        body: &'static str,
    },
    /// Nothing is in flight: `shutdown()`'s promises may resolve.
    Settled,
}

/// How a `fetch` ended, as the driver saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The answer, if the page could read one.
    pub answer: Answer,
    /// No answer, but the `no-cors` probe got one: the server is there and its CORS refused.
    pub probe_answered: bool,
    /// Bytes as they travelled.
    pub sent_bytes: u32,
    /// The body travelled gzipped.
    pub gzipped: bool,
}

/// Whether [`Event::Answered`] needs the body back: anything but a 2xx may be tried again.
pub fn keeps_body(reply: &Reply) -> bool {
    !matches!(reply.answer, Answer::Status(200..=299, _))
}

/// What happened, for [`Export::handle`].
#[derive(Debug)]
pub enum Event {
    /// The tracer is installed: bodies an earlier page kept are asked for later.
    Started,
    /// A deadline may have moved (a span opened or was queued): arm the timer if it must.
    Schedule,
    /// The timer fired; `hidden`: the page is hidden.
    Timer {
        /// The page is hidden.
        hidden: bool,
    },
    /// `tracer.flush()`.
    Flush,
    /// The page is being hidden or unloaded.
    Leaving,
    /// `shutdown()`; `hidden`: the page is hidden.
    Shutdown {
        /// The page is hidden.
        hidden: bool,
    },
    /// Bodies an earlier page of this origin kept, as [`Command::Recover`] asked.
    Recovered(Vec<PendingBody>),
    /// A [`Command::Fetch`] settled: `reply`, and the body where [`keeps_body`] asked for it.
    Answered {
        /// The attempt.
        attempt: u32,
        /// How it ended.
        reply: Reply,
        /// The body, where [`keeps_body`] asked for it.
        body: Option<String>,
        /// The page is hidden.
        hidden: bool,
    },
    /// A [`Command::Hand`] was done: the browser took the body (`refused` is `None`), or gave
    /// it back.
    Handed {
        /// The hand-over.
        walk: u32,
        /// The body, if the browser refused it.
        refused: Option<String>,
    },
    /// A [`Command::Persist`] of `spans` spans was done: `Ok` with the spans storage dropped to
    /// stay within its bounds, or `Err` with those lost (there is no storage).
    Persisted {
        /// The spans the command carried.
        spans: u64,
        /// What storage did.
        result: Result<u64, u64>,
    },
}

/// A `fetch` in flight: what its answer is about (its body is the browser's meanwhile).
#[derive(Debug)]
struct Attempt {
    url: String,
    spans: usize,
    bytes: usize,
    /// Its share of the keepalive quota.
    ticket: Option<u64>,
    retries: u32,
    keepalive: bool,
}

/// A body walking the transport plan, handed to a transport that has not said yet.
#[derive(Debug)]
struct Walk {
    steps: &'static [Transport],
    next: usize,
    fits: bool,
    leaving: bool,
    spans: usize,
    bytes: usize,
}

/// Puts `item` in the first free slot; returns the slot.
fn insert<T>(slots: &mut Vec<Option<T>>, item: T) -> u32 {
    match slots.iter().position(Option::is_none) {
        Some(i) => {
            slots[i] = Some(item);
            i as u32
        }
        None => {
            slots.push(Some(item));
            (slots.len() - 1) as u32
        }
    }
}

fn take<T>(slots: &mut [Option<T>], id: u32) -> Option<T> {
    slots.get_mut(id as usize).and_then(Option::take)
}

/// Where the exporter sends and what it may use.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The collector URL, absolute.
    pub url: String,
    /// The page's origin (`https://game.example`), empty where it has none.
    pub page_origin: String,
    /// Bodies go with credentials, and so may go by `sendBeacon`.
    pub credentials: bool,
    /// Bodies sent by `fetch` are gzipped (the config's `compression`).
    pub gzip: bool,
    /// The page has a `fetch`.
    pub can_fetch: bool,
}

/// The exporter's state.
#[derive(Debug)]
pub struct Export {
    endpoint: Endpoint,
    delivery: Delivery,
    budget: KeepaliveBudget,
    attempts: Vec<Option<Attempt>>,
    walks: Vec<Option<Walk>>,
    /// The deadline the armed timer fires for.
    armed_at: Option<u64>,
    /// When to ask for what an earlier page kept, until it has been asked.
    recover_at: Option<u64>,
    shut_down: bool,
    preflight_probed: bool,
}

/// A random 0 to 1 that spreads retries of many players apart.
fn jitter(core: &mut TracerCore) -> f64 {
    f64::from(core.ids().span_id().to_bytes()[0]) / 255.0
}

/// A body handed to a transport whose answer the page never sees (a beacon, `fetchLater`).
fn handed_over(stats: &mut Stats, spans: usize, bytes: usize) {
    stats.beaconed += spans as u64;
    stats.bodies_sent += 1;
    stats.bytes_sent += bytes as u64;
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

impl Export {
    /// An exporter to `endpoint`, with nothing sent yet.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            delivery: Delivery::default(),
            budget: KeepaliveBudget::default(),
            attempts: Vec::new(),
            walks: Vec::new(),
            armed_at: None,
            recover_at: None,
            shut_down: false,
            preflight_probed: false,
        }
    }

    /// Handles one event at `now_ns`, pushing the commands it calls for to `out`.
    pub fn handle(&mut self, core: &mut TracerCore, event: Event, now_ns: u64, out: &mut Vec<Command>) {
        match event {
            Event::Started => {
                self.recover_at = Some(now_ns + RECOVER_AFTER_NS);
                self.schedule(core, now_ns, out)
            }
            Event::Schedule => self.schedule(core, now_ns, out),
            Event::Timer { hidden } => self.timer(core, now_ns, hidden, out),
            Event::Flush => self.flush(core, now_ns, out),
            Event::Leaving => self.leaving(core, now_ns, out),
            Event::Shutdown { hidden } => self.shutdown(core, now_ns, hidden, out),
            Event::Recovered(bodies) => self.recovered(core, bodies, now_ns, out),
            Event::Answered { attempt, reply, body, hidden } => {
                self.answered(core, attempt, reply, body, now_ns, hidden, out)
            }
            Event::Handed { walk, refused } => self.handed(core, walk, refused, now_ns, out),
            Event::Persisted { spans, result } => self.persisted(core, spans, result, out),
        }
    }

    /// `shutdown()` has run.
    #[inline]
    pub fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    /// Spans in requests not answered yet.
    pub fn sending_spans(&self) -> u64 {
        self.delivery.sending_spans()
    }

    /// Spans in bodies waiting for a failing endpoint.
    pub fn waiting_spans(&self) -> u64 {
        self.delivery.waiting_spans()
    }

    /// Whether a deadline at `at_ns` needs the timer moved (none armed, or a later one).
    #[inline]
    pub fn needs_timer_by(&self, at_ns: u64) -> bool {
        self.armed_at.is_none_or(|armed| armed > at_ns)
    }

    /// Whether a span just queued moves the timer (then the driver sends [`Event::Schedule`]): for the first span queued (its flush deadline) or a full
    /// batch (due at once); otherwise the armed deadline still holds. A question, not an
    /// event, so the span hot path reads no clock unless it must.
    #[inline]
    pub fn moves_timer_when_queued(&self, core: &TracerCore) -> bool {
        self.armed_at.is_none() || core.queue_len() == 1 || core.size_trigger().is_some()
    }

    /// Arms the timer for the next deadline (the core's flush or span timeout, a waiting body's
    /// retry, or asking for what an earlier page kept), unless an earlier one is armed.
    fn schedule(&mut self, core: &mut TracerCore, now_ns: u64, out: &mut Vec<Command>) {
        if self.shut_down {
            return;
        }
        let Some(due) = earliest(earliest(core.next_deadline_ns(), self.delivery.next_deadline_ns()), self.recover_at)
        else {
            return;
        };
        if !self.needs_timer_by(due) {
            return;
        }
        self.armed_at = Some(due);
        // A full batch is due at once; a deadline a millisecond after it, so the timer never
        // fires a little before it is due.
        let ms = if due <= now_ns { 0 } else { ((due - now_ns) / 1_000_000 + 1).min(u64::from(u32::MAX / 2)) as u32 };
        out.push(Command::Arm { at_ns: due, ms });
    }

    /// The timer fired: spans past their timeout end, due bodies go, due retries go (or are
    /// kept, if the page is `hidden`), and the timer is armed again.
    fn timer(&mut self, core: &mut TracerCore, now_ns: u64, hidden: bool, out: &mut Vec<Command>) {
        self.armed_at = None;
        if self.shut_down {
            return;
        }
        if self.recover_at.is_some_and(|at| at <= now_ns) {
            // A hidden page may be going away: what an earlier page kept waits, and the timer
            // looks again half a minute later rather than waking a background tab each second.
            self.recover_at = None;
            if hidden {
                self.recover_at = Some(now_ns + 30 * RECOVER_AFTER_NS);
            } else {
                out.push(Command::Recover);
            }
        }
        let printed = core.expire_spans(now_ns);
        if !printed.is_empty() {
            out.push(Command::Print(printed));
        }
        while core.should_flush(now_ns).is_some() {
            let Some(body) = self.next_body(core, now_ns, false, false, out) else { break };
            self.send(core, body, now_ns, false, out);
        }
        self.retry_due(core, now_ns, hidden, out);
        self.schedule(core, now_ns, out);
    }

    /// `tracer.flush()`: sends everything queued now.
    fn flush(&mut self, core: &mut TracerCore, now_ns: u64, out: &mut Vec<Command>) {
        if self.shut_down {
            return;
        }
        self.send_all(core, now_ns, false, out);
        self.schedule(core, now_ns, out);
    }

    /// The page is being hidden or unloaded: everything goes by what survives it, and what
    /// cannot (the endpoint fails, or bodies wait for it) is kept for the next visit.
    fn leaving(&mut self, core: &mut TracerCore, now_ns: u64, out: &mut Vec<Command>) {
        if self.shut_down {
            return;
        }
        self.send_all(core, now_ns, true, out);
        let waiting = self.delivery.take_all();
        self.persist(waiting, out);
    }

    /// `shutdown()`: sends what is queued (by what survives the page if it is `hidden`), keeps
    /// what waits for a failing endpoint, and clears the timer; [`Command::Settled`] comes once
    /// nothing is in flight (now, or with the last answer).
    fn shutdown(&mut self, core: &mut TracerCore, now_ns: u64, hidden: bool, out: &mut Vec<Command>) {
        if !self.shut_down {
            self.send_all(core, now_ns, hidden, out);
            let waiting = self.delivery.take_all();
            self.persist(waiting, out);
            self.shut_down = true;
            self.armed_at = None;
            out.push(Command::Disarm);
        }
        if self.delivery.sending_bodies() == 0 {
            out.push(Command::Settled);
        }
    }

    /// Bodies an earlier page of this origin kept: sent now.
    fn recovered(&mut self, core: &mut TracerCore, bodies: Vec<PendingBody>, now_ns: u64, out: &mut Vec<Command>) {
        for body in bodies {
            core.stats_mut().recovered += body.spans as u64;
            self.attempt(core, body.url, Body { json: body.json, spans: body.spans }, false, 0, now_ns, out);
        }
    }

    /// Sends everything queued. `leaving`: only transports that survive the page are used.
    /// Spans queued meanwhile wait for the next flush, or this would never end.
    fn send_all(&mut self, core: &mut TracerCore, now_ns: u64, leaving: bool, out: &mut Vec<Command>) {
        let mut left = core.queue_len();
        while left > 0 {
            let Some(body) = self.next_body(core, now_ns, leaving, true, out) else { return };
            left = left.saturating_sub(body.spans);
            self.send(core, body, now_ns, leaving, out);
        }
    }

    /// The next body, as large as the transport it will take allows (`flushing`: a flush
    /// drains the queue, rather than one body coming due).
    fn next_body(
        &mut self,
        core: &mut TracerCore,
        now_ns: u64,
        leaving: bool,
        flushing: bool,
        out: &mut Vec<Command>,
    ) -> Option<Body> {
        let batch_bytes = core.max_body_bytes();
        let fits = self.budget.fits(batch_bytes, now_ns);
        let before = *core.stats();
        let flushing_bytes = if flushing { core.queued_body_bytes() } else { 0 };
        let body = core.next_body_within(body_limit(fits, leaving, batch_bytes, flushing_bytes));
        let after = core.stats();
        if after.trimmed > before.trimmed {
            out.push(Command::Say(Decision::Trimmed, String::new()));
        }
        if after.dropped_too_large > before.dropped_too_large {
            out.push(Command::Say(Decision::DroppedTooLarge, String::new()));
        }
        body
    }

    /// Sends a body: by `fetch` while the page stays and the endpoint is not known to fail; to
    /// the waiting bodies while it fails; by what survives the page while it goes away, or to
    /// storage if the endpoint fails then.
    fn send(&mut self, core: &mut TracerCore, body: Body, now_ns: u64, leaving: bool, out: &mut Vec<Command>) {
        if leaving && self.delivery.is_failing() {
            self.persist(vec![body], out);
            return;
        }
        if !leaving && self.delivery.must_wait() {
            let jitter = jitter(core);
            let (encoder, limit) = (core.encoder(), core.max_body_bytes());
            let dropped = self.delivery.wait(body, now_ns, jitter, |into, more| encoder.merge(into, more, limit));
            core.stats_mut().dropped_send_failed += dropped;
            self.schedule(core, now_ns, out);
            return;
        }
        let fits = self.budget.fits(body.json.len(), now_ns);
        let steps = transport_plan(fits, leaving, self.endpoint.credentials);
        let walk = Walk { steps, next: 0, fits, leaving, spans: body.spans, bytes: body.json.len() };
        self.walk(core, walk, body.json, now_ns, out);
    }

    /// Walks the transport plan from `walk.next` until a transport takes the body, or one that
    /// must say is handed it ([`Command::Hand`]).
    fn walk(&mut self, core: &mut TracerCore, mut walk: Walk, json: String, now_ns: u64, out: &mut Vec<Command>) {
        let (spans, bytes) = (walk.spans, walk.bytes);
        let step = loop {
            let Some(&step) = walk.steps.get(walk.next) else {
                // Every plan ends with a transport that always takes the body; counted, never lost.
                core.stats_mut().dropped_send_failed += spans as u64;
                return;
            };
            walk.next += 1;
            if step != Transport::KeepaliveFetch || self.budget.fits(bytes, now_ns) {
                break step;
            }
        };
        let body = Body { json, spans };
        let url = self.endpoint.url.clone();
        match step {
            Transport::Beacon | Transport::FetchLater => {
                let id = insert(&mut self.walks, walk);
                out.push(Command::Hand { walk: id, transport: step, url, body: body.json });
                return;
            }
            Transport::KeepaliveFetch => {
                core.stats_mut().fetch_keepalive += 1;
                self.attempt(core, url, body, true, 0, now_ns, out);
            }
            Transport::Fetch => {
                core.stats_mut().fetch_plain += 1;
                self.attempt(core, url, body, false, 0, now_ns, out);
            }
            Transport::Storage => self.persist(vec![body], out),
        }
        if walk.leaving {
            out.push(Command::Say(Decision::TransportFallback, fallback_detail(step, walk.fits, bytes)));
        }
    }

    /// A [`Command::Hand`] was done: the browser took the body (`refused` is `None`), or gave it
    /// back, and the plan goes on.
    fn handed(
        &mut self,
        core: &mut TracerCore,
        walk: u32,
        refused: Option<String>,
        now_ns: u64,
        out: &mut Vec<Command>,
    ) {
        let Some(w) = take(&mut self.walks, walk) else { return };
        let step = w.steps[w.next - 1];
        if let Some(json) = refused {
            if step == Transport::Beacon {
                core.stats_mut().beacons_refused += 1;
            }
            self.walk(core, w, json, now_ns, out);
            return;
        }
        let st = core.stats_mut();
        if step == Transport::Beacon {
            st.beacons_sent += 1;
            handed_over(st, w.spans, w.bytes);
            self.budget.reserve(w.bytes, now_ns, BEACON_HOLD_NS);
        } else {
            st.fetch_later += 1;
            handed_over(st, w.spans, w.bytes);
            if w.leaving {
                out.push(Command::Say(Decision::TransportFallback, fallback_detail(step, w.fits, w.bytes)));
            }
        }
    }

    /// One `fetch` of a body; `retries`: retryable answers it had before.
    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &mut self,
        core: &mut TracerCore,
        url: String,
        body: Body,
        keepalive: bool,
        retries: u32,
        now_ns: u64,
        out: &mut Vec<Command>,
    ) {
        if !self.endpoint.can_fetch {
            core.stats_mut().dropped_send_failed += body.spans as u64;
            return;
        }
        self.delivery.sending(&body);
        let bytes = body.json.len();
        // Until the first failure is said, and while bodies are gzipped (a CORS that does not
        // allow `Content-Encoding` refuses them), an unanswered request is probed for its cause.
        let probe =
            (!self.delivery.has_reported() || self.endpoint.gzip) && !same_origin(&self.endpoint.page_origin, &url);
        let st = core.stats_mut();
        st.bodies_sent += 1;
        st.bytes_sent += bytes as u64;
        let ticket = keepalive.then(|| self.budget.reserve(bytes, now_ns, u64::MAX / 4));
        let attempt = insert(
            &mut self.attempts,
            Attempt { url: url.clone(), spans: body.spans, bytes, ticket, retries, keepalive },
        );
        out.push(Command::Fetch { attempt, url, body: body.json, keepalive, gzip: self.endpoint.gzip, probe });
    }

    /// A [`Command::Fetch`] settled: `reply`, and the body where [`keeps_body`] asked for it.
    /// Delivered (and what waited goes now), waiting for a retry, or dropped and counted; a
    /// page that is `hidden` keeps what waits for the next visit.
    #[allow(clippy::too_many_arguments)]
    fn answered(
        &mut self,
        core: &mut TracerCore,
        attempt: u32,
        reply: Reply,
        body: Option<String>,
        now_ns: u64,
        hidden: bool,
        out: &mut Vec<Command>,
    ) {
        let Some(Attempt { url, spans, bytes, ticket, retries, keepalive }) = take(&mut self.attempts, attempt) else {
            return;
        };
        if let Some(t) = ticket {
            self.budget.release(t);
        }
        let json = body.unwrap_or_default();
        if reply.gzipped && reply.answer == Answer::None && reply.probe_answered {
            // The endpoint is there but its CORS refused the request before it left: most
            // likely it does not allow `Content-Encoding`. Bodies go plain from now on, this
            // one at once, and the refused request is not counted as sent.
            let st = core.stats_mut();
            st.bodies_sent = st.bodies_sent.saturating_sub(1);
            st.bytes_sent = st.bytes_sent.saturating_sub(bytes as u64);
            if std::mem::replace(&mut self.endpoint.gzip, false) {
                out.push(Command::Say(Decision::GzipRefused, String::new()));
            }
            let body = Body { json, spans };
            self.delivery.unsend(&body);
            self.attempt(core, url, body, keepalive, retries, now_ns, out);
            return;
        }
        let st = core.stats_mut();
        // Counted as they travelled.
        st.bytes_sent = st.bytes_sent.saturating_sub((bytes as u64).saturating_sub(u64::from(reply.sent_bytes)));
        st.bodies_gzipped += u64::from(reply.gzipped);
        let answer = reply.answer;
        let delivered = matches!(answer, Answer::Status(200..=299, _));
        let body = Body { json: if delivered { String::new() } else { json }, spans };
        let jitter = jitter(core);
        let verdict = self.delivery.settled(body, retries, answer, now_ns, jitter);
        let pushed_out = self.delivery.take_pushed_out();
        let st = core.stats_mut();
        st.dropped_send_failed += pushed_out;
        match verdict {
            Verdict::Delivered => st.exported += spans as u64,
            Verdict::Dropped => st.dropped_send_failed += spans as u64,
            Verdict::Waiting => {}
        }
        if verdict != Verdict::Delivered {
            st.send_failures += 1;
        }
        let first_failure = self.delivery.first_failure();
        // A tracer shut down retries nothing: what waits is kept for the next visit.
        if self.shut_down || hidden {
            let waiting = self.delivery.take_all();
            self.persist(waiting, out);
        }
        if verdict == Verdict::Dropped {
            let mut d = String::from("the endpoint answered ");
            if let Answer::Status(status, _) = answer {
                write_u64(&mut d, u64::from(status));
            }
            out.push(Command::Say(Decision::SendFailed, d));
        }
        if first_failure {
            let failure = match answer {
                Answer::Status(status, _) => Failure::Status(status),
                Answer::None if reply.probe_answered => Failure::CorsRefused,
                Answer::None => Failure::Unreachable,
            };
            let e = &self.endpoint;
            out.push(Command::Warn(failure_advice(failure, &e.url, &e.page_origin, e.credentials)));
        }
        if verdict == Verdict::Delivered {
            if !self.preflight_probed && !same_origin(&self.endpoint.page_origin, &self.endpoint.url) {
                self.preflight_probed = true;
                out.push(Command::ProbePreflight { body: core.encoder().empty_body() });
            }
            self.retry_due(core, now_ns, hidden, out);
        }
        self.schedule(core, now_ns, out);
        if self.delivery.sending_bodies() == 0 {
            out.push(Command::Settled);
        }
    }

    /// Sends the waiting bodies that are due again: one at a time while the endpoint fails, all
    /// of them once it answered 2xx. A `hidden` page keeps them for the next visit instead.
    fn retry_due(&mut self, core: &mut TracerCore, now_ns: u64, hidden: bool, out: &mut Vec<Command>) {
        if hidden {
            let kept = self.delivery.keep_due(now_ns);
            self.persist(kept, out);
            return;
        }
        while let Some(w) = self.delivery.take_due(now_ns) {
            core.stats_mut().retries += 1;
            let url = self.endpoint.url.clone();
            self.attempt(core, url, w.body, false, w.retries, now_ns, out);
        }
    }

    /// Keeps bodies in storage for the next visit ([`Command::Persist`]).
    fn persist(&mut self, bodies: Vec<Body>, out: &mut Vec<Command>) {
        if bodies.is_empty() {
            return;
        }
        let (mut spans, mut pending) = (0, Vec::with_capacity(bodies.len()));
        for b in bodies {
            spans += b.spans as u64;
            pending.push(PendingBody { url: self.endpoint.url.clone(), spans: b.spans, json: b.json });
        }
        out.push(Command::Persist { bodies: pending, spans });
    }

    /// A [`Command::Persist`] of `spans` spans was done: `Ok` with the spans storage dropped to
    /// stay within its bounds, or `Err` with those lost (there is no storage).
    fn persisted(&mut self, core: &mut TracerCore, spans: u64, result: Result<u64, u64>, out: &mut Vec<Command>) {
        let st = core.stats_mut();
        match result {
            Ok(dropped) => {
                st.persisted += spans;
                st.dropped_storage_full += dropped;
                let mut d = String::new();
                write_u64(&mut d, spans);
                d.push_str(" spans");
                out.push(Command::Say(Decision::Persisted, d));
            }
            Err(lost) => st.dropped_send_failed += lost,
        }
    }
}
