//! What every answer passes through, against the pages a browser may visit besides the game's:
//! a request whose `Host` is not this server's address is refused (a DNS-rebinding page cannot
//! read stored traces), the chat WebSocket upgrades only for the page's own origin and the
//! `--allow-origin` list (no other site can read or post the chat), and the viewer and the API
//! carry a Content-Security-Policy, `X-Content-Type-Options: nosniff` and no framing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The viewer's and the API's policy: scripts, styles and requests from this server only (the
/// viewer's styles are inline), no plugins, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Who may talk to this server.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    /// The address served; `None` (tests through the router) checks no `Host`.
    pub served: Option<SocketAddr>,
    /// Origins besides the page's own that may open the chat (`--allow-origin`).
    pub allowed_origins: Vec<String>,
}

impl Guard {
    /// Whether `host` (a `Host` header) names this server: its address, or a loopback name for
    /// it, on its port. A server on an unspecified address (0.0.0.0) takes any IP literal.
    pub fn host_ok(&self, host: &str) -> bool {
        let Some(served) = self.served else { return true };
        let (name, port) = match host.rsplit_once(':') {
            Some((n, p)) if !n.is_empty() && !p.contains(']') => (n, p.parse::<u16>().ok()),
            _ => (host, Some(80)),
        };
        if port != Some(served.port()) {
            return false;
        }
        let name = name.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let ip = name.parse::<std::net::IpAddr>().ok();
        if served.ip().is_unspecified() {
            return ip.is_some() || name == "localhost";
        }
        if served.ip().is_loopback() && (name == "localhost" || ip.is_some_and(|ip| ip.is_loopback())) {
            return true;
        }
        ip == Some(served.ip())
    }

    /// Whether a page of `origin` may open the chat: the page's own origin (same host) or one
    /// of the allowed origins.
    pub fn origin_ok(&self, origin: &str, host: Option<&str>) -> bool {
        let own = host.is_some_and(|h| origin.strip_prefix("http://").is_some_and(|rest| rest.eq_ignore_ascii_case(h)));
        own || self.allowed_origins.iter().any(|a| a == origin)
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_owned()).into_response()
}

/// The middleware: refuses foreign hosts and origins, and adds the security headers.
pub async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned);
    if let Some(h) = &host {
        if !guard.host_ok(h) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "this devserver answers only for its own address (Host must name it); open it by its address, such as http://127.0.0.1:PORT",
            );
        }
    }
    let path = req.uri().path().to_owned();
    if path == "/api/game/ws" {
        if let Some(origin) = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            if !guard.origin_ok(origin, host.as_deref()) {
                return refuse(
                    StatusCode::FORBIDDEN,
                    &format!("the chat accepts the page's own origin and --allow-origin only, not {origin}"),
                );
            }
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if path.starts_with("/viewer") || path.starts_with("/api/") || path.starts_with("/v1/") {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}
