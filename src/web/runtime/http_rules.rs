//! Which requests are traced and which carry trace headers, fixed at `init`.

use js_sys::RegExp;

use crate::core::http::PropagationTarget;

/// Which requests are traced and which carry trace headers; fixed at `init`.
pub(crate) struct HttpRules {
    pub(super) page_origin: String,
    pub(super) propagate_to: Vec<PropagationTarget>,
    pub(super) propagate_patterns: Vec<RegExp>,
    pub(super) ignore_urls: Vec<String>,
    pub(super) ignore_patterns: Vec<RegExp>,
    pub(super) redact_query_params: Vec<String>,
    /// The collector: its requests are never traced.
    pub(super) endpoint: String,
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
