//! From the parsed file to a [`Config`]: defaults for what is absent, then the checks that need
//! more than one value at a time (duplicates, acknowledge versus resolve).

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::duration::display;
use super::error::ConfigError;
use super::file::{ConfigFile, TargetsFile};
use super::source::{Source, path};
use super::value::Name;
use super::{Config, StoreSettings};
use crate::domain::{Priority, Target};

pub(super) fn build(file: ConfigFile, text: &str, origin: &Path) -> Result<Config, ConfigError> {
    let src = Source::new(origin, text);
    let mut config = Config::default();
    let policy = &mut config.policy;

    if let Some(Name(team)) = file.team {
        config.team = team;
    }
    if let Some(zone) = file.timezone {
        config.timezone = zone.0;
    }
    if let Some(names) = file.on_call {
        config.on_call = names.into_iter().map(|n| n.0).collect();
    }
    if let Some(dir) = file.data_dir {
        config.data_dir = Some(path(&src, "data-dir", dir)?);
    }
    if let Some(server) = file.server {
        if let Some(socket) = server.socket {
            config.server.socket = Some(path(&src, "server.socket", socket)?);
        }
        config.server.socket_group = server.socket_group.map(|n| n.0);
        if let Some(users) = server.read_only {
            config.server.read_only = users.into_iter().map(|n| n.0).collect();
        }
        if let Some(t) = server.token_file {
            config.server.token_file = Some(path(&src, "server.token-file", t)?);
        }
        set(&mut config.server.pagerduty_events_per_minute, server.pagerduty_events_per_minute);
        if let Some(listen) = server.listen {
            if config.server.token_file.is_none() {
                return Err(src.error(
                    Some(listen.span()),
                    "server.listen: the alert receivers on TCP need a bearer token: set server.token-file \
                     to a file only this user can read"
                        .to_owned(),
                ));
            }
            config.server.listen = Some(listen.into_inner());
        }
        server_limits(
            &src,
            &mut config.server,
            server.tls_cert,
            server.tls_key,
            server.header_timeout,
            server.body_timeout,
            server.max_connections_per_peer,
        )?;
    }
    if let Some(a) = file.alerts {
        let m = &mut config.alerts;
        if let Some(Name(n)) = a.service_label {
            m.service_label = n;
        }
        if let Some(Name(n)) = a.severity_label {
            m.severity_label = n;
        }
        set(&mut m.title_template, a.title_template);
        if let Some(list) = a.group_by_receivers {
            m.group_receivers = list.into_iter().map(|n| n.0).collect();
        }
        if let Some(list) = a.auto_resolve_services {
            m.auto_resolve_services = list.into_iter().map(|n| n.0).collect();
        }
        let conv = |f: super::file::SeverityMapFile| crate::domain::alert::SeverityMapping {
            impact: f.impact,
            urgency: f.urgency,
            severity: f.severity.0,
        };
        if let Some(u) = a.unknown_severity {
            m.default_severity = conv(u);
        }
        for (word, map) in a.severities.unwrap_or_default() {
            m.severities.insert(word.to_ascii_lowercase(), conv(map));
        }
        if let Some(keys) = a.routing_keys {
            m.routing_keys = keys.into_iter().map(|(k, v)| (k, v.0)).collect();
        }
        for (name, every) in a.heartbeats.unwrap_or_default() {
            let span = every.span();
            let Some(d) = every.into_inner().0.filter(|d| *d > chrono::Duration::zero()) else {
                return Err(src.error(
                    Some(span),
                    format!("alerts.heartbeats.{name}: expected how long a silence may last, like \"5m\""),
                ));
            };
            m.heartbeats.insert(name, d);
        }
        if let Some(f) = a.flapping {
            set(&mut m.flapping.max_changes, f.changes);
            if let Some(min) = f.minutes {
                m.flapping.window = chrono::Duration::minutes(i64::from(min.max(1)));
            }
        }
    }
    if let Some(list) = file.categories {
        policy.categories = unique(&src, "categories", list)?;
    }
    let mut rota_file = super::rota::RotaFile {
        people: file.people,
        teams: file.teams,
        services: None,
        schedules: file.schedules,
        policies: file.escalation_policies,
        escalation: file.escalation,
        notifiers: file.notifiers,
    };
    match file.services {
        Some(super::rota_file::ServicesFile::Names(list)) => {
            policy.services = unique(&src, "services", list)?
        }
        Some(super::rota_file::ServicesFile::Table(table)) => {
            policy.services = table.keys().cloned().collect();
            rota_file.services = Some(table);
        }
        None => {}
    }
    let built = super::rota::build(&src, rota_file, config.timezone)?;
    for service in built.rota.services.values() {
        for key in &service.routing_keys {
            if let Some(other) = config.alerts.routing_keys.insert(key.clone(), service.name.clone())
                && other != service.name
            {
                return Err(src.error(
                    None,
                    format!(
                        "services.{}.routing-keys: \"{key}\" already names the service {other} in \
                         [alerts.routing-keys]: one routing key names one service",
                        service.name
                    ),
                ));
            }
        }
    }
    policy.rota = built.rota;
    config.notifiers = built.notifiers;
    if let Some(size) = file.store.and_then(|s| s.cache_size_mib) {
        config.store = StoreSettings { cache_size_bytes: size.0 };
    }
    if let Some(m) = file.priority.and_then(|p| p.matrix) {
        for (i, row) in [m.high, m.medium, m.low].into_iter().enumerate() {
            if let Some(row) = row {
                policy.matrix.0[i] = row.0;
            }
        }
    }
    if let Some(targets) = file.targets {
        policy.targets = targets_over(&src, &targets, &policy.targets)?;
    }
    if let Some(sevs) = file.severities {
        for (name, given) in config.severity_names.iter_mut().zip(sevs.entries()) {
            if let Some(Name(text)) = given {
                *name = text;
            }
        }
    }
    if let Some(c) = file.closing {
        let rules = &mut policy.closing;
        set(&mut rules.require_resolution_summary, c.require_resolution_summary);
        set(&mut rules.require_root_cause, c.require_root_cause);
        set(&mut rules.min_lessons, c.min_lessons);
        set(&mut rules.require_action_items_done, c.require_action_items_done);
        if let Some(list) = c.review_for_severities {
            rules.review_for_severities = list.into_iter().map(|s| s.0).collect();
        }
        if let Some(list) = c.review_for_priorities {
            rules.review_for_priorities = list.into_iter().map(|p| p.0).collect();
        }
    }
    if let Some(keys) = file.keys {
        config.keys = super::ui::keys(&src, keys)?;
    }
    if let Some(mouse) = file.tui.and_then(|t| t.mouse) {
        config.mouse = mouse;
    }
    if let Some(theme) = file.theme {
        config.theme = super::ui::theme(&src, theme)?;
    }
    Ok(config)
}

