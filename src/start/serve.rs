//! `piket serve`: the config turned into the server's options, the engine opened with the
//! server's file access, the owner file written, then `server::run` until it stops.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::eyre;

use super::Flags;
use super::open::open_engine_as;
use super::paths::socket_path;
use crate::config::Config;
use crate::server::{ServerOptions, owner};

/// `piket serve`.
///
/// # Errors
/// The database is held (naming the holder), another server answers on the socket, or the
/// socket cannot be served.
pub(crate) fn serve(
    flags: &Flags,
    config: &Config,
    dir: &Path,
    detached: bool,
) -> color_eyre::Result<ExitCode> {
    if detached {
        // Own session: the terminal that happened to start us can close without taking the
        // server with it.
        let _ = nix::unistd::setsid();
    }
    // Whatever the server creates (the socket before its mode is set, a file a library makes)
    // starts private; the files piket makes on purpose set their modes themselves.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let socket = socket_path(flags, config, dir);
    check_notifier_tokens(config)?;
    let access =
        crate::files::Access::for_group(config.server.socket_group.as_deref()).map_err(|e| eyre!("{e}"))?;
    let engine = Arc::new(open_engine_as(dir, config, access)?);
    crate::server::prepare_socket(&socket).map_err(|e| eyre!("{e}"))?;
    let db = engine.store_path().to_owned();
    if let Err(e) = owner::write(&db, &socket, &crate::client::local::os_user(), access) {
        eprintln!("piket serve: cannot write the owner file beside {}: {e}", db.display());
    }
    let options = ServerOptions {
        socket,
        socket_group: config.server.socket_group.clone(),
        read_only: config.server.read_only.clone(),
    };
    let alerts = crate::server::AlertServerOptions {
        alerts: crate::server::ingest::AlertOptions {
            mapping: config.alerts.clone(),
            events_per_minute: config.server.pagerduty_events_per_minute,
        },
        tcp: config.server.listen.map(|listen| crate::server::tcp::TcpOptions {
            listen,
            token_file: config.server.token_file.clone().unwrap_or_default(),
        }),
        notifiers: config.notifiers.clone(),
        tls: config
            .server
            .tls_cert
            .clone()
            .zip(config.server.tls_key.clone())
            .map(|(cert, key)| crate::server::tcp::TlsFiles { cert, key }),
        limits: crate::server::listen::Limits {
            header_timeout: config.server.header_timeout,
            body_timeout: config.server.body_timeout,
            connections_per_peer: config.server.max_connections_per_peer,
            ..crate::server::listen::Limits::default()
        },
    };
    let result = crate::server::run(engine, options, alerts);
    owner::remove(&db);
    result.map_err(|e| eyre!("{e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// A webhook notifier's token file gets the listener's check before anything starts: a token
/// other users can read is refused with the fix, not found out at 03:00 in a failed page.
fn check_notifier_tokens(config: &Config) -> color_eyre::Result<()> {
    for n in &config.notifiers {
        if let crate::server::notify::NotifierKind::Webhook { token_file: Some(path), .. } = &n.kind {
            crate::files::read_secret(path).map_err(|e| eyre!("notifiers.{}.token-file: {e}", n.name))?;
        }
    }
    Ok(())
}
