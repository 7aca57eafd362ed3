//! The installed tracer's browser side: the registry of the installed tracer, its state, and
//! start-up. The core decides what to send, when and how; this module only talks to the
//! browser. Its parts, one a file: `spans` (start, attributes, end, requests settling later),
//! `actions` (the `withSpan` stack and open actions), `background` (requests outside actions
//! and the span grouping them), `errors`, `jank`, `headers` (trace
//! headers and baggage), `counters` (`stats()`), `http_rules`, and `exporter` (the driver of
//! the engine's exporter, `core::engine::export`: the timer, sends, storage).
//!
//! The state is private and borrowed only inside these methods, never across a call into JS
//! that could call back into the tracer: under `panic = "abort"` a re-entrant borrow would trap
//! inside the game.

use std::cell::{Cell, RefCell};

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::JsValue;

use super::clock;
use super::scratch;
use crate::core::background::Background;
use crate::core::config::TracerConfig;
use crate::core::context::ContextStack;
use crate::core::diagnostics::{Decision, Diagnostics};
use crate::core::encode::Resource;
use crate::core::engine::export::{Endpoint, Export};
use crate::core::errors::ErrorLimiter;
use crate::core::frames::FrameWatch;
use crate::core::ids::IdGenerator;
use crate::core::layout::{FACT_LANGUAGE, FACT_ORIGIN, FACT_USER_AGENT};
use crate::core::propagation::Baggage;
use crate::core::tracer::{SpanHandle, TracerCore};
use crate::{SCOPE_NAME, SCOPE_VERSION};

mod actions;
mod background;
mod counters;
mod errors;
mod exporter;
mod headers;
mod http_rules;
mod jank;
mod spans;

pub(crate) use http_rules::HttpRules;

