//! The driver of the engine's exporter (`core::engine::export`): turns the browser's events
//! (the timer, answers of `fetch`, the page hiding, `flush()`, `shutdown()`) into its events,
//! and applies the commands it returns once it has returned, with the state released, so a
//! game that wraps `setTimeout`, `fetch`, `sendBeacon`, `console` or `localStorage` may call
//! the tracer from inside. Every decision is the engine's; this only talks to the browser.

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;

use super::{page_hidden, print, Runtime};
use crate::core::diagnostics::Decision;
use crate::core::engine::export::{Command, Event, Reply};
use crate::core::preflight::preflight_repeats;
use crate::core::transport::{PendingBody, Transport};
use crate::web::clock;
use crate::web::transport;
use crate::web::transport::fetch::Post;

#[wasm_bindgen(module = "/src/web/api.js")]
extern "C" {
    /// Resolves `shutdown()`'s promise for the engine numbered `engine`: nothing is in flight.
    fn settled(engine: u32);
}

impl Runtime {
    /// Gives the exporter one event with the state borrowed, then applies its commands. A
    /// flush of any kind first closes the group of requests outside actions, so its span goes
    /// with them.
    #[inline(never)]
    fn export(&self, event: Event, now_ns: u64) {
        if matches!(event, Event::Timer { .. } | Event::Flush | Event::Leaving | Event::Shutdown { .. }) {
            self.bind_session();
            self.close_background(now_ns);
        }
        let mut out = Vec::new();
        {
            let mut s = self.state.borrow_mut();
            let s = &mut *s;
            s.export.handle(&mut s.core, event, now_ns, &mut out);
        }
        for command in out {
            self.apply(command);
        }
    }

    fn apply(&self, command: Command) {
        match command {
            Command::Fetch { attempt, url, body, keepalive, gzip, probe } => {
                self.post(attempt, &url, body, keepalive, gzip, probe)
            }
            Command::Hand { walk, transport, url, body } => {
                let taken = match transport {
                    Transport::Beacon => transport::beacon::send(&url, &body, self.content_type),
                    _ => transport::fetch_later::send(&url, &body, self.content_type, self.credentials),
                };
                self.export(Event::Handed { walk, refused: (!taken).then_some(body) }, clock::now_ns());
            }
            Command::Recover => {
                let bodies = transport::storage::take().into_bodies();
                self.export(Event::Recovered(bodies), clock::now_ns());
            }
            Command::Persist { bodies, spans } => {
                let result = self.store(bodies);
                self.export(Event::Persisted { spans, result }, clock::now_ns());
            }
            Command::Arm { at_ns, ms } => self.arm(at_ns, ms),
            Command::Disarm => {
                let armed = self.timer.borrow_mut().take();
                drop(armed); // clearTimeout, with nothing borrowed
            }
            Command::Print(lines) => print(lines),
            Command::Say(decision, detail) => self.debug(decision, || detail),
            Command::Warn(text) => web_sys::console::warn_1(&JsValue::from_str(&text)),
            Command::ProbePreflight { body } => self.probe_preflight(body),
            Command::Settled => settled(self.number.get()),
        }
    }

    /// Arms the timer, keeping whichever of it and an armed one fires first (a wrapper of
    /// `setTimeout` may have armed an earlier one meanwhile).
    fn arm(&self, at_ns: u64, ms: u32) {
        let number = self.number.get();
        let armed = Timeout::new(ms, move || {
            if let Some(rt) = Runtime::numbered(number) {
                rt.on_timer();
            }
        });
        let unused = {
            let mut timer = self.timer.borrow_mut();
            match &*timer {
                Some((other, _)) if *other <= at_ns => Some(armed),
                _ => timer.replace((at_ns, armed)).map(|(_, t)| t),
            }
        };
        drop(unused);
    }

    fn on_timer(&self) {
        let fired = self.timer.borrow_mut().take();
        drop(fired);
        let hidden = page_hidden();
        self.export(Event::Timer { hidden }, self.now_ns());
    }

