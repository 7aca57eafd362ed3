//! The installed tracer's browser side: its state, the one timer, and the exporter that walks
//! the core's transport plan. The core decides what to send, when and how; this module only
//! talks to the browser.
//!
//! The state is private and borrowed only inside these methods, never across a call into JS
//! that could call back into the tracer: under `panic = "abort"` a re-entrant borrow would trap
//! inside the game.

use std::any::Any;
use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use js_sys::{Function, RegExp};
use wasm_bindgen::JsValue;

use super::js::{get, global, method, page_href};
use super::transport;
use super::{clock, frame_ring};
use crate::core::config::TracerConfig;
use crate::core::context::{ContextStack, ParentRule};
use crate::core::delivery::Delivery;
use crate::core::diagnostics::{Decision, Diagnostics};
use crate::core::encode::Resource;
use crate::core::errors::{exception_attributes, ErrorLimiter, ErrorVerdict};
use crate::core::frames::{frame_stats, FrameWatch};
use crate::core::http::PropagationTarget;
use crate::core::ids::{IdGenerator, TraceId};
use crate::core::propagation::Baggage;
use crate::core::span::{AttributeValue, IntoSharedStr, SharedStr, SpanData, SpanKind, Status};
use crate::core::span_context::SpanContext;
use crate::core::tracer::{Ended, SpanHandle, TracerCore};
use crate::core::transport::KeepaliveBudget;
use crate::{SCOPE_NAME, SCOPE_VERSION};

mod exporter;

thread_local! {
    /// The installed tracer and its JS object: one per JS realm, however often `init` is called.
    static INSTALLED: RefCell<Option<(Rc<Runtime>, JsValue)>> = const { RefCell::new(None) };
}

const SESSION_KEY: &str = "playtrace.session.id";

/// Which requests are traced and which carry trace headers; fixed at `init`.
pub(crate) struct HttpRules {
    page_origin: String,
    propagate_to: Vec<PropagationTarget>,
    propagate_patterns: Vec<RegExp>,
    ignore_urls: Vec<String>,
    ignore_patterns: Vec<RegExp>,
    redact_query_params: Vec<String>,
    /// The collector: its requests are never traced.
    endpoint: String,
}

impl HttpRules {
    /// Requests that are not traced: the collector's, and the configured `ignoreUrls`.
    pub(crate) fn is_ignored(&self, href: &str) -> bool {
        href.starts_with(&self.endpoint)
            || self.ignore_urls.iter().any(|p| href.starts_with(p.as_str()))
            || self.ignore_patterns.iter().any(|re| re.test(href))
    }

    /// Whether a request may carry trace headers: the page's own origin and `propagateTo` only;
    /// anything else would force a CORS preflight and leak trace IDs to third parties.
    pub(crate) fn should_propagate(&self, href: &str, origin: &str) -> bool {
        origin == self.page_origin
            || self.propagate_to.iter().any(|t| t.matches(href, origin))
            || self.propagate_patterns.iter().any(|re| re.test(href))
    }

    /// Whether `href` is on the page's own origin.
    pub(crate) fn is_same_origin(&self, href: &str) -> bool {
        !self.page_origin.is_empty()
            && href.starts_with(self.page_origin.as_str())
            && matches!(href.as_bytes().get(self.page_origin.len()), None | Some(b'/' | b'?' | b'#'))
    }

    /// `href` with credentials and secret query values redacted.
    pub(crate) fn redact(&self, href: &str) -> String {
        crate::core::http::redact_url(href, &self.redact_query_params)
    }
}

/// The regular expressions of a config, which the pure core cannot hold.
#[derive(Default)]
pub(crate) struct UrlPatterns {
    pub(crate) propagate_to: Vec<RegExp>,
    pub(crate) ignore_urls: Vec<RegExp>,
}

