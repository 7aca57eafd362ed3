//! Trace headers for a request, and the page's baggage.

use super::Runtime;
use crate::core::span_context::SpanContext;

impl Runtime {
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
}
