//! Which requests are traced and which carry trace headers, fixed at `init`.

use crate::core::http::PropagationTarget;

/// Which requests are traced and which carry trace headers; fixed at `init`.
pub(crate) struct HttpRules {
    pub(super) page_origin: String,
    pub(super) propagate_to: Vec<PropagationTarget>,
    pub(super) ignore_urls: Vec<String>,
    pub(super) redact_query_params: Vec<String>,
    /// The collector: its requests are never traced.
    pub(super) endpoint: String,
}

impl HttpRules {
    /// Requests that are not traced: the collector's, and the configured `ignoreUrls` (`matched`:
    /// one of its RegExps, which JS keeps, matched).
    pub(crate) fn is_ignored(&self, href: &str, matched: bool) -> bool {
        matched || href.starts_with(&self.endpoint) || self.ignore_urls.iter().any(|p| href.starts_with(p.as_str()))
    }

    /// Whether a request may carry trace headers: the page's own origin and `propagateTo` only;
    /// anything else would force a CORS preflight and leak trace IDs to third parties.
    /// `matched`: one of `propagateTo`'s RegExps, which JS keeps, matched.
    pub(crate) fn should_propagate(&self, href: &str, origin: &str, matched: bool) -> bool {
        matched || origin == self.page_origin || self.propagate_to.iter().any(|t| t.matches(href, origin))
    }

    /// `href` with credentials and secret query values redacted.
    pub(crate) fn redact(&self, href: &str) -> String {
        crate::core::http::redact_url(href, &self.redact_query_params)
    }
}
