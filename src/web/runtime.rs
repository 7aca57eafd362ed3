//! The tracer's browser side: shared state, the one timer, page-lifecycle listeners and the
//! exporter. The core decides what to send and when; this module only talks to the browser.
//!
//! Transport, in order: `sendBeacon` with a typed Blob; if the beacon is refused or throws,
//! `fetch` with `keepalive` while the 64 KiB keepalive budget allows, else a plain `fetch` that
//! retries 429/502/503/504 and network errors with backoff (honouring `Retry-After`) while the
//! page is visible. While the page is going away: `fetchLater` where the browser has it, else
//! the body is persisted to `localStorage` and sent by the next `init` on this origin.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::clock;
use crate::core::encode::Body;
use crate::core::propagation::Baggage;
use crate::core::span_context::SpanContext;
use crate::core::stats::Stats;
use crate::core::tracer::{Ended, TracerCore};
use crate::core::transport::{self, KeepaliveBudget, BEACON_HOLD_NS};

/// Where bodies that could not be sent while the page was hiding wait for the next `init`.
pub(crate) const STORAGE_KEY: &str = "playtrace:pending:v1";
/// Bodies kept in storage at most, and characters of them; the oldest go first, counted.
const STORAGE_MAX_BODIES: usize = 32;
const STORAGE_MAX_CHARS: usize = 1_000_000;

/// An event listener removed when dropped.
pub(crate) struct Listener {
    target: web_sys::EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut()>,
}

