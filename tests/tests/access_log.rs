//! The access log: a tablet's audit journal reaches the hub with its sync,
//! its chain verified on arrival, each entry kept under the resident the
//! hub finds it is about. From the honest side (the real core) and from the
//! hostile one (a client speaking the protocol directly), on SQLite and on
//! PostgreSQL.

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

    // The journal altered on the tablet's disk before it was sent (who
    // opened the file): the tablet says so, the hub records it, and the
    // entries still arrive. (What the hub already holds, it holds as sent.)
    tablet.store.open_resident_file(resident.id, 10).unwrap();
    let raw = rusqlite::Connection::open(tablet.dir.path().join("device.db")).unwrap();
    raw.execute("UPDATE audit SET actor = ?1 WHERE seq = (SELECT MAX(seq) FROM audit)", [Uuid::now_v7()]).unwrap();
    drop(raw);
    tablet.sync().await.unwrap();
    let found = breaks(&hub).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].device_id, found[0].kind), (device, BreakKind::DeviceReported));
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
        RawJournal { http, url: hub.url(), id, credential: enrolled.credential, link: [0; 32], seq: 0 }
    }

    /// The next entry of an honest chain (advancing it).
    fn next(&mut self, action: AuditAction, entity: &str, entity_id: Uuid, actor: Uuid) -> AuditRecord {
        self.seq += 1;
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
    assert_eq!(evil.send(vec![rewritten], None).await, (200, Some(2)));
    // The chain goes on from what the device now says.
    evil.seq = 2;
    evil.link = chevet_protocol::audit::parse_link(&rewritten_link).unwrap();
    // Another unit's resident, and a resident the hub does not know in this
    // tablet's scope: neither is attributed, both are flagged.
    let third = evil.next(AuditAction::OpenFile, "resident", elsewhere, nurse);
    let fourth = evil.next(AuditAction::Export, "resident", Uuid::now_v7(), nurse);
    assert_eq!(evil.send(vec![third, fourth], None).await, (200, Some(4)));
    // What the device itself found altered.
    let fifth = evil.next(AuditAction::SignIn, "staff", nurse, nurse);
    assert_eq!(evil.send(vec![fifth], Some(1)).await, (200, Some(5)));

    let found = kinds(&hub).await;
    for expected in [
        (4, BreakKind::Gap),
        (6, BreakKind::Mismatch),
        (2, BreakKind::Rewritten),
        (3, BreakKind::OutOfScope),
        (4, BreakKind::OutOfScope),
        (1, BreakKind::DeviceReported),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    assert_eq!(found.len(), 6, "{found:?}");
    let log = resident_log(&hub, resident).await;
    // 1–3 verified; 5 after the gap, 6 not following, 2 rewritten: kept, unverified.
    assert_eq!(log.iter().filter(|r| r.verified).count(), 3, "{log:?}");
    assert_eq!(log.iter().filter(|r| !r.verified).count(), 3, "{log:?}");
    assert!(resident_log(&hub, elsewhere).await.iter().all(|r| r.device_id != evil.id));

    // Another tablet replaying this one's entries: they do not link to it.
    let copycat = RawJournal::enrol(&hub, &[unit]).await;
    assert_eq!(copycat.send(first.clone(), None).await, (200, Some(3)));
    let copied: Vec<_> =
        breaks(&hub).await.into_iter().filter(|b| b.device_id == copycat.id).map(|b| (b.seq, b.kind)).collect();
    assert_eq!(copied, vec![(1, BreakKind::Mismatch), (2, BreakKind::Mismatch), (3, BreakKind::Mismatch)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_flags_a_hostile_journal() {
    hostile_journal_is_flagged(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_flags_a_hostile_journal() {
    hostile_journal_is_flagged(true).await;
}
