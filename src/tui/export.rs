//! `x`: the selected incident's report (the same Markdown as `piket export`), written to a
//! file a responder can attach or mail.

use std::path::Path;

use chrono::Utc;
use chrono_tz::Tz;

use crate::client::Client;
use crate::domain::IncidentId;

/// Fetch the incident, its timeline and the chain head and write `INC-n.md` into `dir`;
/// the path written.
///
/// # Errors
/// The client failed or the file could not be written, in words.
pub fn write(client: &dyn Client, id: IncidentId, dir: &Path, tz: Tz) -> Result<String, String> {
    let inc = client.incident(id).map_err(|e| e.to_string())?;
    let events = client.timeline(id).map_err(|e| e.to_string())?;
    let head = client.chain_head().map_err(|e| e.to_string())?;
    let md = crate::report::incident::markdown(&inc, &events, &head, tz, Utc::now());
    let path = dir.join(format!("{id}.md"));
    std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
