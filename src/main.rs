//! `piket`: parse arguments, install the error report, dispatch. Everything else is in the
//! library (see lib.rs for the map of layers).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any terminal setup, so a panic report is readable (the TUI restores the terminal
    // in its own hook before this one prints).
    if let Err(e) = color_eyre::config::HookBuilder::default().display_env_section(false).install() {
        eprintln!("piket: cannot install the error handler: {e}");
    }
    let cli = piket::cli::Cli::parse();
    match piket::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("piket: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