struct State {
    core: TracerCore,
    contexts: ContextStack,
    baggage: Baggage,
    budget: KeepaliveBudget,
    /// The armed timer and the time it fires for.
    timer: Option<(u64, Timeout)>,
    /// The deadline a timer is being armed for while `setTimeout` runs: a wrapper of it that
    /// ends a span schedules again, and must find this rather than arm a timer of its own.
    arming: Option<u64>,
    /// Listeners and instrumentation, undone when dropped at shutdown.
    installed: Vec<Box<dyn Any>>,
    /// What became of the bodies sent, and those waiting for the endpoint.
    delivery: Delivery,
    /// `shutdown()`'s promises, resolved once nothing is in flight.
    settled_waiters: Vec<Function>,
    shut_down: bool,
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
}

/// One installed tracer.
pub(crate) struct Runtime {
    /// This runtime, for the timer and the requests it starts (they must not keep it alive).
    me: Weak<Runtime>,
    state: RefCell<State>,
    http: HttpRules,
    /// The page's own `fetch` as it was at `init`, so later instrumentation never sees ours.
    fetch: Option<Function>,
    content_type: &'static str,
    /// Bodies go with credentials (and so by `sendBeacon` first); see `TracerConfig::credentials`.
    credentials: bool,
}

/// `session.id`: random, kept in `sessionStorage` for the life of the tab.
fn session_id(ids: &mut IdGenerator) -> String {
    let storage = get(&global(), "sessionStorage");
    let storage = wasm_bindgen::JsCast::dyn_into::<web_sys::Storage>(storage).ok();
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(SESSION_KEY).ok().flatten()) {
        if !id.is_empty() {
            return id;
        }
    }
    let mut id = String::with_capacity(32);
    ids.trace_id().write_hex(&mut id);
    if let Some(s) = storage {
        let _ = s.set_item(SESSION_KEY, &id);
    }
    id
}

/// The endpoint as an absolute http(s) URL, resolved against the page.
fn resolve_endpoint(endpoint: &str) -> Result<String, String> {
    let url = web_sys::Url::new_with_base(endpoint, &page_href())
        .or_else(|_| web_sys::Url::new(endpoint))
        .map_err(|_| "playtrace config: endpoint: is not a valid URL".to_owned())?;
    match url.protocol().as_str() {
        "http:" | "https:" => Ok(url.href()),
        _ => Err("playtrace config: endpoint: must be an http(s) URL or a path on this origin".to_owned()),
    }
}

fn resource(config: &TracerConfig, session: &str) -> Resource {
    let navigator = get(&global(), "navigator");
    let mut r = Resource::default()
        .with("telemetry.sdk.name", SCOPE_NAME.into())
        .with("telemetry.sdk.language", "webjs".into())
        .with("telemetry.sdk.version", SCOPE_VERSION.into())
        .with("session.id", session.into());
    for (key, prop) in [("user_agent.original", "userAgent"), ("browser.language", "language")] {
        if let Some(v) = get(&navigator, prop).as_string() {
            r = r.with(key, v.into());
        }
    }
    for (k, v) in &config.resource_attributes {
        r = r.with(k, v.clone());
    }
    r = r.with("service.name", config.service_name.as_str().into());
    if let Some(v) = &config.service_version {
        r = r.with("service.version", v.as_str().into());
    }
    if let Some(v) = &config.environment {
        r = r.with("deployment.environment.name", v.as_str().into());
    }
    r
}

/// Runs `f` if the tracer still exists and has not been shut down.
pub(crate) fn with_live(weak: &Weak<Runtime>, f: impl FnOnce(&Rc<Runtime>)) {
    if let Some(rt) = weak.upgrade() {
        if !rt.is_shut_down() {
            f(&rt);
        }
    }
}

fn print(texts: Vec<String>) {
    for text in texts {
        web_sys::console::log_1(&JsValue::from_str(&text));
    }
}

