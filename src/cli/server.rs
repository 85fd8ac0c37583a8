//! `piket server status|stop`: ask the server on the socket how it is, or to stop. Neither
//! ever starts one (finding and starting servers is `crate::start`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use color_eyre::eyre::eyre;

use super::args::{Cli, ServerCmd};
use super::output::outln;
use crate::client::remote::RemoteClient;
use crate::config::Config;
use crate::start::{PROBE, WAIT_LIMIT, pid_alive, socket_path};

/// `piket server status|stop`. Never starts a server.
///
/// # Errors
/// Stopping did not finish in time.
pub(crate) fn server_cmd(
    cli: &Cli,
    config: &Config,
    dir: &Path,
    cmd: &ServerCmd,
) -> color_eyre::Result<ExitCode> {
    let socket = socket_path(&cli.flags(), config, dir);
    let client = match RemoteClient::connect(&socket) {
        Ok(c) => c,
        Err(e) => {
            if cli.json {
                outln!("{}", serde_json::json!({ "running": false, "socket": socket }))?;
            } else {
                outln!("not running: {e}")?;
            }
            return Ok(match cmd {
                ServerCmd::Status => ExitCode::FAILURE,
                ServerCmd::Stop => ExitCode::SUCCESS,
            });
        }
    };
    let health = client.health().map_err(|e| eyre!("{e}"))?;
    match cmd {
        ServerCmd::Status => {
            if cli.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "running": true,
                        "pid": health.pid,
                        "version": health.version,
                        "socket": health.socket,
                        "database": health.database,
                        "started_at": health.started_at,
                        "uptime_secs": health.uptime_secs,
                        "feeds": health.feeds,
                        "last_global_seq": health.last_global_seq,
                    })
                )?;
            } else {
                outln!("running: pid {} (piket {})", health.pid, health.version)?;
                outln!("socket:   {}", health.socket.display())?;
                outln!("database: {}", health.database.display())?;
                outln!(
                    "up {} since {}; {} live feeds; {} events",
                    crate::report::human_duration(chrono::Duration::seconds(
                        i64::try_from(health.uptime_secs).unwrap_or(i64::MAX)
                    )),
                    health.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    health.feeds,
                    health.last_global_seq
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ServerCmd::Stop => {
            client.stop_server().map_err(|e| eyre!("{e}"))?;
            drop(client);
            // Accepted is not stopped: the server still finishes the commands in flight and
            // closes the database. Done is when its process is gone (then the database is free
            // and the socket removed).
            let began = Instant::now();
            while pid_alive(health.pid) {
                if began.elapsed() >= WAIT_LIMIT {
                    return Err(eyre!(
                        "asked the server (pid {}) to stop, but it still runs after {} s; see its log, or `kill {}`",
                        health.pid,
                        WAIT_LIMIT.as_secs(),
                        health.pid
                    ));
                }
                std::thread::sleep(PROBE);
            }
            if cli.json {
                outln!("{}", serde_json::json!({ "running": false, "stopped": health.pid }))?;
            } else {
                outln!("stopped: pid {}", health.pid)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
