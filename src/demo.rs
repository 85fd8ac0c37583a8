//! `piket demo`: a believable five weeks of incidents, put through the real engine, and a rota
//! that pages: people, two schedules, an escalation policy and a notifier that writes to a file
//! in the demo dir ([`config`]), with one incident ([`seed_live`]) whose escalation pages the
//! person at the terminal a minute after the demo starts, so a newcomer sees the bell, the
//! banner, the countdown and the schedule view without setting anything up.
//!
//! Every incident is written by executing commands, never by writing summaries, so the demo
//! database has a valid hash chain, passes `piket verify`, and shows exactly what a team that
//! used piket would see. The audit log is ordered by time, so all steps of all incidents are
//! planned first, sorted by time, and only then executed; a step refers to its incident by a
//! demo-local key that is mapped to the id the engine assigned at registration.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

use crate::domain::{
    Command, Flag, Impact, IncidentId, Milestone, NewIncident, Priority, Query, Refusal, Review, Role,
    Severity, Source, Urgency,
};
use crate::engine::{Engine, EngineError};

type Make = Box<dyn Fn(IncidentId) -> Command>;

struct Planned {
    at: DateTime<Utc>,
    /// Planning order: keeps steps at the same instant in the order they were written.
    order: usize,
    story: usize,
    actor: &'static str,
    source: Source,
    make: Make,
}

#[derive(Default)]
struct Plan {
    steps: Vec<Planned>,
    stories: usize,
}

/// One incident's steps, in minutes from its registration.
struct Story<'p> {
    plan: &'p mut Plan,
    story: usize,
    t0: DateTime<Utc>,
}