    /// Arms the timer for the next deadline, unless an earlier one is armed.
    pub(super) fn schedule(&self) {
        self.export(Event::Schedule, clock::now_ns());
    }

    /// The tracer is installed: the exporter asks for what an earlier page kept later.
    pub(super) fn started(&self) {
        self.export(Event::Started, clock::now_ns());
    }

    /// `tracer.flush()`: sends everything queued now.
    pub(crate) fn flush_now(&self) {
        self.report_jank(true);
        self.export(Event::Flush, clock::now_ns());
    }

    /// The page is being hidden or unloaded: the engine sends everything by what survives it
    /// and keeps what cannot go for the next visit.
    pub(crate) fn on_page_leaving(&self) {
        self.end_settling();
        self.report_jank(true);
        self.export(Event::Leaving, clock::now_ns());
    }

    /// `shutdown()`: its promise (api.js's) is resolved by `settled` once every request in
    /// flight has been answered (or failed and been kept). Listeners, instrumentation and the
    /// timer are undone.
    pub(crate) fn shut_down(&self) {
        let first = !self.is_shut_down();
        if first {
            self.report_jank(true);
        }
        let hidden = page_hidden();
        self.export(Event::Shutdown { hidden }, clock::now_ns());
        if first {
            // Restoring globals and removing listeners call JS: done with the state released.
            let installed = std::mem::take(&mut self.state.borrow_mut().installed);
            for undo in installed {
                let _ = undo.call0(&JsValue::NULL);
            }
        }
    }

    /// Posts a body; the answer comes back by `pt_answered` ([`Runtime::answered`]).
    fn post(&self, attempt: u32, url: &str, body: String, keepalive: bool, gzip: bool, probe: bool) {
        let Some(fetch) = self.fetch.clone() else { return };
        // The body leaves wasm memory here: while the request is in flight only the browser's
        // copy exists, so a burst of large bodies does not grow the wasm heap, which never
        // shrinks. The engine asks for it back only if it must try again.
        let bytes = transport::body_bytes(&body);
        drop(body);
        let post = Post {
            fetch: &fetch,
            url,
            content_type: self.content_type,
            keepalive,
            credentials: self.credentials,
            gzip,
            probe: probe.then(|| fetch.clone()),
        };
        post.send(&bytes, self.number.get(), attempt);
    }

    /// A post settled: `body` is its body where the engine keeps it to try again.
    pub(crate) fn answered(&self, attempt: u32, reply: Reply, body: Option<String>) {
        // Read before the state is borrowed: a page may define `visibilityState` itself.
        let hidden = page_hidden();
        self.export(Event::Answered { attempt, reply, body, hidden }, clock::now_ns());
    }

    /// Writes bodies to storage: `Ok` with the spans dropped to stay within its bounds, `Err`
    /// with those lost where there is no storage.
    fn store(&self, bodies: Vec<PendingBody>) -> Result<u64, u64> {
        // Storage calls JS: the state is borrowed only inside each merge, between those calls.
        let merge = |into: &mut String, more: &str| {
            let s = self.state.borrow();
            s.core.encoder().merge(into, more, s.core.max_body_bytes())
        };
        transport::storage::append(bodies, merge)
    }

    /// `debug`, after the first body an endpoint on another origin took: times whether its CORS
    /// preflight is kept between sends, and says once if it is not (the core's `preflight`).
    #[inline(never)]
    fn probe_preflight(&self, body: &'static str) {
        let Some(fetch) = self.fetch.as_ref() else { return };
        if !self.state.borrow().diagnostics.wants(Decision::PreflightRepeats) {
            return;
        }
        transport::preflight::probe(fetch, &self.http.endpoint, body, self.content_type, self.credentials);
    }

    /// `debug`'s preflight probe timed its requests (see the core's `preflight`).
    pub fn preflight_timed(&self, simple: f64, fresh: f64, warm: f64, later: f64) {
        if preflight_repeats(simple, fresh, warm, later) {
            self.debug(Decision::PreflightRepeats, String::new);
        }
    }

    /// Whether the tracer was shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.state.borrow().export.is_shut_down()
    }
}
