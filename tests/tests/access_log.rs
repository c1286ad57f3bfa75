//! The access log: a tablet's audit journal reaches the hub with its sync,
//! its chain verified on arrival, each entry kept under the resident the
//! hub finds it is about. From the honest side (the real core) and from the
//! hostile one (a client speaking the protocol directly), on SQLite and on
//! PostgreSQL.

use chevet_core::domain::Role;
use chevet_e2e::{Device, TestHub, install_tls_provider, temperature};
use chevet_hub::backend::{AuditBreak, AuditRow, Backend, BreakKind, Scope};
use chevet_protocol::audit::{MAX_AUDIT_ENTRIES, link_hex};
use chevet_protocol::*;
use uuid::Uuid;

async fn in_hub<T: Send + 'static>(
    hub: &TestHub,
    f: impl FnOnce(&mut dyn chevet_hub::backend::Tx) -> chevet_hub::error::HubResult<T> + Send + 'static,
) -> T {
    let backend = hub.backend.clone();
    tokio::task::spawn_blocking(move || backend.transaction(Scope::Admin, f).unwrap()).await.unwrap()
}

async fn resident_log(hub: &TestHub, resident: Uuid) -> Vec<AuditRow> {
    let tenant = hub.tenant;
    in_hub(hub, move |tx| tx.resident_audit(tenant, resident)).await
}

async fn breaks(hub: &TestHub) -> Vec<AuditBreak> {
    let tenant = hub.tenant;
    in_hub(hub, move |tx| tx.audit_breaks(tenant)).await
}

async fn honest_journal_arrives_verified(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let resident = hub.residents.iter().find(|r| r.unit_id == hub.units[0]).unwrap().clone();
    let mut tablet = Device::enrol(&hub, &hub.url(), &[hub.units[0]], "Chariot étage 1").await;
    tablet.store.open_resident_file(resident.id, 10).unwrap();
    let fact = tablet.store.record(temperature(resident.id, 37.2)).unwrap();
    let report = tablet.sync().await.unwrap();
    assert!(report.audit_sent > 0);

    let log = resident_log(&hub, resident.id).await;
    let device = tablet.store.device_id();
    let opened: Vec<_> = log.iter().filter(|r| r.action == AuditAction::OpenFile).collect();
    assert_eq!(opened.len(), 1, "{log:?}");
    assert_eq!((opened[0].actor, opened[0].device_id, opened[0].verified), (Some(hub.nurse.id), device, true));
    let created = log.iter().find(|r| r.action == AuditAction::Create).expect("the temperature's entry");
    assert_eq!((created.entity_id, created.resident_id), (fact.id(), Some(resident.id)));
    assert!(log.iter().all(|r| r.verified));
    // Another resident's log has none of it.
    let other = hub.residents.iter().find(|r| r.id != resident.id).unwrap().id;
    assert!(resident_log(&hub, other).await.iter().all(|r| r.action != AuditAction::OpenFile));

    // Each sync sends what is new only; the hub then holds the whole
    // journal, once, with no break.
    tablet.sync().await.unwrap();
    tablet.sync().await.unwrap();
    let held = hub.count(&format!("SELECT COUNT(*) FROM audit_entries WHERE device_id = {}", sql_uuid(&hub, device)));
    let journal = tablet.store.verify_audit().unwrap() as i64;
    // The last sync's own pull entry goes with the next one.
    assert!(held == journal || held == journal - 1, "hub {held}, device {journal}");
    assert_eq!(breaks(&hub).await, vec![]);

    // The journal altered on the tablet's disk before it was sent (the
    // entry's link to the one before: what it says is sealed): the tablet
    // says so, the hub records it, and the entries still arrive. (What the
    // hub already holds, it holds as sent.)
    tablet.store.open_resident_file(resident.id, 10).unwrap();
    let raw = rusqlite::Connection::open(tablet.dir.path().join("device.db")).unwrap();
    raw.execute("UPDATE audit SET prev = zeroblob(32) WHERE seq = (SELECT MAX(seq) FROM audit)", []).unwrap();
    drop(raw);
    tablet.sync().await.unwrap();
    let found: Vec<_> = breaks(&hub).await.into_iter().map(|b| (b.device_id, b.kind.as_str())).collect();
    assert_eq!(found, vec![(device, BreakKind::DeviceReported.as_str())]);
    assert_eq!(resident_log(&hub, resident.id).await.iter().filter(|r| r.action == AuditAction::OpenFile).count(), 2);
}