/// What a registration needs, with the defaults most demo incidents share.
fn new_incident(
    title: &str,
    services: &[&str],
    impact: Impact,
    urgency: Urgency,
    sev: Severity,
) -> NewIncident {
    NewIncident {
        services: services.iter().map(|s| (*s).to_owned()).collect(),
        ..NewIncident::new(title, impact, urgency, sev)
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Plan {
    /// Start an incident: registered at `t0` by `actor` (`alertmanager` arrives as an alert).
    fn story(&mut self, t0: DateTime<Utc>, actor: &'static str, n: NewIncident) -> Story<'_> {
        let story = self.stories;
        self.stories += 1;
        let source = if actor == "alertmanager" { Source::Alert } else { Source::Tui };
        let order = self.steps.len();
        self.steps.push(Planned {
            at: t0,
            order,
            story,
            actor,
            source,
            make: Box::new(move |_| Command::Register(n.clone())),
        });
        Story { plan: self, story, t0 }
    }
}

impl Story<'_> {
    fn at(
        &mut self,
        mins: i64,
        actor: &'static str,
        make: impl Fn(IncidentId) -> Command + 'static,
    ) -> &mut Self {
        let order = self.plan.steps.len();
        self.plan.steps.push(Planned {
            at: self.t0 + Duration::minutes(mins),
            order,
            story: self.story,
            actor,
            source: if actor == "erin" { Source::Cli } else { Source::Tui },
            make: Box::new(make),
        });
        self
    }

    fn time(&self, mins: i64) -> DateTime<Utc> {
        self.t0 + Duration::minutes(mins)
    }

    fn ack(&mut self, m: i64, who: &'static str) -> &mut Self {
        self.at(m, who, |id| Command::Acknowledge { id })
    }

    fn role(&mut self, m: i64, who: &'static str, role: Role, person: Option<&'static str>) -> &mut Self {
        self.at(m, who, move |id| Command::AssignRole { id, role, person: person.map(str::to_owned) })
    }

    fn contain(&mut self, m: i64, who: &'static str, action: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::Contain { id, action: action.to_owned() })
    }

    fn note(&mut self, m: i64, who: &'static str, text: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::Note { id, text: text.to_owned() })
    }

    fn finding(&mut self, m: i64, who: &'static str, text: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::Finding { id, text: text.to_owned() })
    }

    fn update(&mut self, m: i64, who: &'static str, audience: &'static str, text: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::StatusUpdate {
            id,
            audience: audience.to_owned(),
            text: text.to_owned(),
        })
    }

    fn escalate(&mut self, m: i64, who: &'static str, to: &'static str, why: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::Escalate { id, to: to.to_owned(), reason: why.to_owned() })
    }

    fn root_cause(
        &mut self,
        m: i64,
        who: &'static str,
        rc: &'static str,
        trigger: Option<&'static str>,
        factors: &'static [&'static str],
    ) -> &mut Self {
        self.at(m, who, move |id| Command::SetRootCause {
            id,
            root_cause: rc.to_owned(),
            trigger: trigger.map(str::to_owned),
            contributing_factors: strings(factors),
        })
    }

    /// Resolved at `m`, service restored at `recovered_m` (a person notes recovery afterwards).
    fn resolve(&mut self, m: i64, who: &'static str, summary: &'static str, recovered_m: i64) -> &mut Self {
        let recovered_at = Some(self.time(recovered_m));
        self.at(m, who, move |id| Command::Resolve { id, summary: summary.to_owned(), recovered_at })
    }

    fn reopen(&mut self, m: i64, who: &'static str, reason: &'static str) -> &mut Self {
        self.at(m, who, move |id| Command::Reopen { id, reason: reason.to_owned() })
    }

    fn impact_started(&mut self, m: i64, who: &'static str, at_m: i64, reason: &'static str) -> &mut Self {
        let at = self.time(at_m);
        self.at(m, who, move |id| Command::RecordTime {
            id,
            milestone: Milestone::ImpactStarted,
            at,
            reason: Some(reason.to_owned()),
        })
    }

    fn review(&mut self, m: i64, who: &'static str, r: [&'static [&'static str]; 4]) -> &mut Self {
        self.at(m, who, move |id| Command::RecordReview {
            id,
            review: Review {
                went_well: strings(r[0]),
                went_wrong: strings(r[1]),
                got_lucky: strings(r[2]),
                lessons: strings(r[3]),
            },
        })
    }

    fn action(
        &mut self,
        m: i64,
        who: &'static str,
        text: &'static str,
        owner: &'static str,
        due: NaiveDate,
    ) -> &mut Self {
        self.at(m, who, move |id| Command::AddActionItem {
            id,
            text: text.to_owned(),
            owner: owner.to_owned(),
            due,
        })
    }

    fn done(&mut self, m: i64, who: &'static str, item: u32) -> &mut Self {
        self.at(m, who, move |id| Command::CompleteActionItem { id, item })
    }

    fn close(&mut self, m: i64, who: &'static str) -> &mut Self {
        self.at(m, who, |id| Command::Close { id })
    }
}

const NONE: &[&str] = &[];