thread_local! {
    /// The installed tracer and its JS object: one per JS realm, however often `init` is called.
    static INSTALLED: RefCell<Option<(&'static Runtime, JsValue)>> = const { RefCell::new(None) };
    /// Every tracer `init` made, by number: a tracer's JS object names its engine so. One shut
    /// down stays, for its `stats()`.
    static MADE: RefCell<Vec<&'static Runtime>> = const { RefCell::new(Vec::new()) };
}

struct State {
    core: TracerCore,
    contexts: ContextStack,
    baggage: Baggage,
    /// What undoes the listeners and instrumentation, called at shutdown.
    installed: Vec<Function>,
    /// The engine's exporter: flushing, sends, their answers, what waits and what is kept.
    export: Export,
    /// HTTP spans whose request finished and that wait for Resource Timing, with their end time:
    /// a page going away ends them at once rather than lose them.
    settling: Vec<(SpanHandle, u64)>,
    /// The latest clock reading: "now" for spans timed by the caller, without a clock call.
    last_now_ns: u64,
    /// What `debug` has said.
    diagnostics: Diagnostics,
    /// Which uncaught errors to record.
    errors: ErrorLimiter,
    /// Frames and where they fall; off until the game feeds one or Long Animation Frames are
    /// observed.
    frames: FrameWatch,
    /// Requests outside any action: the `background` span grouping them.
    background: Background,
    /// The page load's open action and span, until the page has loaded (`page_load`).
    page_load: Option<(u64, Option<SpanHandle>)>,
}

/// One installed tracer.
pub struct Runtime {
    state: RefCell<State>,
    /// The armed timer and the deadline it fires for (the driver's, not the engine's state).
    timer: RefCell<Option<(u64, Timeout)>>,
    http: HttpRules,
    /// The page's own `fetch` as it was at `init`, so later instrumentation never sees ours.
    fetch: Option<Function>,
    content_type: &'static str,
    /// Bodies go with credentials (and so by `sendBeacon` first); see `TracerConfig::credentials`.
    credentials: bool,
    /// The session's ID is not read yet ([`Runtime::bind_session`]).
    unbound: Cell<bool>,
    /// This runtime's number ([`Runtime::number`]), by which JS names it.
    number: Cell<u32>,
}

/// The endpoint as an absolute http(s) URL, resolved against the page.
fn resolve_endpoint(endpoint: &str) -> Result<String, String> {
    match super::config::resolve_url(endpoint) {
        None => Err("playtrace config: endpoint: is not a valid URL".to_owned()),
        Some(url) if url.is_empty() => {
            Err("playtrace config: endpoint: must be an http(s) URL or a path on this origin".to_owned())
        }
        Some(url) => Ok(url),
    }
}

/// The resource; `session.id` is empty until [`Runtime::bind_session`] reads it. The config's
/// resource attributes are moved into it.
fn resource(config: &mut TracerConfig) -> Resource {
    let mut r = Resource::default();
    r.set("telemetry.sdk.name", SCOPE_NAME.into());
    r.set("telemetry.sdk.language", "webjs".into());
    r.set("telemetry.sdk.version", SCOPE_VERSION.into());
    r.set("session.id", "".into());
    for (key, fact) in [("user_agent.original", FACT_USER_AGENT), ("browser.language", FACT_LANGUAGE)] {
        if let Some(v) = scratch::page_fact(fact) {
            r.set(key, v.into());
        }
    }
    for (k, v) in std::mem::take(&mut config.resource_attributes) {
        r.set(&k, v);
    }
    r.set("service.name", config.service_name.as_str().into());
    if let Some(v) = &config.service_version {
        r.set("service.version", v.as_str().into());
    }
    if let Some(v) = &config.environment {
        r.set("deployment.environment.name", v.as_str().into());
    }
    r
}

fn print(texts: Vec<String>) {
    for text in texts {
        web_sys::console::log_1(&JsValue::from_str(&text));
    }
}

impl Runtime {
    /// A runtime for a validated config; nothing is installed yet. What the runtime keeps of
    /// the config's lists (resource attributes, request rules) is moved out of it, not copied.
    pub(crate) fn start(config: &mut TracerConfig) -> Result<&'static Self, String> {
        let endpoint = resolve_endpoint(&config.endpoint)?;
        let now = clock::now_ns();
        let resource = resource(config);
        let core = TracerCore::new(config, resource, IdGenerator::from_entropy(now)).map_err(|e| e.message())?;
        let content_type = core.encoder().content_type();
        let page_origin = scratch::page_fact(FACT_ORIGIN).unwrap_or_default();
        let fetch = scratch::page_fetch();
        let export = Export::new(Endpoint {
            url: endpoint.clone(),
            page_origin: page_origin.clone(),
            credentials: config.credentials,
            gzip: config.gzip,
            can_fetch: fetch.is_some(),
        });
        let http = HttpRules {
            page_origin,
            propagate_to: std::mem::take(&mut config.propagate_to),
            ignore_urls: std::mem::take(&mut config.ignore_urls),
            redact_query_params: std::mem::take(&mut config.redact_query_params),
            endpoint,
        };
        // Kept for the page's life (a tracer shut down still answers `stats()`), so never freed:
        // no reference counts to keep on every call, and no destructor in the wasm.
        let rt: &'static Self = Box::leak(Box::new(Self {
            state: RefCell::new(State {
                core,
                contexts: ContextStack::default(),
                baggage: Baggage::default(),
                installed: Vec::new(),
                export,
                settling: Vec::new(),
                last_now_ns: now,
                diagnostics: Diagnostics::new(config.debug),
                errors: ErrorLimiter::default(),
                frames: FrameWatch::new(config.frame_budget_ms, f64::from(config.flush_interval_ms)),
                background: Background::new(config.background),
                page_load: None,
            }),
            timer: RefCell::new(None),
            http,
            fetch,
            content_type,
            credentials: config.credentials,
            unbound: Cell::new(true),
            number: Cell::new(0),
        }));
        if config.sampler.by_session() {
            rt.bind_session();
        }
        Ok(rt)
    }

    /// Reads the session's ID into the sampler and the resource, once: at the start where the
    /// sampler decides by session, otherwise before the first body is written (see `export`).
    /// Not in `init` by default: the first touch of storage costs the page 4 to 5 ms.
    pub(crate) fn bind_session(&self) {
        if !self.unbound.replace(false) {
            return;
        }
        // `session.id`: random, kept in `sessionStorage` for the life of the tab. Storage is
        // called with nothing borrowed.
        let mut fresh = String::with_capacity(32);
        self.state.borrow_mut().core.ids().trace_id().write_hex(&mut fresh);
        let id = super::transport::storage::session_id(&fresh);
        self.state.borrow_mut().core.bind_session(&id);
    }

    /// Makes this the page's tracer, with `tracer` its JS object; what an earlier page of this
    /// origin could not send goes a second later.
    pub(crate) fn install(&'static self, tracer: JsValue) {
        INSTALLED.with(|i| *i.borrow_mut() = Some((self, tracer)));
        self.started();
    }

    /// Numbers this runtime, for its tracer's JS object ([`Runtime::numbered`]).
    pub(crate) fn number(&'static self) -> u32 {
        let n = MADE.with(|m| {
            let mut m = m.borrow_mut();
            m.push(self);
            m.len() as u32 - 1
        });
        self.number.set(n);
        n
    }

    /// The runtime numbered `n`, if any.
    pub fn numbered(n: u32) -> Option<&'static Self> {
        MADE.with(|m| m.borrow().get(n as usize).copied())
    }

    /// The installed runtime, if any.
    #[inline]
    pub fn installed() -> Option<&'static Self> {
        INSTALLED.with(|i| i.borrow().as_ref().map(|(rt, _)| *rt))
    }

    /// The installed tracer's JS object, if any.
    pub fn installed_tracer() -> Option<JsValue> {
        INSTALLED.with(|i| i.borrow().as_ref().map(|(_, t)| t.clone()))
    }

    /// Sends what is queued, undoes listeners, timers and instrumentation, and uninstalls `rt`;
    /// `shutdown()`'s promise resolves once every request in flight has settled.
    pub(crate) fn uninstall(rt: &Self) {
        rt.shut_down();
        INSTALLED.with(|i| {
            let mut i = i.borrow_mut();
            if i.as_ref().is_some_and(|(r, _)| std::ptr::eq(*r, rt)) {
                *i = None;
            }
        });
    }

    /// Keeps what a JS installer returned to undo itself (remove its listeners, restore what it
    /// wrapped) until shutdown, which calls it.
    pub(crate) fn keep(&self, undo: Function) {
        self.state.borrow_mut().installed.push(undo);
    }

    /// Says a decision on the console, once per kind, when `debug` is on. `detail` is built only
    /// then, and JS is called with the state released (a game's console may call us); the text
    /// is `debug.js`'s, which JS loads at the first decision said.
    pub(crate) fn debug(&self, decision: Decision, detail: impl FnOnce() -> String) {
        if !self.state.borrow().diagnostics.wants(decision) {
            return;
        }
        let detail = detail();
        let say = self.state.borrow_mut().diagnostics.report(decision);
        if say {
            super::debug::say(decision.code(), &detail);
        }
    }

    /// The rules for HTTP requests.
    pub(crate) fn http(&self) -> &HttpRules {
        &self.http
    }

    /// The clock, remembered for spans timed by the caller.
    pub(crate) fn now_ns(&self) -> u64 {
        let now = clock::now_ns();
        self.state.borrow_mut().last_now_ns = now;
        now
    }

    /// A time from JS in milliseconds (epoch or page time), or now for NaN.
    pub(crate) fn time_ns(&self, ms: f64) -> u64 {
        if ms.is_nan() {
            self.now_ns()
        } else {
            clock::time_input_ns(ms)
        }
    }
}

pub(crate) use super::scratch::page_hidden;