fn sql_uuid(hub: &TestHub, id: Uuid) -> String {
    if hub.on_postgres() { format!("'{id}'::uuid") } else { format!("X'{}'", id.simple()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_receives_the_journal_verified() {
    honest_journal_arrives_verified(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_receives_the_journal_verified() {
    honest_journal_arrives_verified(true).await;
}

/// A tablet that is nothing but its credential, writing its own journal.
struct RawJournal {
    http: reqwest::Client,
    url: String,
    id: Uuid,
    credential: String,
    link: [u8; 32],
    /// The link before the last entry made (to relink it after a change).
    previous: [u8; 32],
    seq: i64,
}

impl RawJournal {
    async fn enrol(hub: &TestHub, units: &[Uuid]) -> RawJournal {
        install_tls_provider();
        let http = reqwest::Client::new();
        let id = Uuid::now_v7();
        let req = EnrolRequest { code: hub.code(units).await, device_id: id, label: "hostile".into() };
        let resp = http.post(format!("{}/v1/enrol", hub.url())).json(&req).send().await.unwrap();
        assert_eq!(resp.status(), 201);
        let enrolled: EnrolResponse = resp.json().await.unwrap();
        RawJournal {
            http,
            url: hub.url(),
            id,
            credential: enrolled.credential,
            link: [0; 32],
            previous: [0; 32],
            seq: 0,
        }
    }

    /// The link the next entry follows.
    fn link_before(&self) -> [u8; 32] {
        self.previous
    }

    /// The next entry of an honest chain (advancing it).
    fn next(&mut self, action: AuditAction, entity: &str, entity_id: Uuid, actor: Uuid) -> AuditRecord {
        self.seq += 1;
        self.previous = self.link;
        let mut r = AuditRecord {
            seq: self.seq,
            at_ms: jiff::Timestamp::now().as_millisecond(),
            actor: Some(actor),
            action,
            entity: entity.into(),
            entity_id,
            link: String::new(),
        };
        self.link = r.expected_link(&self.link, self.id);
        r.link = link_hex(&self.link);
        r
    }

    async fn send(&self, entries: Vec<AuditRecord>, altered_from: Option<i64>) -> (u16, Option<i64>) {
        let resp = self
            .http
            .post(format!("{}/v1/sync/audit", self.url))
            .bearer_auth(&self.credential)
            .json(&AuditPushRequest { entries, altered_from })
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let head = resp.json::<AuditPushResponse>().await.ok().map(|r| r.head_seq);
        (status, head)
    }
}

async fn hostile_journal_is_flagged(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let (unit, other_unit) = (hub.units[0], hub.units[1]);
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let elsewhere = hub.residents.iter().find(|r| r.unit_id == other_unit).unwrap().id;
    let nurse = hub.nurse.id;
    let mut evil = RawJournal::enrol(&hub, &[unit]).await;
    let evil_id = evil.id;
    let kinds = async |hub: &TestHub| -> Vec<(i64, BreakKind)> {
        breaks(hub).await.into_iter().filter(|b| b.device_id == evil_id).map(|b| (b.seq, b.kind)).collect()
    };

    // An honest start: three entries, verified.
    let first: Vec<_> = (0..3).map(|_| evil.next(AuditAction::OpenFile, "resident", resident, nurse)).collect();
    assert_eq!(evil.send(first.clone(), None).await, (200, Some(3)));
    // Sent again (a lost answer): nothing new, nothing flagged.
    assert_eq!(evil.send(first[1..].to_vec(), None).await, (200, Some(3)));
    assert_eq!(resident_log(&hub, resident).await.len(), 3);
    assert_eq!(kinds(&hub).await, vec![]);

    // Malformed pushes are refused whole and change nothing.
    let mut gap = first.clone();
    gap.remove(1);
    let mut bad_entity = first[0].clone();
    bad_entity.entity = "Résident".into();
    let too_many = vec![first[0].clone(); MAX_AUDIT_ENTRIES + 1];
    for (entries, why) in [(gap, "not consecutive"), (vec![bad_entity], "entity"), (too_many, "too many")] {
        assert_eq!(evil.send(entries, None).await.0, 400, "{why}");
    }
    let mut unknown = serde_json::to_value(AuditPushRequest { entries: first.clone(), altered_from: None }).unwrap();
    unknown["entries"][0]["action"] = "delete_everything".into();
    let resp = evil
        .http
        .post(format!("{}/v1/sync/audit", evil.url))
        .bearer_auth(&evil.credential)
        .json(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // Without a credential, nothing.
    let anonymous = evil.http.post(format!("{}/v1/sync/audit", evil.url)).json(&unknown["entries"]).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
    assert_eq!(resident_log(&hub, resident).await.len(), 3);

    // Entry 4 skipped: a gap at 4, entry 5 kept unverified.
    evil.next(AuditAction::OpenFile, "resident", resident, nurse);
    let fifth = evil.next(AuditAction::OpenFile, "resident", resident, nurse);
    assert_eq!(evil.send(vec![fifth], None).await, (200, Some(5)));
    // Entry 6 whose link does not follow (its time changed after linking).
    let mut sixth = evil.next(AuditAction::OpenFile, "resident", resident, nurse);
    sixth.at_ms -= 60_000;
    assert_eq!(evil.send(vec![sixth], None).await, (200, Some(6)));
    // Entry 2 again, with other content: history rewritten.
    let mut rewritten = first[1].clone();
    rewritten.action = AuditAction::Export;
    let after_first = chevet_protocol::audit::parse_link(&first[0].link).unwrap();
    rewritten.link = link_hex(&rewritten.expected_link(&after_first, evil.id));
    let rewritten_link = rewritten.link.clone();
    // The head does not go back to it.
    assert_eq!(evil.send(vec![rewritten], None).await, (200, Some(6)));
    // A second version of the journal from there (a store restored from an
    // old copy): kept as evidence, none of it verified.
    evil.seq = 2;
    evil.link = chevet_protocol::audit::parse_link(&rewritten_link).unwrap();
    let forked = evil.next(AuditAction::OpenFile, "resident", resident, nurse);
    // Another unit's resident, and a resident the hub does not know in this
    // tablet's scope: neither is attributed, both are flagged.
    let elsewhere_entry = evil.next(AuditAction::OpenFile, "resident", elsewhere, nurse);
    let unknown = evil.next(AuditAction::Export, "resident", Uuid::now_v7(), nurse);
    assert_eq!(evil.send(vec![forked, elsewhere_entry, unknown], None).await, (200, Some(6)));
    // What the device itself found altered.
    let last = evil.next(AuditAction::SignIn, "staff", nurse, nurse);
    assert_eq!(evil.send(vec![last], Some(1)).await, (200, Some(6)));

    let found = kinds(&hub).await;
    for expected in [
        (4, BreakKind::Gap),
        (6, BreakKind::Mismatch),
        (2, BreakKind::Rewritten),
        (3, BreakKind::Rewritten),
        (4, BreakKind::OutOfScope),
        (5, BreakKind::OutOfScope),
        (1, BreakKind::DeviceReported),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    let log = resident_log(&hub, resident).await;
    // 1–3 verified; 5 after the gap, 6 not following, 2 rewritten and the
    // second version's 3: kept, unverified.
    assert_eq!(log.iter().filter(|r| r.verified).count(), 3, "{log:?}");
    assert_eq!(log.iter().filter(|r| !r.verified).count(), 4, "{log:?}");
    assert!(resident_log(&hub, elsewhere).await.iter().all(|r| r.device_id != evil.id));

    // Another tablet replaying this one's entries: they do not link to it.
    let copycat = RawJournal::enrol(&hub, &[unit]).await;
    assert_eq!(copycat.send(first.clone(), None).await, (200, Some(3)));
    let copied: Vec<_> =
        breaks(&hub).await.into_iter().filter(|b| b.device_id == copycat.id).map(|b| (b.seq, b.kind)).collect();
    assert_eq!(copied, vec![(1, BreakKind::Mismatch), (2, BreakKind::Mismatch), (3, BreakKind::Mismatch)]);
}

/// A journal whose chain holds but whose entries name professionals or
/// times the hub knows to be wrong: each such entry is kept, flagged and
/// unverified; the chain itself goes on (issue 29, item 3).
async fn who_and_when_are_checked(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let (unit, other_unit) = (hub.units[0], hub.units[1]);
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let (backend, tenant) = (hub.backend.clone(), hub.tenant);
    let (other_floor, gone, foreign) = tokio::task::spawn_blocking(move || {
        let admin = chevet_hub::Admin::new(&*backend);
        let other_floor = admin.create_staff(tenant, "IDE de l'autre étage", Role::Nurse, &[other_unit]).unwrap();
        let gone = admin.create_staff(tenant, "IDE partie", Role::Nurse, &[unit]).unwrap();
        admin.set_staff_active(tenant, gone.id, false).unwrap();
        let group = chevet_demo::group::create_group(&admin, 1).unwrap();
        let foreign =
            admin.create_staff(group.tenant, "IDE d'un autre groupe", Role::Nurse, &[group.units[0].id]).unwrap();
        (other_floor.id, gone.id, foreign.id)
    })
    .await
    .unwrap();
    let mut evil = RawJournal::enrol(&hub, &[unit]).await;
    let now = jiff::Timestamp::now().as_millisecond();
    let mut entry = |actor: Uuid, at_ms: i64| {
        let mut e = evil.next(AuditAction::OpenFile, "resident", resident, actor);
        // The time set before linking: the chain itself holds.
        e.at_ms = at_ms;
        e.link = link_hex(&e.expected_link(&evil.link_before(), evil.id));
        evil.link = chevet_protocol::audit::parse_link(&e.link).unwrap();
        e
    };
    let entries = vec![
        entry(hub.nurse.id, now - 5_000),       // 1: right
        entry(foreign, now - 4_000),            // 2: another group's professional
        entry(Uuid::now_v7(), now - 3_000),     // 3: nobody the hub knows
        entry(other_floor, now - 2_000),        // 4: not of this tablet's units
        entry(gone, now + 1_000),               // 5: deactivated before then
        entry(hub.nurse.id, 31_536_000_000),    // 6: 1971
        entry(hub.nurse.id, 4_070_908_800_000), // 7: 2099
        entry(hub.nurse.id, now),               // 8: right again
        entry(hub.nurse.id, now - 3_600_000),   // 9: an hour back along the chain
    ];
    assert_eq!(evil.send(entries, None).await, (200, Some(9)));
    let log = resident_log(&hub, resident).await;
    let verified: Vec<i64> = log.iter().filter(|r| r.verified).map(|r| r.seq).collect();
    assert_eq!(verified, vec![1, 8], "{log:?}");
    let found: Vec<(i64, BreakKind)> =
        breaks(&hub).await.into_iter().filter(|b| b.device_id == evil.id).map(|b| (b.seq, b.kind)).collect();
    let mut expected = vec![
        (2, BreakKind::Actor),
        (3, BreakKind::Actor),
        (4, BreakKind::Actor),
        (5, BreakKind::Actor),
        (6, BreakKind::Time),
        (7, BreakKind::Time),
        (9, BreakKind::Time),
    ];
    let key = |(seq, kind): &(i64, BreakKind)| (*seq, kind.as_str());
    let mut found = found;
    found.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(found, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_checks_who_and_when() {
    who_and_when_are_checked(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_checks_who_and_when() {
    who_and_when_are_checked(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_flags_a_hostile_journal() {
    hostile_journal_is_flagged(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_flags_a_hostile_journal() {
    hostile_journal_is_flagged(true).await;
}