impl Listener {
    fn new(target: web_sys::EventTarget, kind: &'static str, f: impl FnMut() + 'static) -> Option<Self> {
        let closure = Closure::<dyn FnMut()>::new(f);
        target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref()).ok()?;
        Some(Self { target, kind, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}

pub(crate) struct State {
    pub core: TracerCore,
    /// Absolute collector URL.
    pub endpoint: String,
    /// `withSpan` contexts, innermost last, with the JS span objects for `activeSpan()`.
    pub active: Vec<(SpanContext, JsValue)>,
    pub baggage: Baggage,
    budget: KeepaliveBudget,
    timer: Option<(u64, Timeout)>,
    listeners: Vec<Listener>,
    /// Bodies waiting for a retry, so that a page going away can persist them.
    retrying: Vec<(u64, Body)>,
    next_retry_id: u64,
    /// The page's own `fetch` as it was at `init`, so later instrumentation never sees ours.
    fetch: Option<Function>,
    pub shut_down: bool,
    /// Open `tracer.action` spans (and the page load), oldest first: the implicit parents of
    /// fetch and XHR spans.
    pub actions: Vec<(u64, SpanContext)>,
    pub next_action_id: u64,
    pub http: HttpSettings,
    pub fetch_hook: Option<super::fetch::FetchHook>,
    pub xhr_hook: Option<super::xhr::XhrHook>,
    /// HTTP spans whose request finished and that wait for Resource Timing, with their end time:
    /// a page going away ends them at once rather than lose them.
    pub settling: Vec<(crate::core::tracer::SpanHandle, u64)>,
    /// The page-load span started from `<meta name="traceparent">`, until `load`.
    pub page_load: Option<(Option<crate::core::tracer::SpanHandle>, u64)>,
}

/// Which requests are traced and which carry trace headers.
pub(crate) struct HttpSettings {
    pub page_origin: String,
    pub propagate_to: Vec<crate::core::http::PropagationTarget>,
    pub ignore_urls: Vec<String>,
    pub redact_query_params: Vec<String>,
    pub patterns: super::config::UrlPatterns,
}

impl State {
    /// Requests that are not traced: the collector's, and the configured `ignoreUrls`.
    pub(crate) fn is_ignored(&self, href: &str) -> bool {
        href.starts_with(&self.endpoint)
            || self.http.ignore_urls.iter().any(|p| href.starts_with(p.as_str()))
            || self.http.patterns.ignore_urls.iter().any(|re| re.test(href))
    }

    /// Whether a request may carry trace headers: the page's own origin and `propagateTo` only;
    /// anything else would force a CORS preflight and leak trace IDs to third parties.
    pub(crate) fn should_propagate(&self, href: &str, origin: &str) -> bool {
        origin == self.http.page_origin
            || self.http.propagate_to.iter().any(|t| t.matches(href, origin))
            || self.http.patterns.propagate_to.iter().any(|re| re.test(href))
    }

    /// The parent of a span started with no explicit parent: the innermost `withSpan`, else the
    /// most recently started action that is still open.
    pub(crate) fn implicit_parent(&self) -> Option<SpanContext> {
        self.active.last().map(|(cx, _)| cx.clone()).or_else(|| self.actions.last().map(|(_, cx)| cx.clone()))
    }

    /// `traceparent`, and `tracestate` and `baggage` when there are any, for `cx`.
    pub(crate) fn trace_headers(&self, cx: &SpanContext) -> Vec<(&'static str, String)> {
        let mut headers = vec![("traceparent", cx.to_traceparent())];
        if !cx.trace_state.is_empty() {
            headers.push(("tracestate", cx.trace_state.header_value()));
        }
        if !self.baggage.is_empty() {
            headers.push(("baggage", self.baggage.header_value()));
        }
        headers
    }
}

pub(crate) struct Inner {
    pub state: RefCell<State>,
}

fn global() -> JsValue {
    js_sys::global().into()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn page_hidden() -> bool {
    let document = get(&global(), "document");
    !document.is_undefined() && get(&document, "visibilityState").as_string().as_deref() == Some("hidden")
}

fn body_blob(json: &str, content_type: &str) -> Option<web_sys::Blob> {
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(content_type);
    web_sys::Blob::new_with_str_sequence_and_options(&Array::of1(&JsValue::from_str(json)), &bag).ok()
}

/// `{method: "POST", body, headers: {"Content-Type": ...}}`, plus `keepalive` when asked.
fn post_init(json: &str, content_type: &str, keepalive: bool) -> Object {
    let init = Object::new();
    let headers = Object::new();
    let _ = Reflect::set(&headers, &"Content-Type".into(), &content_type.into());
    let _ = Reflect::set(&init, &"method".into(), &"POST".into());
    let _ = Reflect::set(&init, &"body".into(), &json.into());
    let _ = Reflect::set(&init, &"headers".into(), &headers);
    if keepalive {
        let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    }
    init
}

/// A function-valued property of `target`, if there is one.
fn method(target: &JsValue, name: &str) -> Option<Function> {
    get(target, name).dyn_into::<Function>().ok()
}

enum FetchOutcome {
    Status(u16, Option<u64>),
    NetworkError,
}

impl Inner {
    pub(crate) fn new(core: TracerCore, endpoint: String, http: HttpSettings) -> Rc<Self> {
        let fetch = method(&global(), "fetch");
        Rc::new(Self {
            state: RefCell::new(State {
                core,
                endpoint,
                active: Vec::new(),
                baggage: Baggage::default(),
                budget: KeepaliveBudget::default(),
                timer: None,
                listeners: Vec::new(),
                retrying: Vec::new(),
                next_retry_id: 0,
                fetch,
                shut_down: false,
                actions: Vec::new(),
                next_action_id: 0,
                http,
                fetch_hook: None,
                xhr_hook: None,
                settling: Vec::new(),
                page_load: None,
            }),
        })
    }

    /// Page-lifecycle listeners: visibilitychange to hidden and pagehide send everything now.
    pub(crate) fn install_listeners(self: &Rc<Self>) {
        let g = global();
        let mut listeners = Vec::new();
        let document = get(&g, "document");
        if let Ok(target) = document.dyn_into::<web_sys::EventTarget>() {
            let weak = Rc::downgrade(self);
            listeners.extend(Listener::new(target, "visibilitychange", move || {
                if page_hidden() {
                    with_inner(&weak, |inner| inner.on_page_leaving());
                }
            }));
        }
        if let Ok(window) = g.dyn_into::<web_sys::Window>() {
            let weak = Rc::downgrade(self);
            listeners.extend(Listener::new(window.into(), "pagehide", move || {
                with_inner(&weak, |i| {
                    i.end_open_spans();
                    i.on_page_leaving();
                })
            }));
        }
        self.state.borrow_mut().listeners = listeners;
    }

    /// Wraps `fetch` and `XMLHttpRequest` as configured. The exporter keeps the `fetch` the page
    /// had before, so its own requests are never traced.
    pub(crate) fn install_instrumentation(self: &Rc<Self>, fetch: bool, xhr: bool) {
        let original = self.state.borrow().fetch.clone();
        let fetch_hook = if fetch { original.and_then(|f| super::fetch::FetchHook::install(self, f)) } else { None };
        let xhr_hook = if xhr { super::xhr::XhrHook::install(self) } else { None };
        let mut s = self.state.borrow_mut();
        s.fetch_hook = fetch_hook;
        s.xhr_hook = xhr_hook;
    }

    /// A `<meta name="traceparent">` from the server makes the page load a child of the
    /// server's trace: a `documentLoad` span from navigation start to `load`, which is the
    /// implicit parent of requests made meanwhile.
    pub(crate) fn start_page_load(self: &Rc<Self>) {
        let document = get(&global(), "document");
        let Some(query) = method(&document, "querySelector") else { return };
        let meta = |name: &str| {
            let mut selector = String::from("meta[name=\"");
            selector.push_str(name);
            selector.push_str("\"]");
            query.call1(&document, &selector.into()).ok().and_then(|m| get(&m, "content").as_string())
        };
        let Some(parent) =
            meta("traceparent").and_then(|tp| SpanContext::from_headers(&tp, meta("tracestate").as_deref()))
        else {
            return;
        };
        let page = get(&get(&global(), "location"), "href").as_string().unwrap_or_default();
        {
            let mut s = self.state.borrow_mut();
            let now = clock::now_ns();
            let start = clock::page_ms_to_ns(0.0);
            let (cx, handle) =
                s.core.start_span("documentLoad", crate::core::span::SpanKind::Internal, Some(&parent), start, now);
            let url = crate::core::http::redact_url(&page, &s.http.redact_query_params);
            if let Some(span) = handle.and_then(|h| s.core.span_mut(h)) {
                span.set_attribute("url.full", url.into());
            }
            let id = s.next_action_id;
            s.next_action_id += 1;
            s.actions.insert(0, (id, cx));
            s.page_load = Some((handle, id));
        }
        if get(&document, "readyState").as_string().as_deref() == Some("complete") {
            self.finish_page_load();
        } else if let Ok(window) = global().dyn_into::<web_sys::Window>() {
            let weak = Rc::downgrade(self);
            let listener = Listener::new(window.into(), "load", move || with_inner(&weak, |i| i.finish_page_load()));
            self.state.borrow_mut().listeners.extend(listener);
        }
        self.schedule();
    }

    fn finish_page_load(self: &Rc<Self>) {
        let ended = {
            let mut s = self.state.borrow_mut();
            let Some((handle, id)) = s.page_load.take() else { return };
            s.actions.retain(|(i, _)| *i != id);
            handle.map(|h| s.core.end_span(h, clock::now_ns()))
        };
        if let Some(ended) = ended {
            self.after_end(ended);
        }
    }

    /// Removes instrumentation, listeners and the timer; queued spans are sent first.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        self.flush(page_hidden());
        let (fetch_hook, xhr_hook) = {
            let mut s = self.state.borrow_mut();
            s.listeners.clear();
            s.timer = None;
            s.shut_down = true;
            (s.fetch_hook.take(), s.xhr_hook.take())
        };
        // Restoring the globals runs no code of ours, but is done with the state released.
        drop(fetch_hook);
        drop(xhr_hook);
    }

    /// After a span ended: print it, or send now if the queue says so, or make sure the timer
    /// will come back for it.
    pub(crate) fn after_end(self: &Rc<Self>, ended: Ended) {
        match ended {
            Ended::Printed(text) => web_sys::console::log_1(&JsValue::from_str(&text)),
            Ended::Queued => {
                self.flush_due();
                self.schedule();
            }
            Ended::Dropped | Ended::AlreadyEnded => {}
        }
    }

    /// Arms the timer for the core's next deadline, unless an earlier one is armed already.
    pub(crate) fn schedule(self: &Rc<Self>) {
        let mut s = self.state.borrow_mut();
        if s.shut_down {
            return;
        }
        let Some(due) = s.core.next_deadline_ns() else { return };
        if matches!(s.timer, Some((armed, _)) if armed <= due) {
            return;
        }
        let now = clock::now_ns();
        let ms = (due.saturating_sub(now) / 1_000_000 + 1).min(u64::from(u32::MAX / 2)) as u32;
        let weak = Rc::downgrade(self);
        s.timer = Some((due, Timeout::new(ms, move || with_inner(&weak, |inner| inner.on_timer()))));
    }

    fn on_timer(self: &Rc<Self>) {
        let now = clock::now_ns();
        let printed = {
            let mut s = self.state.borrow_mut();
            s.timer = None;
            s.core.expire_spans(now)
        };
        for text in printed {
            web_sys::console::log_1(&JsValue::from_str(&text));
        }
        self.flush_due();
        self.schedule();
    }

    /// The document is being unloaded: every span still open is ended now and marked
    /// `playtrace.span.ended_by_pagehide`, so that it is sent rather than lost.
    fn end_open_spans(self: &Rc<Self>) {
        let printed = self.state.borrow_mut().core.end_all_open(clock::now_ns(), "playtrace.span.ended_by_pagehide");
        for text in printed {
            web_sys::console::log_1(&JsValue::from_str(&text));
        }
    }

    fn on_page_leaving(self: &Rc<Self>) {
        // Requests that finished but wait for Resource Timing end now, at their own end time.
        let settling: Vec<_> = self.state.borrow_mut().settling.drain(..).collect();
        for (handle, end_ns) in settling {
            let ended = self.state.borrow_mut().core.end_span(handle, end_ns);
            self.after_end(ended);
        }
        self.flush(true);
        // Bodies waiting for a retry would die with the page: keep them for the next visit.
        let waiting: Vec<Body> = self.state.borrow_mut().retrying.drain(..).map(|(_, b)| b).collect();
        self.persist(waiting);
    }

    /// Sends bodies while the queue says one is due (a full batch, a full body, or a span that
    /// waited the flush interval); a partial batch stays for the timer.
    fn flush_due(self: &Rc<Self>) {
        loop {
            let body = {
                let mut s = self.state.borrow_mut();
                if s.core.should_flush(clock::now_ns()).is_none() {
                    return;
                }
                s.core.next_body()
            };
            let Some(body) = body else { return };
            self.send(body, false);
        }
    }

    /// Sends everything queued. `leaving`: the page is being hidden or unloaded, so only
    /// transports that survive it are used.
    pub(crate) fn flush(self: &Rc<Self>, leaving: bool) {
        loop {
            let body = self.state.borrow_mut().core.next_body();
            let Some(body) = body else { break };
            self.send(body, leaving);
        }
    }

    fn record_sent(stats: &mut Stats, body: &Body) {
        stats.exported += body.spans as u64;
        stats.bodies_sent += 1;
        stats.bytes_sent += body.json.len() as u64;
    }

    fn send(self: &Rc<Self>, body: Body, leaving: bool) {
        let now = clock::now_ns();
        let (url, content_type, fits) = {
            let mut s = self.state.borrow_mut();
            let fits = s.budget.fits(body.json.len(), now);
            (s.endpoint.clone(), s.core.encoder().content_type(), fits)
        };
        if fits && self.try_beacon(&url, &body, content_type) {
            let mut s = self.state.borrow_mut();
            s.budget.reserve(body.json.len(), now, BEACON_HOLD_NS);
            s.core.stats_mut().beacons_sent += 1;
            Self::record_sent(s.core.stats_mut(), &body);
            return;
        }
        if leaving {
            if !self.try_fetch_later(&url, &body, content_type) {
                self.persist(vec![body]);
            }
            return;
        }
        let keepalive = self.state.borrow_mut().budget.fits(body.json.len(), clock::now_ns());
        {
            let mut s = self.state.borrow_mut();
            let stats = s.core.stats_mut();
            if keepalive {
                stats.fallback_keepalive += 1;
            } else {
                stats.fallback_fetch += 1;
            }
        }
        self.spawn_fetch(url, body, keepalive);
    }

    fn try_beacon(&self, url: &str, body: &Body, content_type: &str) -> bool {
        let navigator = get(&global(), "navigator");
        let (Some(send_beacon), Some(blob)) = (method(&navigator, "sendBeacon"), body_blob(&body.json, content_type))
        else {
            return false;
        };
        match send_beacon.call2(&navigator, &url.into(), &blob) {
            Ok(v) if v.as_bool() == Some(true) => true,
            _ => {
                self.state.borrow_mut().core.stats_mut().beacons_refused += 1;
                false
            }
        }
    }

    fn try_fetch_later(&self, url: &str, body: &Body, content_type: &str) -> bool {
        let g = global();
        let Some(fetch_later) = method(&g, "fetchLater") else { return false };
        if fetch_later.call2(&g, &url.into(), &post_init(&body.json, content_type, false)).is_err() {
            return false;
        }
        let mut s = self.state.borrow_mut();
        s.core.stats_mut().fallback_fetch_later += 1;
        Self::record_sent(s.core.stats_mut(), body);
        true
    }

    async fn fetch_once(&self, url: &str, body: &Body, keepalive: bool) -> FetchOutcome {
        let (fetch, content_type) = {
            let s = self.state.borrow();
            (s.fetch.clone(), s.core.encoder().content_type())
        };
        let Some(fetch) = fetch else { return FetchOutcome::NetworkError };
        let Ok(promise) = fetch.call2(&global(), &url.into(), &post_init(&body.json, content_type, keepalive)) else {
            return FetchOutcome::NetworkError;
        };
        let Ok(response) = JsFuture::from(js_sys::Promise::resolve(&promise)).await else {
            return FetchOutcome::NetworkError;
        };
        let Ok(response) = response.dyn_into::<web_sys::Response>() else { return FetchOutcome::NetworkError };
        let retry_after = response.headers().get("retry-after").ok().flatten().and_then(|v| {
            transport::parse_retry_after_seconds(&v).or_else(|| {
                let at = js_sys::Date::parse(&v);
                at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
            })
        });
        FetchOutcome::Status(response.status(), retry_after)
    }

    fn spawn_fetch(self: &Rc<Self>, url: String, body: Body, keepalive: bool) {
        let inner = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let mut body = body;
            let mut keepalive = keepalive;
            let mut retry = 0;
            loop {
                let ticket = keepalive
                    .then(|| inner.state.borrow_mut().budget.reserve(body.json.len(), clock::now_ns(), u64::MAX / 4));
                let outcome = inner.fetch_once(&url, &body, keepalive).await;
                if let Some(t) = ticket {
                    inner.state.borrow_mut().budget.release(t);
                }
                let retry_after = match outcome {
                    FetchOutcome::Status(status, _) if (200..300).contains(&status) => {
                        Self::record_sent(inner.state.borrow_mut().core.stats_mut(), &body);
                        return;
                    }
                    FetchOutcome::Status(status, retry_after) if transport::is_retryable_status(status) => retry_after,
                    FetchOutcome::NetworkError => None,
                    FetchOutcome::Status(..) => {
                        inner.state.borrow_mut().core.stats_mut().dropped_send_failed += body.spans as u64;
                        return;
                    }
                };
                retry += 1;
                let jitter = (inner.state.borrow_mut().core.ids().span_id().to_bytes()[0]) as f64 / 255.0;
                let Some(delay) = transport::retry_delay_ms(retry, retry_after, jitter) else {
                    inner.state.borrow_mut().core.stats_mut().dropped_send_failed += body.spans as u64;
                    return;
                };
                // Park the body where a page going away can find and persist it.
                let id = {
                    let mut s = inner.state.borrow_mut();
                    s.core.stats_mut().retries += 1;
                    let id = s.next_retry_id;
                    s.next_retry_id += 1;
                    s.retrying.push((id, body));
                    id
                };
                gloo_timers::future::TimeoutFuture::new(delay as u32).await;
                let parked = {
                    let mut s = inner.state.borrow_mut();
                    let at = s.retrying.iter().position(|(i, _)| *i == id);
                    at.map(|at| s.retrying.remove(at).1)
                };
                let Some(b) = parked else { return }; // persisted while the page was hidden
                body = b;
                keepalive = false;
                if page_hidden() {
                    inner.persist(vec![body]);
                    return;
                }
            }
        });
    }

