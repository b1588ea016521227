//! What a server function knows about its request: the client's address and browser, the
//! site's origin, and the session cookie (read and written through Leptos' response options).

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::header::{COOKIE, HOST, SET_COOKIE, USER_AGENT};
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;

use super::AuthSettings;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "mostrador_sesion";

/// Facts about the current request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client address (`X-Forwarded-For`'s last hop only when trusted).
    pub ip: String,
    /// The browser's `User-Agent`, cut to 300 characters.
    pub user_agent: String,
    /// `https://host` or `http://host` for links in mails.
    pub site_url: String,
}

/// The request's auth settings; the defaults (no `Secure` cookies, no trusted proxy) outside a
/// request, where [`request_meta`] has no request to describe either.
fn settings() -> AuthSettings {
    crate::state::state().map(|s| s.auth).unwrap_or_default()
}

/// Reads the current request's facts from the Leptos context.
pub fn request_meta() -> RequestMeta {
    let settings = settings();
    let Some(parts) = use_context::<Parts>() else { return RequestMeta::default() };
    let headers = &parts.headers;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let forwarded = settings.trust_forwarded.then(|| header_str(headers, "x-forwarded-for")).flatten().and_then(|v| {
        v.rsplit(',').next().map(|ip| ip.trim().to_owned()).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
    });
    let ip = forwarded.unwrap_or(peer);
    let user_agent: String = header_str(headers, USER_AGENT.as_str()).unwrap_or_default().chars().take(300).collect();
    let site_url = settings.public_url.clone().unwrap_or_else(|| {
        let host = header_str(headers, HOST.as_str()).unwrap_or("localhost");
        let scheme = if settings.secure_cookies { "https" } else { "http" };
        format!("{scheme}://{host}")
    });
    RequestMeta { ip, user_agent, site_url }
}

/// Whether `ip` (as in [`RequestMeta::ip`]) is this machine.
pub fn is_loopback(ip: &str) -> bool {
    ip.parse::<std::net::IpAddr>().is_ok_and(|ip| match ip {
        std::net::IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The session token from the request's cookie, if any.
pub fn session_token() -> Option<String> {
    session_token_from(&use_context::<Parts>()?.headers)
}

/// The session token in `headers`' cookies, if any (for handlers outside Leptos).
pub fn session_token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn write_cookie(value: &str, max_age_secs: i64) {
    let secure = if settings().secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie))
    {
        response.append_header(SET_COOKIE, value);
    }
}

/// Sends the session cookie (HttpOnly, SameSite=Lax, Secure over TLS).
pub fn set_session_cookie(token: &str) {
    write_cookie(token, crate::tenancy::db::sessions::SESSION_MAX_AGE.num_seconds());
}

/// Tells the browser to forget the session cookie.
pub fn clear_session_cookie() {
    write_cookie("", 0);
}