/// The five weeks of incidents, relative to `now`.
#[expect(clippy::too_many_lines, reason = "a script of twenty incidents reads best in one place")]
fn plan(now: DateTime<Utc>) -> Plan {
    use Impact as I;
    use Severity as S;
    use Urgency as U;

    let day = |d: i64, h: u32, m: u32| {
        (now - Duration::days(d))
            .with_hour(h)
            .and_then(|t| t.with_minute(m))
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now - Duration::days(d))
    };
    let today = now.date_naive();
    let due = |days: i64| today + Duration::days(days);
    let mut p = Plan::default();

    // --- Closed, with reviews and action items -------------------------------------------

    let mut n = new_incident(
        "Checkout API returns 502 for card payments",
        &["checkout", "payments"],
        I::High,
        U::High,
        S::SEV1,
    );
    n.channel = Some("alertmanager".into());
    n.reported_by = Some("alertmanager: CheckoutHighErrorRate".into());
    n.category = Some("availability".into());
    n.description = Some("5xx ratio on /api/checkout above 20% for 3 minutes.".into());
    p.story(day(34, 14, 7), "alertmanager", n)
        .ack(3, "bob")
        .role(3, "bob", Role::Commander, None)
        .role(5, "bob", Role::Scribe, Some("carol"))
        .finding(9, "carol", "payments-api pods restarting, OOMKilled since the 13:58 deploy")
        .update(11, "erin", "stakeholders", "Card payments failing for most customers; rollback under way.")
        .contain(14, "bob", "rolled back payments-api to v4.11")
        .note(20, "carol", "error rate back to baseline at 14:29")
        .impact_started(30, "carol", -9, "first 502 in the load balancer log")
        .root_cause(
            45,
            "bob",
            "memory leak in the 3-D Secure client introduced in payments-api v4.12",
            Some("deploy of payments-api v4.12"),
            &["no memory alert on payments-api", "canary stage only 5 minutes"],
        )
        .resolve(52, "bob", "Rolled back to v4.11; v4.12 blocked in the deploy pipeline.", 24)
        .update(53, "erin", "stakeholders", "Resolved: card payments work again since 14:31.")
        .review(
            60 * 24 + 120,
            "bob",
            [
                &["alert fired within 2 minutes", "rollback took 6 minutes"],
                &["nobody owned the payments-api dashboard"],
                &["it happened before the evening peak"],
                &["canary must run 30 minutes for payment services"],
            ],
        )
        .action(60 * 24 + 125, "bob", "Alert on payments-api memory above 85%", "carol", due(-20))
        .action(60 * 24 + 126, "bob", "Canary stage of 30 minutes for payment services", "dave", due(-25))
        .done(60 * 24 * 3, "dave", 2)
        .close(60 * 24 + 130, "bob");

    let mut n = new_incident(
        "Login fails for SSO users: SAML assertion rejected",
        &["auth"],
        I::High,
        U::Medium,
        S::SEV2,
    );
    n.reported_by = Some("customer support".into());
    n.channel = Some("manual".into());
    n.category = Some("availability".into());
    let t = day(31, 9, 12);
    n.detected_at = Some(t - Duration::minutes(6));
    n.reported_at = Some(t - Duration::minutes(8));
    n.impact_started_at = Some(t - Duration::minutes(41));
    p.story(t, "alice", n)
        .ack(6, "alice")
        .role(6, "alice", Role::Commander, None)
        .finding(25, "alice", "IdP signing certificate rotated overnight; our metadata still has the old one")
        .update(30, "alice", "customer support", "Enterprise SSO logins fail; password logins work.")
        .root_cause(
            80,
            "alice",
            "stale IdP metadata after certificate rotation",
            Some("IdP certificate rotation"),
            &["metadata refresh is manual"],
        )
        .resolve(100, "alice", "Imported the new IdP metadata; SSO logins succeed.", 95)
        .review(
            60 * 24,
            "alice",
            [
                &["support escalated fast"],
                &["metadata refresh is manual"],
                NONE,
                &["refresh IdP metadata automatically every hour"],
            ],
        )
        .action(60 * 24 + 2, "alice", "Automatic IdP metadata refresh", "bob", due(-10))
        .done(60 * 24 * 9, "bob", 1)
        .close(60 * 24 + 5, "alice");

    let mut n = new_incident("Search latency p99 above 4s", &["search"], I::Medium, U::Medium, S::SEV3);
    n.channel = Some("alertmanager".into());
    n.category = Some("performance".into());
    p.story(day(29, 16, 40), "alertmanager", n)
        .ack(12, "dave")
        .finding(40, "dave", "one search node with a degraded disk; queries routed to it time out")
        .contain(55, "dave", "removed search-7 from the pool")
        .root_cause(150, "dave", "failing disk on search-7", None, NONE)
        .resolve(180, "dave", "search-7 replaced; latency back under 400ms.", 170)
        .close(200, "dave");

    let mut n = new_incident(
        "Password reset emails delayed by up to 2 hours",
        &["email", "auth"],
        I::Medium,
        U::Low,
        S::SEV3,
    );
    n.reported_by = Some("customer support".into());
    n.category = Some("performance".into());
    p.story(day(27, 10, 3), "carol", n)
        .ack(40, "carol")
        .escalate(70, "carol", "email provider support", "their API returns 429 for our account")
        .note(150, "carol", "provider confirmed a rate-limit misconfiguration on their side")
        .impact_started(160, "carol", -95, "oldest delayed mail in the outbound queue")
        .root_cause(60 * 20, "carol", "rate limit lowered by the email provider", None, NONE)
        .resolve(60 * 21, "carol", "Provider restored our rate limit; queue drained.", 60 * 20)
        .close(60 * 22, "carol");

    let mut n = new_incident(
        "Primary database failover during peak traffic",
        &["db", "checkout"],
        I::High,
        U::High,
        S::SEV1,
    );
    n.channel = Some("alertmanager".into());
    n.category = Some("availability".into());
    p.story(day(24, 18, 21), "alertmanager", n)
        .ack(2, "alice")
        .role(2, "alice", Role::Commander, None)
        .role(4, "alice", Role::Sme, Some("dave"))
        .role(6, "alice", Role::Comms, Some("erin"))
        .update(8, "erin", "stakeholders", "Checkout degraded: database failover in progress.")
        .contain(11, "dave", "promoted db-replica-1 and pointed the pool at it")
        .impact_started(12, "dave", -4, "db-primary-1 stopped answering at 18:17 (health check log)")
        .escalate(15, "alice", "DBA on-call, level 2", "replica lag keeps growing")
        .role(40, "alice", Role::Commander, Some("bob"))
        .update(45, "erin", "stakeholders", "Checkout works again; we keep watching replication.")
        .resolve(75, "bob", "Replica promoted, replication re-established.", 70)
        .reopen(120, "erin", "replication lag above 10 minutes again; reads stale")
        .finding(150, "dave", "the new primary runs on a smaller instance class")
        .root_cause(
            170,
            "dave",
            "automatic failover promoted a replica on an undersized instance",
            Some("hardware fault on db-primary-1"),
            &["replica instance classes drifted from the primary", "failover never rehearsed under load"],
        )
        .resolve(180, "bob", "Moved the primary to the right instance class; lag under 1s.", 175)
        .update(181, "erin", "stakeholders", "Resolved. Orders placed 18:20-18:35 are all accounted for.")
        .review(
            60 * 24 * 2,
            "bob",
            [
                &["failover itself took 11 minutes", "comms every 20 minutes"],
                &["we resolved before checking replication"],
                &["no data was lost"],
                &["keep replica instance classes equal to the primary", "check replication before resolving"],
            ],
        )
        .action(
            60 * 24 * 2 + 5,
            "bob",
            "Terraform check: replica class equals primary class",
            "dave",
            due(-3),
        )
        .action(60 * 24 * 2 + 6, "bob", "Quarterly failover rehearsal under load", "alice", due(20))
        .close(60 * 24 * 2 + 10, "bob");

    let mut n = new_incident("CDN serving stale product images", &["cdn"], I::Low, U::Medium, S::SEV4);
    n.reported_by = Some("marketing".into());
    n.category = Some("content".into());
    p.story(day(20, 11, 30), "erin", n)
        .ack(25, "erin")
        .finding(60, "erin", "purge API calls failed silently since the token expired")
        .root_cause(100, "erin", "expired CDN purge token", None, NONE)
        .resolve(120, "erin", "New token, full purge.", 118)
        .close(125, "erin");

    let mut n =
        new_incident("Drill: evacuate payments from eu-west", &["payments"], I::High, U::High, S::SEV2);
    n.drill = true;
    n.category = Some("exercise".into());
    p.story(day(17, 10, 0), "alice", n)
        .ack(1, "bob")
        .role(1, "bob", Role::Commander, None)
        .contain(18, "bob", "traffic shifted to eu-central")
        .root_cause(40, "bob", "planned exercise", None, NONE)
        .resolve(45, "bob", "Evacuation completed in 17 minutes.", 18)
        .review(90, "alice", [&["runbook accurate"], &["DNS TTL too long"], NONE, &["lower DNS TTL to 60s"]])
        .action(95, "alice", "Lower payments DNS TTL to 60s", "dave", due(-9))
        .done(60 * 24, "dave", 1)
        .close(100, "alice");

    let mut n = new_incident(
        "Elevated 5xx on cart service after config push",
        &["checkout"],
        I::High,
        U::Medium,
        S::SEV2,
    );
    n.channel = Some("alertmanager".into());
    n.category = Some("change".into());
    p.story(day(15, 13, 15), "alertmanager", n)
        .ack(4, "carol")
        .role(4, "carol", Role::Commander, None)
        .contain(9, "carol", "reverted config push 2211")
        .root_cause(
            40,
            "carol",
            "feature flag defaulted to on in the new config schema",
            Some("config push 2211"),
            &["config changes skip the canary"],
        )
        .resolve(42, "carol", "Config reverted; flag default fixed.", 10)
        .review(
            60 * 24,
            "carol",
            [
                &["revert was one command"],
                &["config skipped canary"],
                NONE,
                &["config pushes go through the canary like code"],
            ],
        )
        .action(60 * 24 + 3, "carol", "Route config pushes through the canary", "erin", due(-5))
        .close(60 * 24 + 5, "carol");

    let mut n = new_incident("Credential stuffing from a single ASN", &["auth"], I::Medium, U::High, S::SEV2);
    n.channel = Some("alertmanager".into());
    n.category = Some("security".into());
    p.story(day(12, 3, 40), "alertmanager", n)
        .ack(7, "dave")
        .finding(20, "dave", "12k login attempts/min from AS64500; WAF rate limit already blocking 99%")
        .contain(25, "dave", "blocked AS64500 at the WAF")
        .at(30, "dave", |id| Command::SetFlag { id, flag: Flag::NearMiss, value: true })
        .root_cause(90, "dave", "credential stuffing campaign; no accounts taken over", None, NONE)
        .resolve(95, "dave", "Block in place; no successful logins from the ASN.", 25)
        .review(
            60 * 10,
            "dave",
            [
                &["WAF rate limit held"],
                NONE,
                &["the limit had been lowered a week earlier"],
                &["keep the lowered WAF rate limit"],
            ],
        )
        .close(60 * 10 + 5, "dave");

    // --- Resolved, not yet closed --------------------------------------------------------

    let mut n = new_incident("Invoice PDF generation times out", &["payments"], I::Medium, U::Low, S::SEV3);
    n.reported_by = Some("finance".into());
    n.category = Some("performance".into());
    p.story(day(10, 8, 50), "bob", n)
        .at(5, "bob", |id| Command::OverridePriority {
            id,
            priority: Priority::P2,
            reason: "month-end invoice run for all B2B customers is due tomorrow 06:00".into(),
        })
        .ack(6, "bob")
        .finding(60, "bob", "PDF renderer pool sized for 10 concurrent jobs; the run queues 4000")
        .resolve(60 * 5, "bob", "Renderer pool scaled to 80; run finished at 13:40.", 60 * 5 - 10);

    let mut n =
        new_incident("Recommendation widget empty on product pages", &["search"], I::Low, U::Low, S::SEV4);
    n.category = Some("data".into());
    p.story(day(7, 15, 5), "erin", n)
        .ack(90, "erin")
        .root_cause(200, "erin", "recommendations index not rebuilt after schema change", None, NONE)
        .resolve(210, "erin", "Index rebuilt.", 205);

    let mut n =
        new_incident("Email bounce rate above 8% for gmail.com", &["email"], I::Medium, U::Medium, S::SEV3);
    n.channel = Some("alertmanager".into());
    n.category = Some("deliverability".into());
    p.story(day(4, 7, 55), "alertmanager", n)
        .ack(18, "carol")
        .finding(50, "carol", "DKIM signature invalid on mails from the new sending IP pool")
        .resolve(120, "carol", "Sending moved back to the old IP pool.", 115);

    // --- Open: contained -----------------------------------------------------------------

    let mut n = new_incident(
        "payments-api pods OOMKilled every few hours",
        &["payments"],
        I::Medium,
        U::High,
        S::SEV2,
    );
    n.channel = Some("alertmanager".into());
    n.category = Some("availability".into());
    p.story(day(2, 22, 10), "alertmanager", n)
        .ack(5, "dave")
        .role(5, "dave", Role::Commander, None)
        .role(30, "dave", Role::Sme, Some("bob"))
        .contain(35, "dave", "rolling restart of payments-api every 2 hours (cron)")
        .update(
            40,
            "dave",
            "stakeholders",
            "Brief payment errors during restarts; a fix is being investigated.",
        )
        .finding(60 * 10, "bob", "heap grows with every 3-D Secure challenge; a cache without eviction")
        .note(60 * 11, "bob", "heap dump attached to ticket PAY-881");

    let mut n = new_incident("Image uploads fail in eu-west", &["cdn"], I::High, U::Medium, S::SEV2);
    n.reported_by = Some("customer support".into());
    n.category = Some("availability".into());
    p.story(day(1, 9, 30), "carol", n)
        .ack(3, "carol")
        .role(3, "carol", Role::Commander, None)
        .contain(20, "carol", "routed uploads to us-east origin")
        .impact_started(22, "carol", -50, "first failed upload in the access log")
        .escalate(25, "carol", "cloud provider support", "object storage in eu-west returns 503")
        .update(30, "erin", "stakeholders", "Uploads work again via another region; slower for EU users.");

    // --- Open: acknowledged --------------------------------------------------------------

    let hours_ago =
        |h: i64, m: i64| (now - Duration::hours(h) - Duration::minutes(m)).with_nanosecond(0).unwrap_or(now);

    let mut n =
        new_incident("Slow checkout for customers in Brazil", &["checkout"], I::Medium, U::Medium, S::SEV3);
    n.reported_by = Some("sales, São Paulo office".into());
    n.category = Some("performance".into());
    p.story(hours_ago(6, 12), "erin", n)
        .ack(10, "erin")
        .note(45, "erin", "synthetic checks from São Paulo: 6.2s page load vs 1.4s from Frankfurt")
        .finding(90, "erin", "traffic goes via Miami since the transit provider change");

    let mut n = new_incident("Disk usage at 91% on db-primary-2", &["db"], I::Medium, U::Medium, S::SEV3);
    n.channel = Some("alertmanager".into());
    n.category = Some("capacity".into());
    p.story(hours_ago(3, 5), "alertmanager", n).ack(9, "dave").role(9, "dave", Role::Sme, None).finding(
        40,
        "dave",
        "WAL archiving stalled; 300 GB of WAL waiting",
    );

    let mut n = new_incident("Mobile app token refresh errors", &["auth"], I::High, U::Medium, S::SEV2);
    n.reported_by = Some("app store reviews".into());
    n.category = Some("availability".into());
    p.story(hours_ago(0, 50), "alice", n)
        .ack(2, "alice")
        .role(2, "alice", Role::Commander, None)
        .escalate(15, "alice", "mobile team lead", "the app retries refresh in a tight loop")
        .update(20, "alice", "stakeholders", "Some app users are logged out; web unaffected.");

    // --- Open: triggered, nobody has them yet --------------------------------------------

    let mut n = new_incident("Payment provider webhooks failing", &["payments"], I::High, U::High, S::SEV2);
    n.channel = Some("alertmanager".into());
    p.story(hours_ago(0, 9), "alertmanager", n);

    let mut n = new_incident("Search indexer lag above 15 minutes", &["search"], I::Medium, U::High, S::SEV3);
    n.channel = Some("alertmanager".into());
    p.story(hours_ago(0, 4), "alertmanager", n);

    let mut n = new_incident("CDN 5xx spike in ap-southeast", &["cdn"], I::Low, U::High, S::SEV4);
    n.channel = Some("alertmanager".into());
    p.story(hours_ago(0, 1), "alertmanager", n);

    p
}