    fn storage() -> Option<web_sys::Storage> {
        let storage = get(&global(), "localStorage");
        storage.dyn_into::<web_sys::Storage>().ok()
    }

    /// Appends bodies to storage, bounded: the oldest are dropped and counted.
    fn persist(&self, bodies: Vec<Body>) {
        if bodies.is_empty() {
            return;
        }
        let url = self.state.borrow().endpoint.clone();
        let Some(storage) = Self::storage() else {
            let lost: usize = bodies.iter().map(|b| b.spans).sum();
            self.state.borrow_mut().core.stats_mut().dropped_send_failed += lost as u64;
            return;
        };
        let mut entries = read_stored(&storage);
        let mut persisted = 0;
        for b in bodies {
            persisted += b.spans as u64;
            entries.push(StoredBody { url: url.clone(), spans: b.spans, json: b.json });
        }
        let mut dropped = 0u64;
        loop {
            let chars: usize = entries.iter().map(|e| e.json.len()).sum();
            if entries.len() > STORAGE_MAX_BODIES || chars > STORAGE_MAX_CHARS {
                dropped += entries.remove(0).spans as u64;
                continue;
            }
            if entries.is_empty() || storage.set_item(STORAGE_KEY, &write_stored(&entries)).is_ok() {
                break;
            }
            // Over the browser's quota: make room, oldest first.
            dropped += entries.remove(0).spans as u64;
        }
        let mut s = self.state.borrow_mut();
        let stats = s.core.stats_mut();
        stats.persisted += persisted;
        stats.dropped_storage_full += dropped;
    }

