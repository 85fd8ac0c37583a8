//! `piket`: parse arguments, install the error report, dispatch. Everything else is in the
//! library (see lib.rs for the map of layers).

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use piket::cli::output::OutputError;

fn main() -> ExitCode {
    // Before any terminal setup, so a panic report is readable (the TUI restores the terminal
    // in its own hook before this one prints).
    if let Err(e) = color_eyre::config::HookBuilder::default().display_env_section(false).install() {
        let _ = writeln!(std::io::stderr(), "piket: cannot install the error handler: {e}");
    }
    let cli = piket::cli::Cli::parse();
    match piket::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Standard output went away under a command (`piket server status | head -1`):
            // quiet, with SIGPIPE's status, as other tools end.
            if let Some(out) = e.chain().find_map(|c| c.downcast_ref::<OutputError>()) {
                return out.exit();
            }
            // stderr may be a closed pipe too: nothing to do about that but not panic.
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "piket: {e}");
            for cause in e.chain().skip(1) {
                let _ = writeln!(err, "  because: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
