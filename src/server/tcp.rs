//! The optional TCP listener (`server.listen`): only the alert receivers and `/v1/health`,
//! each request with `Authorization: Bearer <token>` (the scheme in any case, RFC 7235). The
//! token comes from a file that must not be readable by other users; the server refuses to
//! start otherwise and says so. Without `tls-cert`/`tls-key` the token travels in clear.
//!
//! [`Credentials`] holds the token and the TLS acceptor in force; SIGHUP re-reads both files
//! ([`Credentials::reload`]) and keeps the old ones when a new file is refused.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ServeError;
use super::listen::TlsSlot;

/// `server.listen` and `server.token-file`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpOptions {
    pub listen: SocketAddr,
    pub token_file: PathBuf,
}

/// `server.tls-cert` and `server.tls-key`: PEM files (the chain, leaf first; the private key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The token and TLS acceptor the listener uses now.
pub struct Credentials {
    token_file: PathBuf,
    tls_files: Option<TlsFiles>,
    token: RwLock<Arc<str>>,
    tls: TlsSlot,
}

impl Credentials {
    /// Read the token file and the TLS files, refusing what [`read_token`] and [`tls_acceptor`]
    /// refuse.
    ///
    /// # Errors
    /// A file is missing, open to other users, or not what it should hold.
    pub fn load(token_file: &Path, tls_files: Option<&TlsFiles>) -> Result<Arc<Self>, ServeError> {
        let token = read_token(token_file)?;
        let tls = tls_files.map(tls_acceptor).transpose()?;
        Ok(Arc::new(Self {
            token_file: token_file.to_owned(),
            tls_files: tls_files.cloned(),
            token: RwLock::new(token.into()),
            tls: Arc::new(RwLock::new(tls)),
        }))
    }

    /// The acceptor slot the listener reads for each new connection.
    #[must_use]
    pub fn tls(&self) -> TlsSlot {
        Arc::clone(&self.tls)
    }

    #[must_use]
    pub(crate) fn tls_enabled(&self) -> bool {
        self.tls_files.is_some()
    }

    fn token(&self) -> Arc<str> {
        Arc::clone(&self.token.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Read the files again (SIGHUP). Each part is replaced only when its new file is good;
    /// otherwise the old one stays and the log says why. Connections already open keep the
    /// certificate they were made with.
    pub fn reload(&self) {
        match read_token(&self.token_file) {
            Ok(t) => {
                *self.token.write().unwrap_or_else(std::sync::PoisonError::into_inner) = t.into();
                eprintln!("piket serve: reloaded the token from {}", self.token_file.display());
            }
            Err(e) => eprintln!("piket serve: kept the old token: {e}"),
        }
        if let Some(files) = &self.tls_files {
            match tls_acceptor(files) {
                Ok(a) => {
                    *self.tls.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(a);
                    eprintln!("piket serve: reloaded the certificate from {}", files.cert.display());
                }
                Err(e) => eprintln!("piket serve: kept the old certificate: {e}"),
            }
        }
    }
}

/// Build the TLS acceptor from PEM files; the key file must be private, like the token file.
///
/// # Errors
/// A file is missing or open to other users, holds no certificate or no key, or the key does
/// not fit the certificate.
pub(crate) fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, ServeError> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        ServeError::Socket(format!("server.{what} {}: {e}", path.display()))
    };
    let cert_pem = std::fs::read(&files.cert).map_err(|e| bad("tls-cert", &files.cert, &e))?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("tls-cert", &files.cert, &e))?;
    if certs.is_empty() {
        return Err(bad("tls-cert", &files.cert, &"no PEM certificate in the file"));
    }
    private(&files.key, "tls-key")?;
    let key_pem = std::fs::read(&files.key).map_err(|e| bad("tls-key", &files.key, &e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| bad("tls-key", &files.key, &e))?;
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Socket(format!("cannot set up TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad("tls-key", &files.key, &format!("does not fit server.tls-cert: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Refuse a secret file that other users can read or write (the one check, [`crate::files`]).
fn private(path: &Path, key: &str) -> Result<(), ServeError> {
    crate::files::check_private(path).map_err(|e| ServeError::Socket(format!("server.{key}: {e}")))
}

/// Read the bearer token, refusing a file other users can read (or write).
///
/// # Errors
/// The file is missing, readable by group or others, or empty.
pub fn read_token(path: &Path) -> Result<String, ServeError> {
    private(path, "token-file")?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServeError::Socket(format!("server.token-file {}: {e}", path.display())))?;
    let token = text.trim().to_owned();
    if token.len() < 16 {
        return Err(ServeError::Socket(format!(
            "server.token-file {}: the token is shorter than 16 characters",
            path.display()
        )));
    }
    Ok(token)
}

/// Compare without an early exit, so the time taken does not tell how much of a guess matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The credentials of `Authorization: <scheme> <credentials>` when the scheme is `Bearer`,
/// in any case (RFC 7235: the scheme is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

async fn require_token(State(creds): State<Arc<Credentials>>, req: Request, next: Next) -> Response {
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    match given {
        Some(t) if same(t.as_bytes(), creds.token().as_bytes()) => next.run(req).await,
        Some(_) => unauthorized("the bearer token is wrong"),
        None => unauthorized("an Authorization: Bearer <token> header is required (server.token-file)"),
    }
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(serde_json::json!({"error": {"code": "unauthorized", "message": message}})),
    )
        .into_response()
}

/// The router of the TCP listener: the receivers, behind the token.
pub fn router(receivers: Router, creds: Arc<Credentials>) -> Router {
    receivers
        .route("/v1/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"error": {"code": "unknown_route",
                    "message": "this listener serves only the alert receivers (see docs/API.md)"}})),
            )
        })
        .layer(axum::middleware::from_fn_with_state(creds, require_token))
        // Outside the token check, so a wrong token is logged for the sender's operator too.
        .layer(axum::middleware::from_fn(super::senders::tcp))
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR  abc "] {
            assert_eq!(bearer(v), Some("abc"), "{v}");
        }
        for v in ["Basic abc", "Bearerabc", "abc", ""] {
            assert_eq!(bearer(v), None, "{v}");
        }
    }
}