    /// Sends what an earlier page on this origin could not, and clears it from storage.
    pub(crate) fn recover(self: &Rc<Self>) {
        let Some(storage) = Self::storage() else { return };
        let entries = read_stored(&storage);
        if entries.is_empty() {
            return;
        }
        let _ = storage.remove_item(STORAGE_KEY);
        for e in entries {
            self.state.borrow_mut().core.stats_mut().recovered += e.spans as u64;
            let body = Body { json: e.json, spans: e.spans };
            self.spawn_fetch(e.url, body, false);
        }
    }
}

/// Runs `f` if the tracer still exists and has not been shut down.
fn with_inner(weak: &Weak<Inner>, f: impl FnOnce(&Rc<Inner>)) {
    if let Some(inner) = weak.upgrade() {
        if !inner.state.borrow().shut_down {
            f(&inner);
        }
    }
}

struct StoredBody {
    url: String,
    spans: usize,
    json: String,
}

/// Reads the stored bodies; anything unreadable is ignored.
fn read_stored(storage: &web_sys::Storage) -> Vec<StoredBody> {
    let Some(text) = storage.get_item(STORAGE_KEY).ok().flatten() else { return Vec::new() };
    let Ok(list) = JSON::parse(&text) else { return Vec::new() };
    if !Array::is_array(&list) {
        return Vec::new();
    }
    Array::from(&list)
        .iter()
        .filter_map(|e| {
            Some(StoredBody {
                url: get(&e, "url").as_string()?,
                spans: get(&e, "spans").as_f64()? as usize,
                json: get(&e, "body").as_string()?,
            })
        })
        .collect()
}

fn write_stored(entries: &[StoredBody]) -> String {
    let list = Array::new();
    for e in entries {
        let o = Object::new();
        let _ = Reflect::set(&o, &"url".into(), &e.url.as_str().into());
        let _ = Reflect::set(&o, &"spans".into(), &(e.spans as f64).into());
        let _ = Reflect::set(&o, &"body".into(), &e.json.as_str().into());
        list.push(&o);
    }
    JSON::stringify(&list).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
