//! `x`: the selected incident as Markdown, written to a file a responder can attach or mail.

use std::fmt::Write as _;
use std::path::Path;

use crate::client::Client;
use crate::domain::IncidentId;
use crate::domain::text::sanitize;

/// Fetch the incident and its timeline and write `INC-n.md` into `dir`; the path written.
///
/// # Errors
/// The client failed or the file could not be written, in words.
pub fn write(client: &dyn Client, id: IncidentId, dir: &Path) -> Result<String, String> {
    let inc = client.incident(id).map_err(|e| e.to_string())?;
    let events = client.timeline(id).map_err(|e| e.to_string())?;
    let mut md = String::new();
    let _ = writeln!(md, "# {} · {}\n", inc.id, sanitize(&inc.title));
    let _ = writeln!(md, "| field | value |\n|---|---|");
    let _ = writeln!(md, "| status | {} |", inc.status);
    let _ = writeln!(md, "| priority | {} |", inc.priority);
    let _ = writeln!(md, "| severity | {} |", inc.severity);
    let _ = writeln!(md, "| impact x urgency | {} x {} |", inc.impact, inc.urgency);
    let _ = writeln!(md, "| services | {} |", sanitize(&inc.services.join(", ")));
    let _ = writeln!(md, "| detected | {} |", inc.detected_at.to_rfc3339());
    if let Some(s) = &inc.resolution_summary {
        let _ = writeln!(md, "\n## Resolution\n\n{}", sanitize(s));
    }
    let _ = writeln!(md, "\n## Timeline\n");
    for ev in &events {
        let _ = writeln!(
            md,
            "- {} **{}** {}: {}",
            ev.occurred_at.format("%Y-%m-%d %H:%M:%SZ"),
            sanitize(&ev.actor),
            ev.kind.name(),
            sanitize(&ev.kind.describe()).replace('\n', "\n  ")
        );
    }
    let path = dir.join(format!("{id}.md"));
    std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