/// A registration that the configured policy accepts: a site that lists its own categories
/// and services still gets a working demo, with the unknown ones left out.
fn fit(policy: &crate::domain::Policy, cmd: Command) -> Command {
    let Command::Register(mut n) = cmd else { return cmd };
    if !policy.categories.is_empty() {
        n.category = n.category.filter(|c| policy.categories.contains(c));
    }
    if !policy.services.is_empty() {
        n.services.retain(|s| policy.services.contains(s));
    }
    Command::Register(n)
}

/// Fill an empty database with the demo incidents as of `now`; returns how many it created.
///
/// Refuses a database that already holds incidents: the demo writes times in the past, and
/// the audit log must stay in time order.
///
/// # Errors
/// [`EngineError::Refused`] for a non-empty database or a step the configured policy does not
/// allow (an unknown category or service), or a store failure.
pub fn seed(engine: &Engine, now: DateTime<Utc>) -> Result<usize, EngineError> {
    let existing = engine.list(&Query { all: true, limit: Some(1), ..Query::default() })?;
    if !existing.is_empty() {
        return Err(EngineError::Refused(Refusal {
            message: "the database already holds incidents; run the demo on an empty data dir (`piket --data-dir DIR demo`)"
                .into(),
            next: Vec::new(),
        }));
    }
    let Plan { mut steps, stories } = plan(now);
    steps.sort_by_key(|s| (s.at, s.order));
    let mut ids: Vec<Option<IncidentId>> = vec![None; stories];
    for s in steps.into_iter().filter(|s| s.at <= now) {
        let id = ids[s.story];
        let cmd = fit(engine.policy(), (s.make)(id.unwrap_or(IncidentId(0))));
        let out = engine.execute(s.actor, s.source, &cmd, s.at)?;
        ids[s.story].get_or_insert(out.incident);
    }
    Ok(ids.iter().flatten().count())
}

