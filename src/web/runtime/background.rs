//! Requests outside any action (see the core's `background`): the rule their span is started
//! by, the `background` span that groups them, and its end when a flush closes it.

use super::Runtime;
use crate::core::background::{Done, Placement};
use crate::core::context::ParentRule;
use crate::core::span::{AttributeValue, SpanKind};
use crate::web::clock;

/// The name of the span that groups requests outside actions.
const GROUP_NAME: &str = "background";
/// Its attribute: how many requests it holds.
const REQUESTS_KEY: &str = "playtrace.background.requests";

impl Runtime {
    /// The parent rule of a request made with no parent of its own, starting at `start_ms`
    /// (NaN: now); `None` if it is not to be traced. Inside an action or `withSpan` that is
    /// the implicit parent; outside, the `background` rule decides, and a group's span starts
    /// here at the request's start.
    #[inline(never)]
    pub(crate) fn request_rule(&self, start_ms: f64) -> Option<ParentRule> {
        let place = {
            let s = self.state.borrow();
            if s.contexts.implicit_parent().is_some() {
                return Some(ParentRule::Implicit);
            }
            s.background.place()
        };
        match place {
            Placement::Root => return Some(ParentRule::Root),
            Placement::Untraced => return None,
            Placement::Group => {}
            Placement::OpenGroup => {
                let (cx, span) =
                    self.start_span_outlined(GROUP_NAME, SpanKind::Internal, ParentRule::Root, None, start_ms);
                let start_ns =
                    if start_ms.is_nan() { self.state.borrow().last_now_ns } else { clock::time_input_ns(start_ms) };
                let mut s = self.state.borrow_mut();
                s.background.opened(span, start_ns);
                s.contexts.open_group(cx);
            }
        }
        self.state.borrow_mut().background.joined();
        Some(ParentRule::Request)
    }

    /// A flush at `now`: the open group closes, and its span ends at the end of its latest
    /// request ended by now (now, if none has), with how many requests it held.
    #[inline(never)]
    pub(super) fn close_background(&self, now: u64) {
        let (group, done) = {
            let mut s = self.state.borrow_mut();
            (s.contexts.close_group(), s.background.close())
        };
        let (Some(cx), Some(Done { span, start_ns, requests })) = (group, done) else { return };
        let end = self.state.borrow().core.latest_child_end(cx.span_id).unwrap_or(now).max(start_ns);
        self.set_fixed_attributes(span, vec![(REQUESTS_KEY, AttributeValue::Int(i64::from(requests)))]);
        self.end_span_ns(span, end);
    }
}
