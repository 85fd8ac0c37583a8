//! From the rota tables of the file to a checked [`Rota`] and the notifiers.
//!
//! Every name one table uses must exist in the table it points at, so a typo'd schedule in
//! an escalation level is refused at startup with its line, instead of a level that silently
//! pages nobody at 03:00.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::duration::TargetDuration;
use super::error::ConfigError;
use super::rota_file::{
    EscalationFile, Format, NotifierFile, NotifierType, PersonFile, PolicyFile, ScheduleFile, ServiceFile,
    TeamFile,
};
use super::source::Source;
use super::value::Name;
use crate::domain::rota::{EscalationPolicy, Level, PageTarget, Person, Rota, Service, Team};
use crate::domain::schedule::{Rotation, Schedule};
use crate::server::notify::{NotifierKind, NotifierSettings, WebhookFormat, validate_argv};

/// The rota tables of the file, as parsed.
#[derive(Default)]
pub(super) struct RotaFile {
    pub people: Option<BTreeMap<String, Spanned<PersonFile>>>,
    pub teams: Option<BTreeMap<String, Spanned<TeamFile>>>,
    pub services: Option<BTreeMap<String, Spanned<ServiceFile>>>,
    pub schedules: Option<BTreeMap<String, Spanned<ScheduleFile>>>,
    pub policies: Option<BTreeMap<String, Spanned<PolicyFile>>>,
    pub escalation: Option<EscalationFile>,
    pub notifiers: Option<BTreeMap<String, Spanned<NotifierFile>>>,
}

pub(super) struct Built {
    pub rota: Rota,
    pub notifiers: Vec<NotifierSettings>,
}

type Res<T> = Result<T, ConfigError>;

fn must_exist<T>(
    src: &Source<'_>,
    table: &BTreeMap<String, T>,
    kind: &str,
    name: &str,
    span: Range<usize>,
    whose: &str,
) -> Res<()> {
    if table.contains_key(name) {
        return Ok(());
    }
    let known: Vec<&str> = table.keys().map(String::as_str).collect();
    let hint = if known.is_empty() {
        format!("no {kind} is configured")
    } else {
        format!("known: {}", known.join(", "))
    };
    Err(src.error(Some(span), format!("{whose}: there is no {kind} \"{name}\" ({hint})")))
}

pub(super) fn build(src: &Source<'_>, file: RotaFile, zone: chrono_tz::Tz) -> Res<Built> {
    let notifiers = notifiers(src, file.notifiers.unwrap_or_default())?;
    let mut rota = Rota::default();
    let mut users: BTreeMap<String, String> = BTreeMap::new();
    for (name, p) in file.people.unwrap_or_default() {
        let p = p.into_inner();
        let mut contacts = BTreeMap::new();
        for (notifier, handle) in p.contacts.unwrap_or_default() {
            if !notifiers.iter().any(|n| n.name == notifier) {
                let known: Vec<&str> = notifiers.iter().map(|n| n.name.as_str()).collect();
                return Err(src.error(
                    Some(handle.span()),
                    format!(
                        "people.{name}.contacts: there is no notifier \"{notifier}\" ({})",
                        if known.is_empty() {
                            "add a [notifiers.NAME] table".to_owned()
                        } else {
                            format!("known: {}", known.join(", "))
                        }
                    ),
                ));
            }
            contacts.insert(notifier, handle.into_inner().0);
        }
        let user = match p.user {
            Some(u) => {
                let span = u.span();
                let Name(u) = u.into_inner();
                if let Some(other) = users.insert(u.clone(), name.clone()) {
                    return Err(src.error(
                        Some(span),
                        format!(
                            "people.{name}.user: \"{u}\" is already the user of {other}: one person per user"
                        ),
                    ));
                }
                Some(u)
            }
            None => None,
        };
        rota.people.insert(name.clone(), Person { name, user, contacts });
    }
    for (name, s) in file.schedules.unwrap_or_default() {
        let schedule = schedule(src, &rota, &name, s, zone)?;
        rota.schedules.insert(name, schedule);
    }
    let policy_files = file.policies.unwrap_or_default();
    for (name, t) in file.teams.unwrap_or_default() {
        let t = t.into_inner();
        let mut members = Vec::new();
        for m in t.members.unwrap_or_default() {
            must_exist(
                src,
                &rota.people,
                "person",
                &m.get_ref().0,
                m.span(),
                &format!("teams.{name}.members"),
            )?;
            members.push(m.into_inner().0);
        }
        let escalation_policy =
            named(src, &policy_files, "escalation policy", t.escalation_policy, &format!("teams.{name}"))?;
        rota.teams.insert(name.clone(), Team { name, members, escalation_policy });
    }
    for (name, s) in file.services.unwrap_or_default() {
        let s = s.into_inner();
        let team = named(src, &rota.teams, "team", s.team, &format!("services.{name}.team"))?;
        let escalation_policy =
            named(src, &policy_files, "escalation policy", s.escalation_policy, &format!("services.{name}"))?;
        let routing_keys = s.routing_keys.unwrap_or_default().into_iter().map(|k| k.into_inner().0).collect();
        rota.services.insert(name.clone(), Service { name, team, escalation_policy, routing_keys });
    }
    for (name, p) in policy_files {
        let policy = policy(src, &rota, &name, p)?;
        rota.policies.insert(name, policy);
    }
    if let Some(e) = file.escalation {
        rota.default_policy =
            named(src, &rota.policies, "escalation policy", e.default_policy, "escalation.default-policy")?;
        rota.acknowledge_timeout = e.acknowledge_timeout.and_then(|d| d.0);
    }
    Ok(Built { rota, notifiers })
}