impl Runtime {
    /// A runtime for a validated config; nothing is installed yet.
    pub(crate) fn start(config: &TracerConfig, patterns: UrlPatterns) -> Result<Rc<Self>, String> {
        let endpoint = resolve_endpoint(&config.endpoint)?;
        let now = clock::now_ns();
        let mut ids = IdGenerator::from_entropy(now);
        let session = session_id(&mut ids);
        let resource = resource(config, &session);
        let mut core = TracerCore::new(config, resource, ids).map_err(|e| e.message())?;
        core.bind_session(&session);
        let content_type = core.encoder().content_type();
        let http = HttpRules {
            page_origin: get(&get(&global(), "location"), "origin").as_string().unwrap_or_default(),
            propagate_to: config.propagate_to.clone(),
            propagate_patterns: patterns.propagate_to,
            ignore_urls: config.ignore_urls.clone(),
            ignore_patterns: patterns.ignore_urls,
            redact_query_params: config.redact_query_params.clone(),
            endpoint,
        };
        Ok(Rc::new_cyclic(|me| Self {
            me: me.clone(),
            state: RefCell::new(State {
                core,
                contexts: ContextStack::default(),
                baggage: Baggage::default(),
                budget: KeepaliveBudget::default(),
                timer: None,
                arming: None,
                installed: Vec::new(),
                delivery: Delivery::default(),
                settled_waiters: Vec::new(),
                shut_down: false,
                settling: Vec::new(),
                last_now_ns: now,
                diagnostics: Diagnostics::new(config.debug),
                errors: ErrorLimiter::default(),
                frames: FrameWatch::new(config.frame_budget_ms, f64::from(config.flush_interval_ms)),
            }),
            http,
            fetch: method(&global(), "fetch"),
            content_type,
            credentials: config.credentials,
        }))
    }

    /// Makes this the page's tracer, with `tracer` its JS object, and sends what an earlier page
    /// of this origin could not.
    pub(crate) fn install(self: &Rc<Self>, tracer: JsValue) {
        INSTALLED.with(|i| *i.borrow_mut() = Some((Rc::clone(self), tracer)));
        self.send_recovered(transport::storage::take().into_bodies().collect());
    }

    /// The installed runtime, if any.
    pub(crate) fn installed() -> Option<Rc<Self>> {
        INSTALLED.with(|i| i.borrow().as_ref().map(|(rt, _)| Rc::clone(rt)))
    }

    /// The installed tracer's JS object, if any.
    pub(crate) fn installed_tracer() -> Option<JsValue> {
        INSTALLED.with(|i| i.borrow().as_ref().map(|(_, t)| t.clone()))
    }

    /// Sends what is queued, undoes listeners, timers and instrumentation, and uninstalls `rt`;
    /// the promise resolves once every request in flight has settled.
    pub(crate) fn uninstall(rt: &Rc<Self>) -> js_sys::Promise {
        let settled = rt.shut_down();
        INSTALLED.with(|i| {
            let mut i = i.borrow_mut();
            if i.as_ref().is_some_and(|(r, _)| Rc::ptr_eq(r, rt)) {
                *i = None;
            }
        });
        settled
    }

    /// Keeps a listener or a hook until shutdown, when dropping it undoes it.
    pub(crate) fn keep(&self, thing: Box<dyn Any>) {
        self.state.borrow_mut().installed.push(thing);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.state.borrow().shut_down
    }

