//! The page load as part of the server's trace: a `<meta name="traceparent">` rendered by the
//! server makes a `documentLoad` span, from navigation start to `load`, its child; requests made
//! meanwhile are children of the page load.

use std::rc::Rc;

use super::js::{get, global, method, page_href};
use super::lifecycle::Listener;
use super::runtime::{with_live, Runtime};
use crate::core::context::ParentRule;
use crate::core::span::SpanKind;
use crate::core::span_context::SpanContext;

/// Starts the page-load span if the page carries a `traceparent` meta tag.
pub(crate) fn start(rt: &Rc<Runtime>) {
    let document = get(&global(), "document");
    let Some(query) = method(&document, "querySelector") else { return };
    let meta = |name: &str| {
        let mut selector = String::from("meta[name=\"");
        selector.push_str(name);
        selector.push_str("\"]");
        query.call1(&document, &selector.into()).ok().and_then(|m| get(&m, "content").as_string())
    };
    let Some(parent) = meta("traceparent").and_then(|tp| SpanContext::from_headers(&tp, meta("tracestate").as_deref()))
    else {
        return;
    };
    let url = rt.http().redact(&page_href());
    // The span began at navigation start (page time 0), not when init ran.
    let (cx, handle) = rt.start_child(
        "documentLoad",
        SpanKind::Internal,
        ParentRule::Given,
        Some(parent),
        vec![("url.full".to_owned(), url.into())],
        0.0,
    );
    let action = rt.open_background_action(cx);
    let finish = move |rt: &Rc<Runtime>| {
        rt.close_action(action);
        if let Some(h) = handle {
            let now = rt.now_ns();
            rt.end_span_ns(h, now);
        }
    };
    if get(&document, "readyState").as_string().as_deref() == Some("complete") {
        finish(rt);
    } else if let Some(window) = super::js::window() {
        let weak = Rc::downgrade(rt);
        let mut finish = Some(finish);
        let on_load = move || {
            with_live(&weak, |rt| {
                if let Some(f) = finish.take() {
                    f(rt);
                }
            })
        };
        if let Some(l) = Listener::new(window, "load", on_load) {
            rt.keep(Box::new(l));
        }
    }
}
