//! Frames: the watch over the frame ring, and jank outside actions.

use super::Runtime;
use crate::core::context::ParentRule;
use crate::core::frames::FrameWatch;
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;
use crate::core::tracer::SpanHandle;
use crate::web::{clock, frame_ring};

impl Runtime {
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
        let mut open = Vec::new();
        for (start, _) in self.open_actions() {
            open.push(start);
        }
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
            let (_, handle) =
                self.start_child("jank", SpanKind::Internal, ParentRule::Root, None, Vec::new(), jank.from_ms);
            if let Some(h) = handle {
                self.set_fixed_attributes(h, jank.attributes());
                self.end_span(h, jank.to_ms);
            }
        }
    }
}
