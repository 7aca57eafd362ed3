//! Uncaught errors and unhandled rejections, as exception events or short error spans.

use super::Runtime;
use crate::core::context::ParentRule;
use crate::core::errors::{exception_attributes, ErrorVerdict};
use crate::core::span::{SpanKind, Status};

impl Runtime {
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
        let (_, handle) =
            self.start_child("exception", SpanKind::Internal, ParentRule::Implicit, None, Vec::new(), f64::NAN);
        if let Some(h) = handle {
            self.with_span(h, |span| {
                span.add_event("exception", now, attrs);
                span.set_status(Status::Error(message.to_owned()));
            });
            self.end_span_ns(h, now);
        }
    }
}
