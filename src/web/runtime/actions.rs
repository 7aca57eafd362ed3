//! The `withSpan` stack and the open actions.

use super::Runtime;
use crate::core::frames::frame_stats;
use crate::core::ids::TraceId;
use crate::core::span_context::SpanContext;
use crate::core::tracer::SpanHandle;
use crate::web::{clock, frame_ring};

impl Runtime {
    #[inline]
    pub fn push_active(&self, cx: SpanContext) {
        self.state.borrow_mut().contexts.push_active(cx);
    }

    #[inline]
    pub fn pop_active(&self) {
        self.state.borrow_mut().contexts.pop_active();
    }

    pub fn open_action(&self, cx: SpanContext) -> u64 {
        self.state.borrow_mut().contexts.open_action(cx)
    }

    pub(crate) fn open_background_action(&self, cx: SpanContext) -> u64 {
        self.state.borrow_mut().contexts.open_background_action(cx)
    }

    /// The page load's open action and span, which end when the page has loaded.
    pub(crate) fn set_page_load(&self, action: u64, span: Option<SpanHandle>) {
        self.state.borrow_mut().page_load = Some((action, span));
    }

    /// The page load's open action and span, once.
    pub(crate) fn take_page_load(&self) -> Option<(u64, Option<SpanHandle>)> {
        self.state.borrow_mut().page_load.take()
    }

    /// How many actions are open.
    pub fn open_action_count(&self) -> usize {
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
    pub fn settle_action(&self, id: u64, end_ms: f64) {
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
}
