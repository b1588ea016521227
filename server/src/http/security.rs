//! Request checks and response headers that protect every route: the `Host` check (with no
//! public address configured, only loopback names are served, so a web page cannot reach this
//! server through DNS rebinding), the CSRF check (a state-changing request must come from the
//! site's own origin), and the security headers
//! (a per-request nonce CSP that admits the app's own scripts and wasm, no framing, nosniff,
//! referrer policy).

use std::sync::Arc;

use app::shell::CspNonce;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERER, X_FRAME_OPTIONS};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

/// What the checks need from the configuration.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// The configured public origin (`https://app.example.com`); `None`: the request's `Host`.
    pub public_origin: Option<String>,
    /// Development: Leptos' live-reload websocket must be allowed.
    pub dev_reload: Option<String>,
}

/// The CSRF check and the headers, as one axum middleware.
pub async fn protect(State(policy): State<Arc<SecurityPolicy>>, mut request: Request, next: Next) -> Response {
    if policy.public_origin.is_none() && !loopback_host(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "request for a host other than this machine refused");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "Este servidor solo atiende direcciones locales (localhost). Para publicarlo, configurá APP_HTTP__PUBLIC_URL.",
        )
            .into_response();
    }
    if !is_safe(request.method()) && !same_origin(request.headers(), policy.public_origin.as_deref()) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-origin request refused");
        return (StatusCode::FORBIDDEN, "Solicitud rechazada: no viene de este sitio.").into_response();
    }
    let nonce = app::shell::new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce, policy.dev_reload.as_deref())) {
        headers.entry(CONTENT_SECURITY_POLICY).or_insert(csp);
    }
    headers.entry(X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request's `Origin` (or, lacking it, `Referer`) is the site itself. Requests
/// with neither are refused: every browser sends `Origin` on a cross-site POST, and our own
/// pages' forms and `fetch` calls send it too.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let claimed = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_owned)
        .or_else(|| headers.get(REFERER).and_then(|v| v.to_str().ok()).and_then(origin_of));
    let Some(claimed) = claimed else { return false };
    match public_origin {
        Some(expected) => claimed.eq_ignore_ascii_case(expected),
        None => {
            let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            !host.is_empty()
                && (claimed.eq_ignore_ascii_case(&format!("http://{host}"))
                    || claimed.eq_ignore_ascii_case(&format!("https://{host}")))
        }
    }
}

/// Whether the request's `Host` names this machine: `localhost` (or a name under it), a
/// loopback IPv4 address or `[::1]`, with any port.
pub fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|v| v.to_str().ok()) else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("", |(addr, _)| addr),
        None => host
            .rsplit_once(':')
            .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.origin().ascii_serialization())
}

/// The CSP: scripts only from this site or carrying this response's nonce, wasm compilation
/// allowed, no plugins, no framing (the booking widget's embed route will relax
/// `frame-ancestors` for itself), forms post only here.
pub fn content_security_policy(nonce: &str, dev_reload: Option<&str>) -> String {
    let connect = dev_reload.map_or_else(|| "'self'".to_owned(), |ws| format!("'self' {ws}"));
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn same_host_origin_passes_and_others_fail() {
        let ok = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]);
        assert!(same_origin(&ok, None));
        let evil = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")]);
        assert!(!same_origin(&evil, None));
        let none = headers(&[("host", "127.0.0.1:3000")]);
        assert!(!same_origin(&none, None));
        let null = headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]);
        assert!(!same_origin(&null, None));
    }

    #[test]
    fn referer_stands_in_for_a_missing_origin() {
        let h = headers(&[("host", "a.example"), ("referer", "https://a.example/negocio?x=1")]);
        assert!(same_origin(&h, None));
        assert!(same_origin(&h, Some("https://a.example")));
        assert!(!same_origin(&h, Some("https://b.example")));
    }

    #[test]
    fn only_loopback_host_names_pass_without_a_public_address() {
        for host in [
            "localhost",
            "localhost:3000",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:3000",
            "app.localhost:80",
            "LOCALHOST.",
        ] {
            assert!(loopback_host(&headers(&[("host", host)])), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "192.168.1.5:3000",
            "[2001:db8::1]:3000",
            "localhost.evil.example",
            "",
        ] {
            assert!(!loopback_host(&headers(&[("host", host)])), "{host}");
        }
        assert!(!loopback_host(&HeaderMap::new()));
    }

    #[test]
    fn configured_origin_wins_over_host() {
        let h = headers(&[("host", "internal:3000"), ("origin", "http://internal:3000")]);
        assert!(!same_origin(&h, Some("https://app.example.com")));
    }

    #[test]
    fn policy_carries_the_nonce_and_forbids_framing() {
        let csp = content_security_policy("abc", None);
        assert!(
            csp.contains("'nonce-abc'") && csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'")
        );
        assert!(!csp.contains("unsafe-inline' 'wasm") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    }
}