/// An optional reference to a name in `table`, checked.
fn named<T>(
    src: &Source<'_>,
    table: &BTreeMap<String, T>,
    kind: &str,
    value: Option<Spanned<Name>>,
    whose: &str,
) -> Res<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    must_exist(src, table, kind, &v.get_ref().0, v.span(), whose)?;
    Ok(Some(v.into_inner().0))
}

fn schedule(
    src: &Source<'_>,
    rota: &Rota,
    name: &str,
    s: Spanned<ScheduleFile>,
    zone: chrono_tz::Tz,
) -> Res<Schedule> {
    let span = s.span();
    let s = s.into_inner();
    if s.rotations.is_empty() {
        return Err(src.error(Some(span), format!("schedules.{name}: needs at least one rotation")));
    }
    let mut rotations = Vec::new();
    for r in s.rotations {
        let r_span = r.span();
        let r = r.into_inner();
        if r.members.is_empty() {
            return Err(
                src.error(Some(r_span), format!("schedules.{name}: a rotation needs at least one member"))
            );
        }
        let mut members = Vec::new();
        for m in r.members {
            must_exist(src, &rota.people, "person", &m.get_ref().0, m.span(), &format!("schedules.{name}"))?;
            members.push(m.into_inner().0);
        }
        if let Some(end) = r.end
            && end.0 <= r.start.0
        {
            return Err(src.error(
                Some(r_span),
                format!("schedules.{name}: a rotation ends ({}) before it starts ({})", end.0, r.start.0),
            ));
        }
        rotations.push(Rotation {
            members,
            shift: r.shift.0,
            handoff: r.handoff.map_or(chrono::NaiveTime::MIN, |c| c.0),
            handoff_day: r.handoff_day.map_or(chrono::Weekday::Mon, |d| d.0),
            start: r.start.0,
            end: r.end.map(|d| d.0),
            zone: r.zone.map_or(zone, |z| z.0),
            active: r.active.map(|h| h.0),
        });
    }
    Ok(Schedule { name: name.to_owned(), rotations })
}

