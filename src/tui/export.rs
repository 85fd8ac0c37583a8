//! `x`: the selected incident's report (the same Markdown as `piket export`), written to a
//! file a responder can attach or mail.

use std::path::Path;

use chrono::Utc;
use chrono_tz::Tz;

use crate::client::Client;
use crate::domain::IncidentId;

/// Fetch the incident, its timeline and the chain head and write `INC-n.md` into `dir`
/// (or `INC-n-2.md`, ... if that name is taken: a responder's earlier export, or a link someone
/// planted, is never overwritten or followed); the path written.
///
/// # Errors
/// The client failed or the file could not be written, in words.
pub fn write(client: &dyn Client, id: IncidentId, dir: &Path, tz: Tz) -> Result<String, String> {
    let inc = client.incident(id).map_err(|e| e.to_string())?;
    let events = client.timeline(id).map_err(|e| e.to_string())?;
    let head = client.chain_head().map_err(|e| e.to_string())?;
    let md = crate::report::incident::markdown(&inc, &events, &head, tz, Utc::now());
    let path = crate::files::write_numbered(
        dir,
        &id.to_string(),
        "md",
        md.as_bytes(),
        crate::files::Access::Private,
    )
    .map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}
