//! Spans as the API records them: start, attributes, end, and the requests that settle later.

use super::{print, Runtime};
use crate::core::context::ParentRule;
use crate::core::diagnostics::Decision;
use crate::core::span::{AttributeValue, SharedStr, SpanData, SpanKind};
use crate::core::span_context::SpanContext;
use crate::core::tracer::{Ended, SpanHandle};
use crate::web::clock;

impl Runtime {
    /// Starts a span. Returns its context and, if it records, its handle.
    ///
    /// One copy, compiled with the engine for size, for the exports and every other caller. It
    /// was `#[inline]` into the exports' crate at opt-level 3: 3 KB more gzipped wasm, for a span
    /// and a nest 5-15% faster and a span with caller times 12-40% (Chromium, both builds in one
    /// page, alternating, over several runs).
    #[inline(never)]
    pub fn start_span(
        &self,
        name: SharedStr,
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
        let reschedule = handle.is_some() && s.export.needs_timer_by(timeout_at);
        drop(s);
        if reschedule {
            self.schedule();
        }
        if let (None, Some(label)) = (handle, label) {
            self.debug(Decision::SampledOut, || quoted("span ", &label));
        }
        (cx, handle)
    }

    /// [`start_span`](Self::start_span) with a name not interned yet (the spans the engine names
    /// itself: HTTP spans, the background group): the name is shared first.
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

    /// Starts a span with attributes, its parent by `rule` (`given`: the one given), at
    /// `start_ms` (NaN: now).
    pub(crate) fn start_child(
        &self,
        name: &str,
        kind: SpanKind,
        rule: ParentRule,
        given: Option<SpanContext>,
        attributes: Vec<(&'static str, AttributeValue)>,
        start_ms: f64,
    ) -> (SpanContext, Option<SpanHandle>) {
        let (cx, handle) = self.start_span_outlined(name, kind, rule, given, start_ms);
        if let Some(h) = handle {
            self.set_fixed_attributes(h, attributes);
        }
        (cx, handle)
    }

    /// Runs `f` on the recording span; nothing for a span that has ended.
    #[inline]
    pub(crate) fn with_span(&self, h: SpanHandle, f: impl FnOnce(&mut SpanData)) {
        if let Some(span) = self.state.borrow_mut().core.span_mut(h) {
            f(span);
        }
    }

    #[inline]
    pub fn set_attribute(&self, h: SpanHandle, key: SharedStr, value: AttributeValue) {
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

    #[inline]
    pub fn is_recording(&self, h: SpanHandle) -> bool {
        self.state.borrow_mut().core.span_mut(h).is_some()
    }

    /// Ends a span at `end_ms` (NaN: now).
    #[inline]
    pub fn end_span(&self, h: SpanHandle, end_ms: f64) {
        let end = if end_ms.is_nan() { clock::now_ns() } else { clock::time_input_ns(end_ms) };
        self.end_span_ns(h, end);
    }

    /// Ends a span at `end_ns`, then prints it or makes sure the timer will send it. One copy
    /// for every caller, as [`start_span`](Self::start_span).
    #[inline(never)]
    pub(crate) fn end_span_ns(&self, h: SpanHandle, end_ns: u64) {
        let (ended, reschedule) = {
            let mut s = self.state.borrow_mut();
            if s.export.is_shut_down() {
                return;
            }
            let ended = s.core.end_span(h, end_ns);
            let reschedule = ended == Ended::Queued && s.export.moves_timer_when_queued(&s.core);
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
    pub(super) fn end_settling(&self) {
        let settling = std::mem::take(&mut self.state.borrow_mut().settling);
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