/// The demo's file name in the demo dir for its config (beside the database, apart from any
/// config.toml a team keeps there).
pub const CONFIG_FILE: &str = "demo.toml";
/// The demo's pager: the file its notifier appends one line per page to, in the demo dir.
pub const PAGES_FILE: &str = "pages.log";
/// The service whose incidents page: only the live incident has it, so the five weeks of
/// history page nobody.
const LIVE_SERVICE: &str = "orders";
/// The first level's timeout: the person at the terminal is paged this long after the demo
/// starts (the shortest timeout a policy may have).
pub const FIRST_LEVEL_TIMEOUT: &str = "1m";

/// The demo's config (TOML), as of `today` (the display zone's date): `os_user` is the person
/// "you", on call this week in `primary`; `secondary` rotates bob, carol and dave daily. The
/// policy of service `orders` pages `secondary`, then `primary` (you) a minute later, then
/// erin. Every page is appended to [`PAGES_FILE`] (the demo dir: relative paths in a config
/// are read from its directory).
#[must_use]
pub fn config(os_user: &str, today: NaiveDate) -> String {
    // Last week's Monday: alice held primary last week, you hold it this week (hand-off at
    // midnight, so a Monday morning is already yours).
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 7);
    let secondary_start = today - Duration::days(3);
    let user = os_user.replace(['\\', '"'], "");
    let mut people = format!("[people.you]\nuser = \"{user}\"\ncontacts = {{ pager = \"you@terminal\" }}\n");
    for p in ["alice", "bob", "carol", "dave", "erin"] {
        people.push_str(&format!("[people.{p}]\ncontacts = {{ pager = \"{p}@pager\" }}\n"));
    }
    let services: String = ["checkout", "payments", "auth", "search", "email", "db", "cdn"]
        .iter()
        .map(|s| format!("[services.{s}]\n"))
        .collect();
    format!(
        r#"# piket demo: the rota of the demo dir. `piket demo` starts the demo's server with this
# file; to use it yourself: piket --data-dir <this dir> --config <this dir>/{CONFIG_FILE}

{people}
[schedules.primary]
rotations = [{{ members = ["alice", "you"], shift = "weekly", handoff = "00:00", start = "{monday}" }}]

[schedules.secondary]
rotations = [{{ members = ["bob", "carol", "dave"], shift = "daily", handoff = "09:00", start = "{secondary_start}" }}]

[escalation-policies.orders]
levels = [
  {{ targets = ["schedule:secondary"], timeout = "{FIRST_LEVEL_TIMEOUT}" }},
  {{ targets = ["schedule:primary"], timeout = "5m" }},
  {{ targets = ["person:erin"], timeout = "10m" }},
]

{services}[services.{LIVE_SERVICE}]
escalation-policy = "orders"

# Pages are appended to this file in the demo dir (created 0600): `tail -f` it.
[notifiers.pager]
type = "file"
path = "{PAGES_FILE}"
timeout = "5s"
retries = 0
"#
    )
}

