//! The one gate every request on the Unix socket passes, before any handler runs.
//!
//! It names the caller from the kernel (SO_PEERCRED), refuses a caller it cannot name (no
//! uid from the kernel, or a uid without a passwd entry: fail closed), classifies the route
//! as a read or a write from [`ROUTES`], refuses writes from `[server] read-only` users with
//! 403 `read_only` before the body is read, and hands the handler a [`Caller`]. Handlers
//! never check identity themselves: one place to get it right. [`ROUTES`] is an allowlist:
//! a route (or method) the router serves but the table lacks is answered 404 (405) by the
//! gate for everyone, so it cannot run unclassified.
//!
//! The TCP listener does not pass here (it has no peer, only the bearer token of
//! [`super::tcp`]); its requests carry no [`Caller`], and the alert receivers then name the
//! sender kind as the actor.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{Peer, Shared};

/// What a route does to the record, which decides who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: every named caller.
    Read,
    /// Changes the record: refused for read-only users.
    Write,
    /// An alert receiver: a write, and its refusals are logged for the sender's operator.
    Send,
    /// `POST /v1/server/stop`: its own rule (the server's uid or root), checked by the handler.
    Stop,
}

/// One route of the socket: method, path as the router spells it, and its access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn route(method: &'static str, path: &'static str, access: Access) -> Route {
    Route { method, path, access }
}

/// Every route served on the socket (the API's router and the alert receivers'),
/// paths spelt as the routers spell them (`{name}`: one segment). A route missing here is
/// answered 404 for everyone; `tests/gate.rs` checks this table against the routers' source
/// and calls every entry as a read-only user.
pub const ROUTES: &[Route] = &[
    route("GET", "/v1/health", Access::Read),
    route("GET", "/v1/whoami", Access::Read),
    route("GET", "/v1/incidents", Access::Read),
    // A query with a body: a read, although it is a POST.
    route("POST", "/v1/incidents/search", Access::Read),
    route("GET", "/v1/incidents/{id}", Access::Read),
    route("GET", "/v1/incidents/{id}/timeline", Access::Read),
    route("GET", "/v1/incidents/{id}/escalation", Access::Read),
    route("POST", "/v1/commands", Access::Write),
    route("GET", "/v1/chain/head", Access::Read),
    route("GET", "/v1/verify", Access::Read),
    route("GET", "/v1/changes", Access::Read),
    route("POST", "/v1/server/stop", Access::Stop),
    route("GET", "/v1/maintenance", Access::Read),
    route("POST", "/v1/maintenance", Access::Write),
    route("POST", "/v1/maintenance/{id}/{how}", Access::Write),
    route("GET", "/v1/rota", Access::Read),
    route("POST", "/v1/rota", Access::Write),
    route("POST", "/v1/alerts/alertmanager", Access::Send),
    route("POST", "/v1/alerts", Access::Send),
    route("POST", "/v2/enqueue", Access::Send),
    route("POST", "/v1/heartbeats/{name}", Access::Send),
];

/// The caller of a request, named by the kernel and the passwd database: the actor of
/// everything it writes. Inserted by the gate; a handler takes it as `Extension<Caller>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub user: String,
    pub uid: u32,
    pub pid: Option<i32>,
    /// In `[server] read-only`: its writes never reach a handler.
    pub read_only: bool,
}

/// How the gate sees one request's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Listed(Route),
    /// The path is listed, the method is not: 405, nothing runs.
    OtherMethod,
    /// No listed path: 404, nothing runs.
    Unmatched,
}

/// Whether a request path fits a route path (`{name}` stands for one non-empty segment).
fn fits(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') && ts.ends_with('}') && !ps.is_empty() => {}
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

fn classify(method: &Method, path: &str) -> Class {
    let method = if method == Method::HEAD { "GET" } else { method.as_str() };
    let mut listed_path = false;
    for r in ROUTES {
        if fits(r.path, path) {
            if r.method == method {
                return Class::Listed(*r);
            }
            listed_path = true;
        }
    }
    if listed_path { Class::OtherMethod } else { Class::Unmatched }
}

/// Name the caller, or refuse: the kernel did not say, or the uid has no passwd entry.
fn identify(s: &Shared, peer: Option<&Peer>) -> Result<Caller, ApiError> {
    let Some((uid, peer)) = peer.and_then(|p| p.uid.map(|u| (u, p))) else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the kernel did not say who you are (SO_PEERCRED), so nothing is answered",
        ));
    };
    let Some(user) = peer.user.clone() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "unknown_user",
            format!(
                "uid {uid} has no entry in the passwd database, so piket cannot name you as the actor \
                 of anything: nothing is answered. Add the user (useradd, or an NSS entry) and retry"
            ),
        ));
    };
    let read_only = s.options.read_only.contains(&user);
    Ok(Caller { user, uid, pid: peer.pid, read_only })
}

fn admit(s: &Shared, peer: Option<&Peer>, class: Class) -> Result<Caller, ApiError> {
    let caller = identify(s, peer)?;
    match class {
        // The router's own fallbacks say the same; answered here so that a route the table
        // lacks never runs.
        Class::Unmatched => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_route",
            "no such route: the API is under /v1/ (see docs/API.md)",
        )),
        Class::OtherMethod => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not take that method (see docs/API.md)",
        )),
        Class::Listed(r) if matches!(r.access, Access::Write | Access::Send) && caller.read_only => {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "read_only",
                format!(
                    "{} may read but not change anything (server.read-only in the config): nothing was \
                     recorded",
                    caller.user
                ),
            ))
        }
        _ => Ok(caller),
    }
}

/// The middleware: see the module comment.
pub async fn gate(State(s): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let class = classify(req.method(), req.uri().path());
    let peer = req.extensions().get::<ConnectInfo<Peer>>().map(|c| c.0.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = match admit(&s, peer.as_ref(), class) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    if matches!(class, Class::Listed(Route { access: Access::Send, .. })) {
        let who = match &peer {
            Some(Peer { uid: Some(uid), user: Some(u), .. }) => format!("uid {uid} ({u}) on the socket"),
            Some(Peer { uid: Some(uid), .. }) => format!("uid {uid} on the socket"),
            _ => "an unknown peer on the socket".to_owned(),
        };
        return super::senders::log_if_refused(&who, &method, &path, resp).await;
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_writes_and_unknown_routes_are_told_apart() {
        let access = |m: &Method, p: &str| match classify(m, p) {
            Class::Listed(r) => Some(r.access),
            _ => None,
        };
        assert_eq!(access(&Method::POST, "/v1/incidents/search"), Some(Access::Read));
        assert_eq!(access(&Method::GET, "/v1/incidents/INC-4"), Some(Access::Read));
        assert_eq!(access(&Method::GET, "/v1/incidents/4/timeline"), Some(Access::Read));
        assert_eq!(access(&Method::HEAD, "/v1/incidents"), Some(Access::Read));
        assert_eq!(access(&Method::POST, "/v1/alerts"), Some(Access::Send));
        assert_eq!(access(&Method::POST, "/v1/heartbeats/watchdog"), Some(Access::Send));
        assert_eq!(access(&Method::POST, "/v1/server/stop"), Some(Access::Stop));
        assert_eq!(classify(&Method::DELETE, "/v1/health"), Class::OtherMethod);
        assert_eq!(classify(&Method::GET, "/v1/new-thing"), Class::Unmatched);
        assert_eq!(classify(&Method::GET, "/v1/incidents//timeline"), Class::Unmatched);
        assert_eq!(classify(&Method::GET, "/v1/health/"), Class::Unmatched);
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "{a:?} twice");
            }
        }
    }
}