    /// Says a decision on the console, once per kind, when `debug` is on. `detail` is built only
    /// then, and the message is printed with the state released (a game's console may call us).
    pub(crate) fn debug(&self, decision: Decision, detail: impl FnOnce() -> String) {
        if !self.state.borrow().diagnostics.wants(decision) {
            return;
        }
        let detail = detail();
        let message = self.state.borrow_mut().diagnostics.report(decision, &detail);
        if let Some(m) = message {
            web_sys::console::info_1(&JsValue::from_str(&m));
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

    // ----- spans -------------------------------------------------------------------------

    /// Starts a span. Returns its context and, if it records, its handle.
    pub(crate) fn start_span<N: IntoSharedStr>(
        &self,
        name: N,
        kind: SpanKind,
        rule: ParentRule,
        given: Option<SpanContext>,
        start_ms: f64,
    ) -> (SpanContext, Option<SpanHandle>) {
        let clocked = start_ms.is_nan();
        let start = if clocked { clock::now_ns() } else { clock::time_input_ns(start_ms) };
        let mut s = self.state.borrow_mut();
        // The span timeout counts from when the span opened on the clock; a caller's start time
        // may lie in the past, so it counts from the latest clock reading at the earliest.
        let now = if clocked { start } else { start.max(s.last_now_ns) };
        s.last_now_ns = now;
        let parent = s.contexts.parent(rule, given);
        let label = s.diagnostics.wants(Decision::SampledOut).then(|| name.as_ref().to_owned());
        let (cx, handle) = s.core.start_span(name, kind, parent.as_ref(), start, now);
        // The timer need only move if this span's timeout comes before the armed deadline.
        let timeout_at = now.saturating_add(s.core.span_timeout_ns());
        let reschedule = handle.is_some() && !matches!(s.timer, Some((armed, _)) if armed <= timeout_at);
        drop(s);
        if reschedule {
            self.schedule();
        }
        if let (None, Some(label)) = (handle, label) {
            self.debug(Decision::SampledOut, || quoted("span ", &label));
        }
        (cx, handle)
    }

    /// [`start_span`](Self::start_span) for the paths off the span hot path (HTTP spans, spans
    /// with links or foreign parents): the name is shared first, so that they and the hot path
    /// share one copy of it (a `&str` instance of its own cost 4 KB of wasm).
    #[inline(never)]
    pub(crate) fn start_span_outlined(
        &self,
        name: &str,
        kind: SpanKind,
        rule: ParentRule,
        given: Option<SpanContext>,
        start_ms: f64,
    ) -> (SpanContext, Option<SpanHandle>) {
        self.start_span(SharedStr::from(name), kind, rule, given, start_ms)
    }

    /// Starts a span with attributes, under `parent` (`None`: the implicit parent), at
    /// `start_ms` (NaN: now).
    pub(crate) fn start_child(
        &self,
        name: &str,
        kind: SpanKind,
        parent: Option<Option<SpanContext>>,
        attributes: Vec<(String, AttributeValue)>,
        start_ms: f64,
    ) -> (SpanContext, Option<SpanHandle>) {
        let (rule, given) = match parent {
            Some(Some(cx)) => (ParentRule::Given, Some(cx)),
            Some(None) => (ParentRule::Root, None),
            None => (ParentRule::Implicit, None),
        };
        let (cx, handle) = self.start_span_outlined(name, kind, rule, given, start_ms);
        if let Some(h) = handle {
            self.with_span(h, |span| {
                for (k, v) in attributes {
                    span.set_attribute(k, v);
                }
            });
        }
        (cx, handle)
    }

    /// Runs `f` on the recording span; nothing for a span that has ended.
    pub(crate) fn with_span(&self, h: SpanHandle, f: impl FnOnce(&mut SpanData)) {
        if let Some(span) = self.state.borrow_mut().core.span_mut(h) {
            f(span);
        }
    }

    pub(crate) fn set_attribute(&self, h: SpanHandle, key: SharedStr, value: AttributeValue) {
        self.with_span(h, |span| span.set_attribute(key, value));
    }

    /// Sets attributes with fixed keys (one copy of this loop for every caller).
    #[inline(never)]
    pub(crate) fn set_fixed_attributes(&self, h: SpanHandle, attributes: Vec<(&'static str, AttributeValue)>) {
        self.with_span(h, |span| {
            for (key, value) in attributes {
                span.set_attribute(key, value);
            }
        });
    }

    pub(crate) fn is_recording(&self, h: SpanHandle) -> bool {
        self.state.borrow_mut().core.span_mut(h).is_some()
    }

    /// Ends a span at `end_ms` (NaN: now).
    pub(crate) fn end_span(&self, h: SpanHandle, end_ms: f64) {
        let end = if end_ms.is_nan() { clock::now_ns() } else { clock::time_input_ns(end_ms) };
        self.end_span_ns(h, end);
    }

    /// Ends a span at `end_ns`, then prints it or makes sure the timer will send it.
    pub(crate) fn end_span_ns(&self, h: SpanHandle, end_ns: u64) {
        let (ended, reschedule) = {
            let mut s = self.state.borrow_mut();
            if s.shut_down {
                return;
            }
            let ended = s.core.end_span(h, end_ns);
            // The timer need only move for the first span queued (its flush deadline) or for a
            // full batch (due at once); otherwise the armed deadline still holds.
            let reschedule = ended == Ended::Queued
                && (s.timer.is_none() || s.core.queue_len() == 1 || s.core.size_trigger().is_some());
            (ended, reschedule)
        };
        match ended {
            Ended::Printed(text) => print(vec![text]),
            Ended::Dropped => self.debug(Decision::DroppedQueueFull, String::new),
            _ if reschedule => self.schedule(),
            _ => {}
        }
    }

    /// A request finished at `end_ns`; its span ends once Resource Timing reports it.
    pub(crate) fn settle_later(&self, h: SpanHandle, end_ns: u64) {
        self.state.borrow_mut().settling.push((h, end_ns));
    }

    /// Ends a settling span (Resource Timing came, or did not) at its recorded end, or at
    /// `at_least_ns` if that is later; nothing if the page's leaving ended it already.
    pub(crate) fn settled(&self, h: SpanHandle, at_least_ns: u64) {
        let waiting = {
            let mut s = self.state.borrow_mut();
            let at = s.settling.iter().position(|(x, _)| *x == h);
            at.map(|at| s.settling.swap_remove(at).1)
        };
        if let Some(end_ns) = waiting {
            self.end_span_ns(h, end_ns.max(at_least_ns));
        }
    }

    // ----- errors ------------------------------------------------------------------------

    /// An uncaught error or unhandled rejection: an `exception` event on the open action, or,
    /// with none open, a short error span; repeats and floods are only counted.
    pub(crate) fn record_error(&self, error_type: &str, message: &str, stack: &str) {
        let now = self.now_ns();
        let action = {
            let mut s = self.state.borrow_mut();
            if s.errors.judge(error_type, message, stack, now) != ErrorVerdict::Record {
                s.core.stats_mut().errors_suppressed += 1;
                return;
            }
            s.core.stats_mut().errors_recorded += 1;
            let action = s.contexts.newest_action().map(|cx| cx.span_id);
            action.and_then(|id| s.core.open_span(id))
        };
        let mut attrs = exception_attributes(error_type, message, stack);
        attrs.push(("exception.escaped".to_owned(), true.into()));
        if let Some(h) = action {
            self.with_span(h, |span| span.add_event("exception", now, attrs));
            return;
        }
        let (_, handle) = self.start_child("exception", SpanKind::Internal, None, Vec::new(), f64::NAN);
        if let Some(h) = handle {
            self.with_span(h, |span| {
                span.add_event("exception", now, attrs);
                span.set_status(Status::Error(message.to_owned()));
            });
            self.end_span_ns(h, now);
        }
    }

    // ----- context -----------------------------------------------------------------------

    pub(crate) fn push_active(&self, cx: SpanContext) {
        self.state.borrow_mut().contexts.push_active(cx);
    }

    pub(crate) fn pop_active(&self) {
        self.state.borrow_mut().contexts.pop_active();
    }

    pub(crate) fn open_action(&self, cx: SpanContext) -> u64 {
        self.state.borrow_mut().contexts.open_action(cx)
    }

    pub(crate) fn open_background_action(&self, cx: SpanContext) -> u64 {
        self.state.borrow_mut().contexts.open_background_action(cx)
    }

    /// How many actions are open.
    pub(crate) fn open_action_count(&self) -> usize {
        self.state.borrow().contexts.open_actions().count()
    }

    /// Whether a message of trace `trace` answers the open actions: none is open, or one is in
    /// that trace.
    pub(crate) fn answers(&self, trace: &TraceId) -> bool {
        let s = self.state.borrow();
        let mut open = s.contexts.open_actions().peekable();
        open.peek().is_none() || open.any(|cx| cx.trace_id == *trace)
    }

    /// Closes an action; returns its context.
    pub(crate) fn close_action(&self, id: u64) -> Option<SpanContext> {
        self.state.borrow_mut().contexts.close_action(id)
    }

    /// An action settled at `end_ms` (page milliseconds). If frames are watched, the frames
    /// that ended while it was open become its `frames.*` attributes, and each over the budget
    /// a `long-frame` event.
    pub(crate) fn settle_action(&self, id: u64, end_ms: f64) {
        let Some(cx) = self.close_action(id) else { return };
        if !self.state.borrow().frames.is_on() {
            return;
        }
        let Some((h, start_ms)) = self.action_span(&cx) else { return };
        let Some(budget) = self.with_frames(|watch| {
            watch.action_ended(cx, start_ms, end_ms);
            watch.budget_ms()
        }) else {
            return;
        };
        let Some(stats) = frame_ring::read(|ring| frame_stats(ring.newest_first(), start_ms, end_ms, budget)) else {
            return;
        };
        self.set_fixed_attributes(h, stats.attributes());
        self.with_span(h, |span| {
            for frame in &stats.long {
                span.add_event("long-frame", clock::page_ms_to_ns(frame.start_ms), frame.event_attributes());
            }
        });
    }

    // ----- frames ------------------------------------------------------------------------

    /// Starts watching frames: the game fed its first frame, or Long Animation Frames are
    /// observed.
    pub(crate) fn watch_frames(&self) {
        self.state.borrow_mut().frames.switch_on();
    }

    /// Runs `f` on the frame watch, if frames are watched.
    pub(crate) fn with_frames<R>(&self, f: impl FnOnce(&mut FrameWatch) -> R) -> Option<R> {
        let mut s = self.state.borrow_mut();
        s.frames.is_on().then(|| f(&mut s.frames))
    }

    /// The recording span of an open action and its start, in page milliseconds.
    pub(crate) fn action_span(&self, cx: &SpanContext) -> Option<(SpanHandle, f64)> {
        let mut s = self.state.borrow_mut();
        let h = s.core.open_span(cx.span_id)?;
        let start = s.core.span_mut(h)?.start_time_ns;
        Some((h, clock::ns_to_page_ms(start)))
    }

    /// The open actions that record: their start (page milliseconds) and context.
    pub(crate) fn open_actions(&self) -> Vec<(f64, SpanContext)> {
        let s = &mut *self.state.borrow_mut();
        let mut open = Vec::new();
        for cx in s.contexts.open_actions() {
            if let Some(span) = s.core.open_span(cx.span_id).and_then(|h| s.core.span_mut(h)) {
                open.push((clock::ns_to_page_ms(span.start_time_ns), cx.clone()));
            }
        }
        open
    }

    /// Sends the page's jank outside actions as one span, when there is any and it has been
    /// gathered for a flush interval (`now`: whatever there is, as the page flushes or leaves).
    pub(crate) fn report_jank(&self, now: bool) {
        if !self.state.borrow().frames.is_on() {
            return;
        }
        let open: Vec<f64> = self.open_actions().into_iter().map(|(start, _)| start).collect();
        let now_ms = clock::ns_to_page_ms(clock::now_ns());
        let jank = {
            let watch = &mut self.state.borrow_mut().frames;
            frame_ring::read(|ring| watch.scan(ring.since(watch.scanned()), ring.count(), &open));
            if now || watch.jank_due(now_ms) {
                watch.take_jank()
            } else {
                None
            }
        };
        if let Some(jank) = jank {
            let (_, handle) = self.start_child("jank", SpanKind::Internal, Some(None), Vec::new(), jank.from_ms);
            if let Some(h) = handle {
                self.set_fixed_attributes(h, jank.attributes());
                self.end_span(h, jank.to_ms);
            }
        }
    }

    /// `traceparent`, and `tracestate` and `baggage` when there are any, for `cx`.
    pub(crate) fn trace_headers(&self, cx: &SpanContext) -> Vec<(&'static str, String)> {
        let mut headers = vec![("traceparent", cx.to_traceparent())];
        if !cx.trace_state.is_empty() {
            headers.push(("tracestate", cx.trace_state.header_value()));
        }
        let s = self.state.borrow();
        if !s.baggage.is_empty() {
            // Never an empty `baggage:` header (parsed baggage can hold only oversized members).
            let value = s.baggage.header_value();
            if !value.is_empty() {
                headers.push(("baggage", value));
            }
        }
        headers
    }

    pub(crate) fn set_baggage(&self, key: &str, value: &str) -> bool {
        self.state.borrow_mut().baggage.set(key, value)
    }

    pub(crate) fn baggage(&self, key: &str) -> Option<String> {
        self.state.borrow().baggage.get(key).map(str::to_owned)
    }

    pub(crate) fn remove_baggage(&self, key: &str) -> bool {
        self.state.borrow_mut().baggage.remove(key)
    }

    /// `stats()`: every counter, and the spans queued now.
    pub(crate) fn counters(&self) -> Vec<(&'static str, u64)> {
        let s = self.state.borrow();
        let (sending, waiting) = (s.delivery.sending_spans(), s.delivery.waiting_spans());
        s.core.stats().fields(s.core.queue_len() as u64, sending, waiting).to_vec()
    }

    /// A WebSocket hook threw.
    pub(crate) fn count_hook_error(&self) {
        self.stats(|s| s.hook_errors += 1);
    }

    /// Counts what the JS side of the boundary reports (`boundary::COUNT_*`).
    pub(crate) fn count_boundary(&self, what: u32) {
        self.stats(|s| match what {
            crate::core::layout::COUNT_CONVERSION_ERROR => s.conversion_errors += 1,
            crate::core::layout::COUNT_NAME_CUT => s.names_cut += 1,
            _ => {}
        });
    }

    // ----- page lifecycle ----------------------------------------------------------------

    /// The document is being unloaded: every span still open is ended now and marked
    /// `playtrace.span.ended_by_pagehide`, so that it is sent rather than lost.
    pub(crate) fn end_open_spans(&self) {
        // Finished requests waiting for Resource Timing are not cut short: they end at their end.
        self.end_settling();
        let now = self.now_ns();
        let printed = self.state.borrow_mut().core.end_all_open(now, "playtrace.span.ended_by_pagehide");
        print(printed);
    }

    /// Requests that finished but wait for Resource Timing end now, at their own end time.
    fn end_settling(&self) {
        let settling: Vec<_> = self.state.borrow_mut().settling.drain(..).collect();
        for (handle, end_ns) in settling {
            self.end_span_ns(handle, end_ns);
        }
    }
}

/// `prefix` and `text` in quotes.
fn quoted(prefix: &str, text: &str) -> String {
    let mut d = String::from(prefix);
    d.push('"');
    d.push_str(text);
    d.push('"');
    d
}

/// Whether the document is hidden (a worker never is).
pub(crate) fn page_hidden() -> bool {
    let document = get(&global(), "document");
    !document.is_undefined() && get(&document, "visibilityState").as_string().as_deref() == Some("hidden")
}