/// The live incident: an alert on `orders` at `now`. Under [`config`]'s rota its escalation
/// starts at once (level 1 is paged when the server's scheduler first looks) and reaches the
/// person at the terminal one [`FIRST_LEVEL_TIMEOUT`] later. Call after [`seed`].
///
/// # Errors
/// As [`seed`].
pub fn seed_live(engine: &Engine, now: DateTime<Utc>) -> Result<IncidentId, EngineError> {
    let mut n = new_incident(
        "Orders stuck in payment pending",
        &[LIVE_SERVICE],
        Impact::High,
        Urgency::High,
        Severity::SEV1,
    );
    n.channel = Some("alertmanager".into());
    n.reported_by = Some("alertmanager: OrdersPendingTooLong".into());
    n.category = Some("availability".into());
    n.description = Some("Orders older than 5 minutes in payment pending: 312 and rising.".into());
    let cmd = fit(engine.policy(), Command::Register(n));
    Ok(engine.execute("alertmanager", Source::Alert, &cmd, now)?.incident)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::kpi::{Window, report};
    use crate::domain::{Incident, Policy, Status};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 18, 20, 43).unwrap()
    }

    #[test]
    fn the_demo_covers_every_step_of_the_process() {
        let engine = Engine::in_memory(Policy::default()).unwrap();
        let n = seed(&engine, now()).unwrap();
        let all = engine.list(&Query { all: true, ..Query::default() }).unwrap();
        assert_eq!(n, all.len());
        assert!((18..=24).contains(&n), "{n}");

        for status in Status::ALL {
            assert!(all.iter().any(|i| i.status == status), "no incident is {status}");
        }
        assert_eq!(all.iter().filter(|i| i.drill).count(), 1);
        assert!(all.iter().any(|i| i.reopened == 1));
        assert!(all.iter().any(|i| i.priority_override.is_some()));
        assert!(all.iter().any(|i| !i.escalations.is_empty()));
        assert!(all.iter().any(|i| i.status_updates > 0));
        assert!(all.iter().any(|i| i.review.is_some() && !i.action_items.is_empty()));
        let handover =
            all.iter().any(|i| {
                engine.timeline(i.id).unwrap().iter().any(|e| {
                    matches!(&e.kind, crate::domain::EventKind::RoleAssigned { previous: Some(_), .. })
                })
            });
        assert!(handover, "a role is handed over");
        let oldest = all.iter().map(|i| i.opened_at).min().unwrap();
        assert!(now() - oldest > Duration::days(28) && now() - oldest < Duration::days(40));

        let window = Window { since: now() - Duration::days(42), until: now() };
        let r = report(&all, engine.policy(), window, now(), false);
        assert!(!r.overdue_actions.is_empty(), "some action items are past due");
        assert_eq!(r.left_out, 2, "the drill and the near miss");
        assert!(r.breaches.iter().any(|b| b.acknowledge.breached > 0), "the webhook alert waits too long");
    }

    #[test]
    fn every_timeline_is_valid_and_in_time_order() {
        let engine = Engine::in_memory(Policy::default()).unwrap();
        seed(&engine, now()).unwrap();
        assert_eq!(engine.verify().unwrap().problem, None);
        for inc in engine.list(&Query { all: true, ..Query::default() }).unwrap() {
            let tl = engine.timeline(inc.id).unwrap();
            assert_eq!(Incident::replay(&tl).unwrap().as_ref(), Some(&inc));
            assert!(tl.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at));
            assert!(tl.iter().all(|e| e.recorded_at <= now()));
        }
    }

    #[test]
    fn a_second_seed_is_refused() {
        let engine = Engine::in_memory(Policy::default()).unwrap();
        seed(&engine, now()).unwrap();
        assert!(matches!(seed(&engine, now()), Err(EngineError::Refused(_))));
    }
}