fn policy(src: &Source<'_>, rota: &Rota, name: &str, p: Spanned<PolicyFile>) -> Res<EscalationPolicy> {
    let span = p.span();
    let p = p.into_inner();
    if p.levels.is_empty() {
        return Err(src.error(Some(span), format!("escalation-policies.{name}: needs at least one level")));
    }
    let repeat = p.repeat.unwrap_or(0);
    if repeat > 10 {
        return Err(src.error(Some(span), format!("escalation-policies.{name}.repeat: {repeat} is more than 10 rounds; nobody answers the eleventh")));
    }
    let mut levels = Vec::new();
    for (l, n) in p.levels.into_iter().zip(1..) {
        let l_span = l.span();
        let l = l.into_inner();
        let whose = format!("escalation-policies.{name} level {n}");
        if l.targets.is_empty() {
            return Err(src.error(Some(l_span), format!("{whose}: needs at least one target")));
        }
        let mut targets = Vec::new();
        for t in l.targets {
            let t_span = t.span();
            let t = t.into_inner().0;
            match &t {
                PageTarget::Person(x) => must_exist(src, &rota.people, "person", x, t_span, &whose)?,
                PageTarget::Schedule(x) => must_exist(src, &rota.schedules, "schedule", x, t_span, &whose)?,
                PageTarget::Team(x) => must_exist(src, &rota.teams, "team", x, t_span, &whose)?,
            }
            targets.push(t);
        }
        let t_span = l.timeout.span();
        let Some(timeout) = l.timeout.into_inner().0.filter(|d| *d >= chrono::Duration::minutes(1)) else {
            return Err(src.error(
                Some(t_span),
                format!(
                    "{whose}: the timeout must be at least \"1m\": how long the level has to acknowledge"
                ),
            ));
        };
        levels.push(Level { targets, timeout });
    }
    Ok(EscalationPolicy { name: name.to_owned(), levels, repeat })
}

fn std_duration(
    src: &Source<'_>,
    d: Option<Spanned<TargetDuration>>,
    default: std::time::Duration,
    what: &str,
) -> Res<std::time::Duration> {
    let Some(d) = d else { return Ok(default) };
    let span = d.span();
    d.into_inner()
        .0
        .and_then(|d| d.to_std().ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| src.error(Some(span), format!("{what}: expected a duration like \"10s\"")))
}

fn notifiers(src: &Source<'_>, file: BTreeMap<String, Spanned<NotifierFile>>) -> Res<Vec<NotifierSettings>> {
    let mut out = Vec::new();
    for (name, n) in file {
        let span = n.span();
        let n = n.into_inner();
        let whose = format!("notifiers.{name}");
        let kind = match n.kind {
            NotifierType::Command => {
                let Some(argv) = n.argv else {
                    return Err(src.error(Some(span), format!("{whose}: a command notifier needs argv = [\"/path/to/program\", \"{{handle}}\", \"{{message}}\"]")));
                };
                let a_span = argv.span();
                let argv = argv.into_inner();
                validate_argv(&argv).map_err(|m| src.error(Some(a_span), format!("{whose}.argv: {m}")))?;
                NotifierKind::Command { argv }
            }
            NotifierType::Webhook => {
                let Some(url) = n.url else {
                    return Err(src.error(
                        Some(span),
                        format!("{whose}: a webhook notifier needs url = \"https://...\""),
                    ));
                };
                let u_span = url.span();
                let url = url.into_inner();
                if !(url.starts_with("http://") || url.starts_with("https://"))
                    || url.parse::<hyper::Uri>().is_err()
                {
                    return Err(src.error(
                        Some(u_span),
                        format!("{whose}.url: \"{url}\" is not an http:// or https:// URL"),
                    ));
                }
                let token_file = match n.token_file {
                    Some(t) => Some(super::source::path(src, &format!("{whose}.token-file"), t)?),
                    None => None,
                };
                let format = match n.format {
                    Some(Format::Slack) => WebhookFormat::Slack,
                    Some(Format::Json) | None => WebhookFormat::Json,
                };
                NotifierKind::Webhook { url, format, token_file }
            }
            NotifierType::File => {
                let Some(path) = n.path else {
                    return Err(
                        src.error(Some(span), format!("{whose}: a file notifier needs path = \"pages.log\""))
                    );
                };
                NotifierKind::File { path: super::source::path(src, &format!("{whose}.path"), path)? }
            }
        };
        let retries = n.retries.map_or(NotifierSettings::DEFAULT_RETRIES, Spanned::into_inner);
        if retries > 10 {
            return Err(src.error(Some(span), format!("{whose}.retries: at most 10")));
        }
        out.push(NotifierSettings {
            name,
            kind,
            timeout: std_duration(
                src,
                n.timeout,
                NotifierSettings::DEFAULT_TIMEOUT,
                &format!("{whose}.timeout"),
            )?,
            retries,
            backoff: std_duration(
                src,
                n.backoff,
                NotifierSettings::DEFAULT_BACKOFF,
                &format!("{whose}.backoff"),
            )?,
        });
    }
    Ok(out)
}
