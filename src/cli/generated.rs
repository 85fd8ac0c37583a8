//! What is generated from the clap definitions themselves: shell completions and the manual
//! page, so neither can drift from the commands they describe. Both need no config, no data
//! dir and no server.

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::args::Cli;
use super::output::{OutputError, errln, outln};

/// `piket completions SHELL`.
#[must_use]
pub(super) fn completions(shell: clap_complete::Shell) -> ExitCode {
    // Into memory first: the generators panic on a failed write, and a closed pipe must end
    // quietly (the `outln!` rule).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "piket", &mut buf);
    print(&buf)
}

/// `piket man`: piket(1) in roff on standard output; with `dir`, every page written there.
#[must_use]
pub(super) fn man(dir: Option<&Path>) -> ExitCode {
    let Some(dir) = dir else {
        return match render(Cli::command()) {
            Ok(page) => print(&page),
            Err(e) => {
                errln!("piket man: {e}");
                ExitCode::FAILURE
            }
        };
    };
    // Built first, so every subcommand carries its full name (piket-schedule-show).
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    match write_pages(&cmd, dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.exit(),
    }
}

/// One page per command, the subcommands' before their parent's, as clap_mangen names them.
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<(), Failed> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let page = render(cmd.clone()).map_err(|e| Failed::Other(format!("{}: {e}", path.display())))?;
    crate::files::replace(&path, &page, crate::files::Access::Private)
        .map_err(|e| Failed::Other(e.to_string()))?;
    outln!("{}", path.display()).map_err(Failed::Output)
}

enum Failed {
    Output(OutputError),
    Other(String),
}

impl Failed {
    fn exit(self) -> ExitCode {
        match self {
            Self::Output(e) => e.exit(),
            Self::Other(e) => {
                errln!("piket man: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

fn render(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

fn print(buf: &[u8]) -> ExitCode {
    match outln!("{}", String::from_utf8_lossy(buf).trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.exit(),
    }
}