/// `[server]` TLS files, timeouts and the connection cap.
fn server_limits(
    src: &Source<'_>,
    server: &mut super::ServerSettings,
    cert: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    header: Option<Spanned<super::duration::TargetDuration>>,
    body: Option<Spanned<super::duration::TargetDuration>>,
    per_peer: Option<Spanned<u32>>,
) -> Result<(), ConfigError> {
    match (cert, key) {
        (Some(c), Some(_)) if server.listen.is_none() => {
            return Err(src.error(
                Some(c.span()),
                "server.tls-cert: TLS is for the TCP listener, which is off: set server.listen, or remove \
                 tls-cert and tls-key (the Unix socket needs no TLS)"
                    .to_owned(),
            ));
        }
        (Some(c), Some(k)) => {
            server.tls_cert = Some(path(src, "server.tls-cert", c)?);
            server.tls_key = Some(path(src, "server.tls-key", k)?);
        }
        (Some(one), None) | (None, Some(one)) => {
            return Err(src.error(
                Some(one.span()),
                "server.tls-cert and server.tls-key go together: set both (PEM files) or neither".to_owned(),
            ));
        }
        (None, None) => {}
    }
    let timeout = |key: &str, v: Spanned<super::duration::TargetDuration>| {
        let span = v.span();
        v.into_inner().0.and_then(|d| d.to_std().ok()).ok_or_else(|| {
            src.error(Some(span), format!("server.{key}: expected a duration like \"10s\" or \"1m\""))
        })
    };
    if let Some(h) = header {
        server.header_timeout = timeout("header-timeout", h)?;
    }
    if let Some(b) = body {
        server.body_timeout = timeout("body-timeout", b)?;
    }
    if let Some(n) = per_peer {
        let span = n.span();
        let n = n.into_inner();
        if n == 0 {
            return Err(src.error(
                Some(span),
                "server.max-connections-per-peer: 0 would refuse everyone; a responder needs 2 or more"
                    .to_owned(),
            ));
        }
        server.max_connections_per_peer = usize::try_from(n).unwrap_or(usize::MAX);
    }
    Ok(())
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// Category and service names are chosen from these lists, so a name listed twice (even in a
/// different case) would show up twice in the picker and is almost always a copy-paste slip.
fn unique(src: &Source<'_>, key: &str, list: Vec<Spanned<Name>>) -> Result<Vec<String>, ConfigError> {
    let mut seen: Vec<(String, Range<usize>)> = Vec::with_capacity(list.len());
    for entry in list {
        let span = entry.span();
        let Name(name) = entry.into_inner();
        if let Some((first, first_span)) = seen.iter().find(|(s, _)| s.to_lowercase() == name.to_lowercase())
        {
            let line = super::error::Position::at(src.text, first_span.start).line;
            let same = if *first == name { String::new() } else { format!(" (as \"{first}\")") };
            return Err(src.error(
                Some(span),
                format!("{key}: \"{name}\" is listed twice, also on line {line}{same}: remove one of them"),
            ));
        }
        seen.push((name, span));
    }
    Ok(seen.into_iter().map(|(name, _)| name).collect())
}

/// Merges the file's targets over `defaults`, field by field, then refuses a priority whose
/// acknowledge target is longer than its resolve target: no incident can meet that.
fn targets_over(
    src: &Source<'_>,
    file: &TargetsFile,
    defaults: &[Target; 5],
) -> Result<[Target; 5], ConfigError> {
    let mut out = *defaults;
    for ((slot, entry), priority) in out.iter_mut().zip(file.entries()).zip(Priority::ALL) {
        let Some(entry) = entry else { continue };
        let given = entry.get_ref();
        if let Some(ack) = given.acknowledge {
            slot.acknowledge = ack.0;
        }
        if let Some(resolve) = given.resolve {
            slot.resolve = resolve.0;
        }
        if let (Some(ack), Some(resolve)) = (slot.acknowledge, slot.resolve)
            && ack > resolve
        {
            let whose = |set: bool| if set { "" } else { ", the default" };
            return Err(src.error(
                Some(entry.span()),
                format!(
                    "targets.{priority}: the acknowledge target ({}{}) is longer than the resolve target ({}{}), \
                     which no incident can meet: make acknowledge shorter or resolve longer for {priority}",
                    display(ack),
                    whose(given.acknowledge.is_some()),
                    display(resolve),
                    whose(given.resolve.is_some()),
                ),
            ));
        }
    }
    Ok(out)
}
