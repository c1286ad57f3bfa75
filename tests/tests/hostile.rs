//! The hub from the hostile side: a client that speaks the protocol
//! directly, enrolled like any tablet, skipping every check the tablet's
//! core makes. Each thing it must not do is refused op by op with its own
//! code and reason, and leaves nothing behind — seen by an honest device's
//! pull, the same on SQLite and on PostgreSQL.

use chevet_core::domain::*;
use chevet_e2e::{TestHub, install_tls_provider};
use chevet_protocol::*;
use jiff::civil::{date, time};
use serde_json::{Value, json};
use uuid::Uuid;

/// A tablet that is nothing but its credential.
struct RawDevice {
    http: reqwest::Client,
    url: String,
    id: Uuid,
    credential: String,
    seq: i64,
}

impl RawDevice {
    async fn enrol(hub: &TestHub, units: &[Uuid]) -> RawDevice {
        Self::enrol_with_code(hub, hub.code(units).await).await
    }

    async fn enrol_with_code(hub: &TestHub, code: String) -> RawDevice {
        install_tls_provider();
        let http = reqwest::Client::new();
        let id = Uuid::now_v7();
        let req = EnrolRequest { code, device_id: id, label: "hostile".into() };
        let resp = http
            .post(format!("{}/v1/enrol", hub.url()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&req).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let enrolled: EnrolResponse = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        RawDevice { http, url: hub.url(), id, credential: enrolled.credential, seq: 0 }
    }

    /// Pushes one operation and returns the hub's answer to it.
    async fn push(&mut self, entity: Entity, entity_id: Uuid, base: Option<u32>, payload: Value) -> OpOutcome {
        self.seq += 1;
        let now = jiff::Timestamp::now().as_millisecond();
        let op = Operation {
            op_id: Uuid::now_v7(),
            device_seq: self.seq,
            entity,
            entity_id,
            base_version: base,
            hlc: (now as u64) << 16,
            clinical_time_ms: now,
            payload,
        };
        let body = PushRequest { ops: vec![op], device_time_ms: now };
        let resp = self
            .http
            .post(format!("{}/v1/sync/push", self.url))
            .bearer_auth(&self.credential)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut answer: PushResponse = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(answer.results.len(), 1);
        answer.results.remove(0).outcome
    }

    async fn push_fact(&mut self, fact: &Fact) -> OpOutcome {
        self.push(Entity::Fact, fact.id(), None, serde_json::to_value(fact).unwrap()).await
    }

    async fn push_document(
        &mut self,
        entity: Entity,
        id: Uuid,
        base: u32,
        value: &impl serde::Serialize,
        author: Option<Uuid>,
    ) -> OpOutcome {
        let op = if base == 0 { "create" } else { "replace" };
        let mut payload = json!({ "op": op, "value": value });
        if let Some(a) = author {
            payload["author"] = json!(a);
        }
        self.push(entity, id, Some(base), payload).await
    }

    /// Everything this device may see, latest state per entity.
    async fn pull_all(&self) -> std::collections::BTreeMap<Uuid, Change> {
        let mut cursor = String::new();
        let mut out = std::collections::BTreeMap::new();
        loop {
            let resp = self
                .http
                .get(format!("{}/v1/sync/pull?cursor={cursor}&limit=1000", self.url))
                .bearer_auth(&self.credential)
                .header(OUTBOX_HEAD_HEADER, self.seq)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let page: PullResponse = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            for c in page.changes {
                out.insert(c.entity_id, c);
            }
            cursor = page.cursor;
            if !page.more {
                return out;
            }
        }
    }
}

impl RawDevice {
    fn tus(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.credential)
            .header("tus-resumable", "1.0.0")
    }

    /// Starts an upload; its path, or the refusal's status and body.
    async fn create_upload(&self, length: u64, hash: &str) -> Result<String, (u16, String)> {
        use base64::Engine;
        let meta = format!("blake3 {}", base64::engine::general_purpose::STANDARD.encode(hash));
        let resp = self
            .tus(reqwest::Method::POST, "/v1/blobs")
            .header("upload-length", length)
            .header("upload-metadata", meta)
            .send()
            .await
            .unwrap();
        match resp.status().as_u16() {
            201 => Ok(resp.headers()["location"].to_str().unwrap().to_owned()),
            s => Err((s, resp.text().await.unwrap())),
        }
    }

    async fn offset(&self, path: &str) -> u16 {
        self.tus(reqwest::Method::HEAD, path).send().await.unwrap().status().as_u16()
    }

    async fn append(&self, path: &str, offset: u64, bytes: &[u8]) -> u16 {
        let req = self
            .tus(reqwest::Method::PATCH, path)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset)
            .body(bytes.to_vec());
        req.send().await.unwrap().status().as_u16()
    }

    async fn get_blob(&self, hash: &str) -> u16 {
        let resp = self.http.get(format!("{}/v1/blobs/by-hash/{hash}", self.url)).bearer_auth(&self.credential);
        resp.send().await.unwrap().status().as_u16()
    }
}

fn meta(author: Uuid, device: Uuid) -> RecordMeta {
    let now = jiff::Timestamp::now();
    RecordMeta { author, device, clinical_time: now, recorded_at: now }
}

fn pulse(resident: Uuid, value: f64, meta: RecordMeta) -> Fact {
    Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id: resident,
        code: VitalCode::HeartRate,
        value: ObservationValue::Quantity(value),
        method: None,
        meta,
    })
}

fn medication(resident: Uuid, assistance: bool) -> PlannedAct {
    PlannedAct {
        id: Uuid::now_v7(),
        resident_id: resident,
        kind: ActKind::Medication,
        label: "Paracétamol 1 g".into(),
        schedule: Schedule {
            times: vec![time(8, 0, 0, 0)],
            recurrence: Recurrence::Daily,
            start: date(2026, 1, 5),
            end: None,
        },
        medication: Some(MedicationLine {
            drug: "Paracétamol".into(),
            dose: "1 g".into(),
            route: "per os".into(),
            intake_assistance_allowed: assistance,
            expected_barcode: None,
        }),
        active: true,
    }
}

fn given(act: &PlannedAct, meta: RecordMeta) -> Fact {
    Fact::Administration(MedicationAdministration {
        id: Uuid::now_v7(),
        resident_id: act.resident_id,
        planned_act_id: act.id,
        occurrence: None,
        outcome: AdministrationOutcome::Given,
        recorded_elsewhere: false,
        scanned_barcode: None,
        comment: None,
        meta,
    })
}

#[track_caller]
fn refused(outcome: &OpOutcome, code: RejectCode, reason_has: &str) {
    match outcome {
        OpOutcome::Rejected { code: c, reason } => {
            assert_eq!(*c, code, "{reason}");
            assert!(reason.contains(reason_has), "reason {reason:?} should say {reason_has:?}");
        }
        other => panic!("expected {code:?} ({reason_has}), got {other:?}"),
    }
}

async fn hostile_tablet_is_refused(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let (unit, other_unit) = (hub.units[0], hub.units[1]);
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let elsewhere = hub.residents.iter().find(|r| r.unit_id == other_unit).unwrap().clone();
    let (nurse, aide) = (hub.nurse.id, hub.care_aide.id);
    // A nurse of the other floor only, and a qualified resident (the hub's
    // admission from INSi).
    let night_nurse = Staff {
        id: Uuid::now_v7(),
        display_name: "IDE étage 2".into(),
        role: Role::Nurse,
        rpps: None,
        first_pin_code: None,
        deactivated_at: None,
        units: vec![other_unit],
    };
    let mut qualified = resident.clone();
    qualified.id = Uuid::now_v7();
    qualified.room = "120".into();
    qualified.identity.matricule = Some(chevet_core::demo::matricule_with_key(2_360_569_123_045).unwrap());
    qualified.identity.system = Some(InsSystem::NirDemo);
    qualified.identity.status = IdentityStatus::Qualified;
    qualified.identity.collection = CollectionMethod::Insi;
    // Another group on the same hub, with its nurse and resident.
    let foreign_nurse = Staff { id: Uuid::now_v7(), units: Vec::new(), ..night_nurse.clone() };
    let mut foreign = resident.clone();
    foreign.id = Uuid::now_v7();
    {
        let (backend, tenant, s, q) = (hub.backend.clone(), hub.tenant, night_nurse.clone(), qualified.clone());
        let (fs, fr) = (foreign_nurse.clone(), foreign.clone());
        tokio::task::spawn_blocking(move || {
            let admin = chevet_hub::Admin::new(&*backend);
            admin.put_staff(tenant, &s).unwrap();
            admin.put_resident(tenant, &q).unwrap();
            let group = chevet_demo::group::create_group(&admin, 1).unwrap();
            let fr = Resident { unit_id: group.units[0].id, ..fr };
            admin.put_staff(group.tenant, &fs).unwrap();
            admin.put_resident(group.tenant, &fr).unwrap();
        })
        .await
        .unwrap();
    }
    let mut evil = RawDevice::enrol(&hub, &[unit]).await;
    let honest = RawDevice::enrol(&hub, &[unit, other_unit]).await;
    let before = honest.pull_all().await;
    let me = evil.id;

    // Facts: each broken rule, its own answer.
    let mut refused_facts = Vec::new();
    let mut check = async |evil: &mut RawDevice, fact: Fact, code, why: &str| {
        refused(&evil.push_fact(&fact).await, code, why);
        refused_facts.push(fact.id());
    };
    check(&mut evil, pulse(resident.id, 72.0, meta(nurse, honest.id)), RejectCode::Forbidden, "device").await;
    check(&mut evil, pulse(resident.id, 72.0, meta(Uuid::now_v7(), me)), RejectCode::Forbidden, "author").await;
    check(&mut evil, pulse(resident.id, 72.0, meta(night_nurse.id, me)), RejectCode::Forbidden, "unit").await;
    check(&mut evil, pulse(resident.id, 720.0, meta(nurse, me)), RejectCode::Invalid, "implausible").await;
    check(&mut evil, pulse(elsewhere.id, 72.0, meta(nurse, me)), RejectCode::OutOfScope, "scope").await;
    check(&mut evil, pulse(foreign.id, 72.0, meta(nurse, me)), RejectCode::OutOfScope, "scope").await;
    check(&mut evil, pulse(resident.id, 72.0, meta(foreign_nurse.id, me)), RejectCode::Forbidden, "author").await;
    let mut late = meta(nurse, me);
    late.clinical_time = jiff::Timestamp::from_second(late.clinical_time.as_second() + 3 * 86_400).unwrap();
    check(&mut evil, pulse(resident.id, 72.0, late), RejectCode::Invalid, "future").await;
    // A visit "stamped" at the door with a sticker that is not this home's.
    let forged_visit = Fact::VisitStamp(VisitStamp {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        route_id: None,
        event: VisitEvent::Start,
        method: StampMethod::QrCode,
        tag: Some("CHEVET-DOMICILE-forged".into()),
        meta: meta(aide, me),
    });
    check(&mut evil, forged_visit, RejectCode::Invalid, "tag").await;

    // Medication: the nurse's prescription applies; the care aide may not
    // give it without aide à la prise, nor against another resident's line.
    let nursing = medication(resident.id, false);
    assert_eq!(
        evil.push_document(Entity::PlannedAct, nursing.id, 0, &nursing, Some(nurse)).await,
        OpOutcome::Applied { version: Some(1) }
    );
    check(&mut evil, given(&nursing, meta(aide, me)), RejectCode::Forbidden, "administer_medication").await;
    let mut crossed = given(&nursing, meta(nurse, me));
    if let Fact::Administration(a) = &mut crossed {
        a.resident_id = qualified.id;
    }
    check(&mut evil, crossed, RejectCode::Invalid, "another resident").await;
    let assisted = medication(resident.id, true);
    assert!(matches!(
        evil.push_document(Entity::PlannedAct, assisted.id, 0, &assisted, Some(nurse)).await,
        OpOutcome::Applied { .. }
    ));
    let fine = given(&assisted, meta(aide, me));
    assert_eq!(evil.push_fact(&fine).await, OpOutcome::Applied { version: None });
    // Closing what nobody recorded (« donné hors tablette », « annulé ») is a
    // nurse's: the aide who may help with the intake may not close it.
    let mut elsewhere = given(&assisted, meta(aide, me));
    if let Fact::Administration(a) = &mut elsewhere {
        a.recorded_elsewhere = true;
    }
    check(&mut evil, elsewhere, RejectCode::Forbidden, "close_unrecorded").await;
    let mut cancelled = given(&assisted, meta(aide, me));
    if let Fact::Administration(a) = &mut cancelled {
        a.outcome = AdministrationOutcome::NotGiven(NotDoneReason::Cancelled);
    }
    check(&mut evil, cancelled.clone(), RejectCode::Forbidden, "close_unrecorded").await;
    let mut by_nurse = given(&assisted, meta(nurse, me));
    if let Fact::Administration(a) = &mut by_nurse {
        a.outcome = AdministrationOutcome::NotGiven(NotDoneReason::Cancelled);
    }
    assert_eq!(evil.push_fact(&by_nurse).await, OpOutcome::Applied { version: None });
    // A box past its expiry date, or another product than prescribed, is
    // refused by the hub too, whatever the tablet let through.
    let mut boxed = medication(resident.id, true);
    if let Some(line) = &mut boxed.medication {
        line.expected_barcode = Some("3400935955838".into());
    }
    assert!(matches!(
        evil.push_document(Entity::PlannedAct, boxed.id, 0, &boxed, Some(nurse)).await,
        OpOutcome::Applied { .. }
    ));
    for (scan, why) in [
        ("01034009359558381701010110AB12C", "past its expiry date"),
        ("010340093000000717991231", "not the prescribed product"),
    ] {
        let mut f = given(&boxed, meta(aide, me));
        if let Fact::Administration(a) = &mut f {
            a.scanned_barcode = Some(scan.into());
        }
        check(&mut evil, f, RejectCode::Invalid, why).await;
    }

    // Documents: a care plan only from those who may change it, valid, with
    // its author named.
    let mut zero_days = medication(resident.id, false);
    zero_days.schedule.recurrence = Recurrence::EveryNDays(0);
    let zero = evil.push_document(Entity::PlannedAct, zero_days.id, 0, &zero_days, Some(nurse)).await;
    refused(&zero, RejectCode::Invalid, "every 0 days");
    let by_aide = medication(resident.id, true);
    let aide_plan = evil.push_document(Entity::PlannedAct, by_aide.id, 0, &by_aide, Some(aide)).await;
    refused(&aide_plan, RejectCode::Forbidden, "edit_care_plan");
    let anonymous = medication(resident.id, true);
    refused(
        &evil.push_document(Entity::PlannedAct, anonymous.id, 0, &anonymous, None).await,
        RejectCode::Forbidden,
        "author",
    );

    // Identity: INSi's traits are the hub's; a tablet neither edits them
    // nor qualifies an identity itself.
    let mut renamed = qualified.clone();
    renamed.identity.traits.birth_name = "Usurpé".into();
    let renamed_out = evil.push_document(Entity::Resident, qualified.id, 1, &renamed, Some(nurse)).await;
    refused(&renamed_out, RejectCode::Forbidden, "read-only");
    let mut self_qualified = resident.clone();
    self_qualified.identity = qualified.identity.clone();
    let promoted = evil.push_document(Entity::Resident, resident.id, 1, &self_qualified, Some(nurse)).await;
    refused(&promoted, RejectCode::Forbidden, "INSi");
    let mut admitted = qualified.clone();
    admitted.id = Uuid::now_v7();
    let admission = evil.push_document(Entity::Resident, admitted.id, 0, &admitted, Some(nurse)).await;
    refused(&admission, RejectCode::Forbidden, "INSi");
    let mut moved_by_aide = resident.clone();
    moved_by_aide.room = "999".into();
    refused(
        &evil.push_document(Entity::Resident, resident.id, 1, &moved_by_aide, Some(aide)).await,
        RejectCode::Forbidden,
        "edit_resident",
    );
    // The used name of a qualified identity is the establishment's to keep.
    let mut used = qualified.clone();
    used.identity.used_name = Some("Martin".into());
    assert!(matches!(
        evil.push_document(Entity::Resident, qualified.id, 1, &used, Some(nurse)).await,
        OpOutcome::Applied { version: Some(2) }
    ));

    // Nothing refused reached anyone; what was allowed did.
    let after = honest.pull_all().await;
    for id in refused_facts.iter().chain([&zero_days.id, &by_aide.id, &anonymous.id, &admitted.id]) {
        assert!(!after.contains_key(id), "a refused record {id} was kept");
    }
    for id in [nursing.id, assisted.id, boxed.id, fine.id(), by_nurse.id()] {
        assert!(after.contains_key(&id), "an accepted record {id} is missing");
    }
    assert_eq!(after[&resident.id], before[&resident.id], "the resident is unchanged");
    let q = &after[&qualified.id].payload;
    assert_eq!(q["identity"]["traits"], before[&qualified.id].payload["identity"]["traits"]);
    assert_eq!(q["identity"]["used_name"], "Martin");
    assert_eq!(after.len(), before.len() + 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_refuses_what_a_hostile_tablet_tries() {
    hostile_tablet_is_refused(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_refuses_what_a_hostile_tablet_tries() {
    hostile_tablet_is_refused(true).await;
}

/// Fields no type knows, however large, ride on nothing: the hub keeps and
/// sends on a record as its type writes it (issue 29, item 9).
async fn unknown_fields_are_not_kept(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut evil = RawDevice::enrol(&hub, &[unit]).await;
    let honest = RawDevice::enrol(&hub, &[unit]).await;
    let cargo = "X".repeat(200 * 1024);

    // A fact with a field of its own.
    let fact = pulse(resident.id, 72.0, meta(hub.nurse.id, evil.id));
    let mut payload = serde_json::to_value(&fact).unwrap();
    payload["smuggled"] = json!(cargo);
    assert_eq!(evil.push(Entity::Fact, fact.id(), None, payload).await, OpOutcome::Applied { version: None });
    // The resident's file, with one at the top and one inside the identity.
    let before = honest.pull_all().await;
    let version = before[&resident.id].version.unwrap();
    let mut state = serde_json::to_value(Resident { room: "112".into(), ..resident.clone() }).unwrap();
    state["smuggled"] = json!(cargo);
    state["identity"]["smuggled"] = json!(cargo);
    let replaced = evil.push_document(Entity::Resident, resident.id, version, &state, Some(hub.nurse.id)).await;
    assert!(matches!(replaced, OpOutcome::Applied { .. }), "{replaced:?}");

    let after = honest.pull_all().await;
    assert_eq!(after[&fact.id()].payload, serde_json::to_value(&fact).unwrap(), "the fact as its type writes it");
    let kept = &after[&resident.id].payload;
    assert_eq!(kept["room"], "112", "the change itself applied");
    assert!(kept.get("smuggled").is_none() && kept["identity"].get("smuggled").is_none(), "{kept}");
    for table in ["facts", "documents", "document_versions", "changes"] {
        let payload = if table == "facts" || table == "changes" { "payload" } else { "state" };
        let held = hub.count(&format!("SELECT COUNT(*) FROM {table} WHERE CAST({payload} AS TEXT) LIKE '%smuggled%'"));
        assert_eq!(held, 0, "{table} holds the smuggled field");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_keeps_no_field_its_types_do_not_know() {
    unknown_fields_are_not_kept(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_keeps_no_field_its_types_do_not_know() {
    unknown_fields_are_not_kept(true).await;
}

/// A tablet gets the professionals of its units — not a group's staff
/// directory with every first-PIN verifier — by the log and by a snapshot;
/// one who moves away is no longer offered on it (issue 29, item 13).
async fn a_tablet_gets_the_staff_of_its_units_only(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let (a, b) = (hub.units[0], hub.units[1]);
    let (backend, tenant) = (hub.backend.clone(), hub.tenant);
    let (of_a, of_b, code_a) = tokio::task::spawn_blocking(move || {
        let admin = chevet_hub::Admin::new(&*backend);
        let of_a = admin.create_staff(tenant, "Aide de l'étage A", Role::CareAide, &[a]).unwrap();
        let of_b = admin.create_staff(tenant, "Aide de l'étage B", Role::CareAide, &[b]).unwrap();
        let code_a = admin.first_pin_code(tenant, of_a.id, 72).unwrap();
        admin.first_pin_code(tenant, of_b.id, 72).unwrap();
        (of_a, of_b, code_a)
    })
    .await
    .unwrap();
    let raw = RawDevice::enrol(&hub, &[a]).await;
    let seen = raw.pull_all().await;
    assert!(seen.contains_key(&of_a.id) && seen.contains_key(&hub.nurse.id), "its unit's, and the group's");
    assert!(!seen.contains_key(&of_b.id), "another unit's professional and her first-PIN verifier");
    assert!(!seen.contains_key(&b), "another unit");
    // After the log is compacted a new tablet's snapshot says the same.
    let backend = hub.backend.clone();
    tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).compact_log(0).unwrap()).await.unwrap();
    let seen = RawDevice::enrol(&hub, &[a]).await.pull_all().await;
    assert!(seen.contains_key(&of_a.id) && !seen.contains_key(&of_b.id) && !seen.contains_key(&b));

    // The aide of floor A moves to floor B: floor A's tablet hears of it and stops offering her.
    let mut tablet = chevet_e2e::Device::enrol(&hub, &hub.url(), &[a], "Chariot A").await;
    assert!(tablet.store.staff_accounts().unwrap().iter().any(|s| s.staff_id == of_a.id));
    let moved = Staff { units: vec![b], ..of_a.clone() };
    let (backend, m) = (hub.backend.clone(), moved.clone());
    tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).put_staff(tenant, &m).unwrap())
        .await
        .unwrap();
    tablet.sync().await.unwrap();
    assert!(!tablet.store.staff_accounts().unwrap().iter().any(|s| s.staff_id == of_a.id), "not offered any more");
    assert!(tablet.store.set_first_pin(of_a.id, &code_a, "2580").is_err(), "nor let in by her code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_tablet_gets_the_staff_of_its_units_only() {
    a_tablet_gets_the_staff_of_its_units_only(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_tablet_gets_the_staff_of_its_units_only() {
    a_tablet_gets_the_staff_of_its_units_only(true).await;
}

/// The other side of a conflict passes the rules of a push before it is
/// offered: a qualified identity with an invented matricule, sent as a
/// tablet's side of a conflict on the identity, is refused, not filed for a
/// coordinator's « keep the other tablet's value » (issue 29, item 4).
async fn a_conflict_side_passes_the_push_rules(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut honest = RawDevice::enrol(&hub, &[unit]).await;
    let mut evil = RawDevice::enrol(&hub, &[unit]).await;
    let before = honest.pull_all().await;
    let base = before[&resident.id].version.unwrap();
    // The honest tablet corrects the used name; the hostile one, from the same
    // version, makes the identity « qualified » with a matricule of its own.
    let mut corrected = resident.clone();
    corrected.identity.used_name = Some("Martin".into());
    assert!(matches!(
        honest.push_document(Entity::Resident, resident.id, base, &corrected, Some(hub.nurse.id)).await,
        OpOutcome::Applied { .. }
    ));
    let mut forged = resident.clone();
    forged.identity.matricule = Some(chevet_core::demo::matricule_with_key(2_360_569_123_045).unwrap());
    forged.identity.system = Some(InsSystem::NirDemo);
    forged.identity.status = IdentityStatus::Qualified;
    forged.identity.collection = CollectionMethod::Insi;
    let outcome = evil.push_document(Entity::Resident, resident.id, base, &forged, Some(hub.nurse.id)).await;
    assert!(matches!(outcome, OpOutcome::Rejected { .. }), "{outcome:?}");
    assert_eq!(hub.count("SELECT COUNT(*) FROM conflicts"), 0, "nothing offered to a coordinator");
    let kept = &honest.pull_all().await[&resident.id].payload;
    assert_eq!(kept["identity"]["status"], json!(IdentityStatus::Provisional));
    assert_eq!(kept["identity"]["used_name"], "Martin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_conflict_side_passes_the_push_rules() {
    a_conflict_side_passes_the_push_rules(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_conflict_side_passes_the_push_rules() {
    a_conflict_side_passes_the_push_rules(true).await;
}

/// A wound of one of `unit`'s residents and its photo, taken on an honest
/// tablet of the unit and synced: files and record on the hub.
async fn synced_wound_photo(hub: &TestHub, unit: Uuid) -> (Wound, Photo) {
    use chevet_core::demo::camera::{Shot, camera_jpeg};
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut nurse_tablet = chevet_e2e::Device::enrol(hub, &hub.url(), &[unit], "Tablette IDE").await;
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind: WoundKind::PressureInjury,
        site: "sacrum".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: date(2026, 11, 2),
        healed_on: None,
    };
    nurse_tablet.store.save_wound(&wound, None).unwrap();
    let jpeg = camera_jpeg(&Shot { width: 800, height: 600, orientation: 1, quality: 85, seed: 3, exif: false });
    let capture = chevet_core::store::PhotoCapture {
        resident_id: resident.id,
        wound_id: wound.id,
        assessment_id: None,
        body_site: "sacrum".into(),
        scale_marker: false,
        consent: PhotoConsent::Resident,
        taken_at: jiff::Timestamp::now(),
    };
    let photo = nurse_tablet.store.ingest_photo(capture, &jpeg).unwrap();
    nurse_tablet.sync().await.unwrap();
    (wound, photo)
}

/// Something to run in the hub's storage, as its administrator.
type InHub = dyn FnOnce(&mut dyn chevet_hub::backend::Tx) -> chevet_hub::error::HubResult<u64> + Send;

/// A tablet cannot fill the hub's disk with files no record names: they
/// count against its quota, and go after their grace period, while the
/// files records name stay (issue 29, item 7).
async fn files_no_record_names_are_bounded_and_swept(postgres: bool) {
    use chevet_hub::backend::{Backend, Scope};
    use chevet_hub::blobs::{MAX_PENDING_BYTES_PER_DEVICE, ORPHAN_GRACE_MS};
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    // An honest photo, named by its record.
    let (_, photo) = synced_wound_photo(&hub, unit).await;

    // A tablet uploads a file to the end and never names it.
    let filler = RawDevice::enrol(&hub, &[unit]).await;
    let data = vec![0x33; 100_000];
    let orphan = blake3::hash(&data).to_hex().to_string();
    let upload = filler.create_upload(data.len() as u64, &orphan).await.unwrap();
    assert_eq!(filler.append(&upload, 0, &data).await, 204);
    let (backend, tenant, device) = (hub.backend.clone(), hub.tenant, filler.id);
    let in_hub = async |f: Box<InHub>| {
        let backend = backend.clone();
        tokio::task::spawn_blocking(move || backend.transaction(Scope::Admin, f).unwrap()).await.unwrap()
    };
    assert_eq!(in_hub(Box::new(move |tx| tx.unclaimed_bytes(tenant, device))).await, 100_000, "counted against it");
    // Near its quota (as after many such files), a further upload is refused…
    let filled = "f".repeat(64);
    let near = MAX_PENDING_BYTES_PER_DEVICE - 150_000;
    in_hub(Box::new(move |tx| {
        tx.record_stored_blob(tenant, &filled, device, near, 0)?;
        Ok(0)
    }))
    .await;
    let more = blake3::hash(b"more").to_hex().to_string();
    let (status, _) = filler.create_upload(100_000, &more).await.unwrap_err();
    assert_eq!(status, 429, "the files it left unnamed count against its quota");
    // …while another tablet of the unit uploads as before.
    let honest = RawDevice::enrol(&hub, &[unit]).await;
    assert!(honest.create_upload(100_000, &more).await.is_ok());

    // A week and a day later the sweep takes the files no record names, and only them.
    let blobs = hub.blob_store();
    assert!(blobs.read(tenant, &orphan).await.is_ok());
    let later = jiff::Timestamp::now().as_millisecond() + ORPHAN_GRACE_MS + 86_400_000;
    let removed = chevet_hub::blobs::sweep_orphans(&hub.backend, &blobs, later).await.unwrap();
    assert_eq!(removed, 2, "the file it uploaded and the one counted for it");
    assert!(blobs.read(tenant, &orphan).await.is_err(), "gone");
    assert!(blobs.read(tenant, &photo.display.hash).await.is_ok(), "the photo's file stays");
    assert!(blobs.read(tenant, &photo.thumbnail.hash).await.is_ok());
    assert_eq!(in_hub(Box::new(move |tx| tx.unclaimed_bytes(tenant, device))).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_bounds_and_sweeps_files_no_record_names() {
    files_no_record_names_are_bounded_and_swept(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_bounds_and_sweeps_files_no_record_names() {
    files_no_record_names_are_bounded_and_swept(true).await;
}

/// Blobs from the hostile side: a photo's files are readable by the devices
/// of the resident's unit only; an upload is its device's alone; a device
/// cannot fill the hub's disk with uploads it never finishes.
async fn hostile_tablet_meets_the_blob_rules(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let (unit, other_unit) = (hub.units[0], hub.units[1]);
    // A real photo, taken and synced by an honest tablet of the unit.
    let (wound, photo) = synced_wound_photo(&hub, unit).await;
    let hash = photo.thumbnail.hash.clone();

    let colleague = RawDevice::enrol(&hub, &[unit]).await;
    let other_floor = RawDevice::enrol(&hub, &[other_unit]).await;
    let foreign_code = {
        let backend = hub.backend.clone();
        tokio::task::spawn_blocking(move || {
            let admin = chevet_hub::Admin::new(&*backend);
            let group = chevet_demo::group::create_group(&admin, 1).unwrap();
            admin.enrolment_code(group.tenant, &[group.units[0].id], 1).unwrap()
        })
        .await
        .unwrap()
    };
    let other_group = RawDevice::enrol_with_code(&hub, foreign_code).await;
    assert_eq!(colleague.get_blob(&hash).await, 200, "the unit's tablets read it");
    assert_eq!(other_floor.get_blob(&hash).await, 404, "another unit's tablet does not");
    assert_eq!(other_group.get_blob(&hash).await, 404, "nor another group's");
    // Naming the hash in a photo of its own floor's resident, with a key of
    // its own, opens nothing: the file is bound to the record that carries its key.
    let mut other_floor = other_floor;
    let theirs = hub.residents.iter().find(|r| r.unit_id == other_unit).unwrap().id;
    let their_wound = Wound { id: Uuid::now_v7(), resident_id: theirs, ..wound.clone() };
    let created = other_floor.push_document(Entity::Wound, their_wound.id, 0, &their_wound, Some(hub.nurse.id)).await;
    assert!(matches!(created, OpOutcome::Applied { .. }), "{created:?}");
    let claim = Photo {
        id: Uuid::now_v7(),
        resident_id: theirs,
        wound_id: their_wound.id,
        content_key: chevet_core::crypto::stream::BlobKey::from_bytes([7; 32]),
        meta: meta(hub.nurse.id, other_floor.id),
        ..photo.clone()
    };
    refused(&other_floor.push_fact(&Fact::Photo(Box::new(claim))).await, RejectCode::Forbidden, "another record");
    assert_eq!(other_floor.get_blob(&hash).await, 404, "still not theirs");

    // An upload in progress is its device's alone.
    let data = vec![0x5a; 10_000];
    let data_hash = blake3::hash(&data).to_hex().to_string();
    let mine = colleague.create_upload(data.len() as u64, &data_hash).await.unwrap();
    assert_eq!(colleague.append(&mine, 0, &data[..4_000]).await, 204);
    assert_eq!(other_floor.offset(&mine).await, 404);
    assert_eq!(other_floor.append(&mine, 4_000, &data[4_000..]).await, 404);
    let same_unit = RawDevice::enrol(&hub, &[unit]).await;
    assert_eq!(same_unit.offset(&mine).await, 404, "even a tablet of the same unit");
    assert_eq!(same_unit.append(&mine, 4_000, &data[4_000..]).await, 404);
    assert_eq!(colleague.append(&mine, 4_000, &data[4_000..]).await, 204, "untouched, it finishes");

    // A quota of uploads in progress per device; others are not held back.
    let junk = blake3::hash(b"junk").to_hex().to_string();
    for _ in 0..chevet_hub::blobs::MAX_UPLOADS_PER_DEVICE {
        other_floor.create_upload(1, &junk).await.unwrap();
    }
    let (status, body) = other_floor.create_upload(1, &junk).await.unwrap_err();
    assert_eq!(status, 429);
    let body: ErrorBody = serde_json::from_str(&body).unwrap();
    assert_eq!(body.code, ErrorCode::QuotaExceeded);
    assert!(same_unit.create_upload(1, &junk).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_keeps_blobs_to_their_unit_and_uploads_to_their_device() {
    hostile_tablet_meets_the_blob_rules(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_keeps_blobs_to_their_unit_and_uploads_to_their_device() {
    hostile_tablet_meets_the_blob_rules(true).await;
}

/// Back-dating gets no further than the tablet's own sequence (issue 29,
/// item 8). A record an honest tablet made offline before the nurse was
/// deactivated still reaches the hub at its next sync; a hostile tablet
/// served the deactivation cannot sign in her name any more, however far
/// back it dates the record, and the unit's tablets never see it.
async fn back_dating_stops_at_the_deactivation_served(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let nurse = hub.nurse.id;
    let mut honest = chevet_e2e::Device::enrol(&hub, &hub.url(), &[unit], "Chariot").await;
    honest.store.sign_in(nurse, chevet_core::demo::DEMO_PIN).unwrap();
    let offline = honest.store.record(chevet_e2e::temperature(resident, 37.2)).unwrap();
    let mut hostile = RawDevice::enrol(&hub, &[unit]).await;
    assert!(matches!(
        hostile.push_fact(&pulse(resident, 70.0, meta(nurse, hostile.id))).await,
        OpOutcome::Applied { .. }
    ));
    let backend = hub.backend.clone();
    let tenant = hub.tenant;
    tokio::task::spawn_blocking(move || {
        chevet_hub::Admin::new(&*backend).set_staff_active(tenant, nurse, false).unwrap()
    })
    .await
    .unwrap();

    let report = honest.sync().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (1, 0), "made before the tablet knew");
    hostile.pull_all().await;
    let long_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 300);
    let back_dated =
        pulse(resident, 71.0, RecordMeta { clinical_time: long_ago, recorded_at: long_ago, ..meta(nurse, hostile.id) });
    refused(&hostile.push_fact(&back_dated).await, RejectCode::Forbidden, "deactivated before this device made");
    honest.sync().await.unwrap();
    let facts = honest.fact_ids();
    assert!(facts.contains(&offline.id()) && !facts.contains(&back_dated.id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_back_dating_stops_at_the_deactivation_served() {
    back_dating_stops_at_the_deactivation_served(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_back_dating_stops_at_the_deactivation_served() {
    back_dating_stops_at_the_deactivation_served(true).await;
}

impl RawDevice {
    /// Pushes `ops` as one request: the status, and the answers when 200.
    async fn push_raw(&self, ops: Vec<Operation>) -> (u16, Option<String>, Vec<OpResult>) {
        let body = PushRequest { ops, device_time_ms: jiff::Timestamp::now().as_millisecond() };
        let resp = self
            .http
            .post(format!("{}/v1/sync/push", self.url))
            .bearer_auth(&self.credential)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let bytes = resp.bytes().await.unwrap();
        let results = if status == 200 {
            serde_json::from_slice::<PushResponse>(&bytes).unwrap().results
        } else {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body.code, ErrorCode::RateLimited, "{}", body.message);
            Vec::new()
        };
        (status, retry, results)
    }

    /// An operation no type accepts, numbered next.
    fn junk(&mut self, payload: Value) -> Operation {
        self.seq += 1;
        Operation {
            op_id: Uuid::now_v7(),
            device_seq: self.seq,
            entity: Entity::Fact,
            entity_id: Uuid::now_v7(),
            base_version: None,
            hlc: 0,
            clinical_time_ms: jiff::Timestamp::now().as_millisecond(),
            payload,
        }
    }
}

/// A tablet cannot send without end (issue 29): past its day's budget of
/// operations (and of access-log entries) it is answered 429 with
/// Retry-After before anything is stored, while another tablet goes on; the
/// refused operations kept for review stop at their bound and a huge one is
/// kept without its payload; an address trying enrolment codes is held back.
async fn a_tablet_sending_without_end_is_bounded(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    let mut flooder = RawDevice::enrol(&hub, &[unit]).await;
    let batches = chevet_hub::budgets::OPS_PER_DAY as usize / MAX_PUSH_OPS;
    for _ in 0..batches {
        let ops = (0..MAX_PUSH_OPS).map(|i| flooder.junk(json!({ "junk": i }))).collect();
        let (status, _, results) = flooder.push_raw(ops).await;
        assert_eq!(status, 200);
        assert!(matches!(results[0].outcome, OpOutcome::Rejected { code: RejectCode::Malformed, .. }));
    }
    let quarantined = hub.count("SELECT COUNT(*) FROM quarantine");
    assert_eq!(quarantined, chevet_hub::sync::QUARANTINE_MAX_PER_DEVICE, "the quarantine stops at its bound");
    let answered = hub.count("SELECT COUNT(*) FROM ops");
    // A full batch more (the budget refills by one every 4.3 s: not that fast).
    let next = (0..MAX_PUSH_OPS).map(|i| flooder.junk(json!({ "more": i }))).collect();
    let (status, retry, _) = flooder.push_raw(next).await;
    assert_eq!(status, 429);
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(hub.count("SELECT COUNT(*) FROM ops"), answered, "nothing stored past the budget");

    // Another tablet has its own budget; its huge refusal is kept without its payload.
    let mut other = RawDevice::enrol(&hub, &[unit]).await;
    let huge = other.junk(json!({ "filler": "x".repeat(200_000) }));
    let (status, _, results) = other.push_raw(vec![huge]).await;
    assert_eq!(status, 200);
    assert!(matches!(results[0].outcome, OpOutcome::Rejected { .. }));
    assert_eq!(hub.count("SELECT COUNT(*) FROM quarantine"), quarantined + 1);
    let kept_bytes = if postgres {
        hub.count("SELECT MAX(length(op::text)) FROM quarantine")
    } else {
        hub.count("SELECT MAX(length(op)) FROM quarantine")
    };
    assert!(kept_bytes < 2_000, "kept without its payload: {kept_bytes} bytes");

    // The access log has a day's budget too.
    let entry = |seq: i64| AuditRecord {
        seq,
        at_ms: jiff::Timestamp::now().as_millisecond(),
        actor: None,
        action: AuditAction::OpenFile,
        entity: "resident".into(),
        entity_id: Uuid::now_v7(),
        link: "00".repeat(32),
    };
    let send_audit = |entries: Vec<AuditRecord>| {
        let (http, url, credential) = (other.http.clone(), other.url.clone(), other.credential.clone());
        async move {
            http.post(format!("{url}/v1/sync/audit"))
                .bearer_auth(credential)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&AuditPushRequest { entries, altered_from: None }).unwrap())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let per_request = chevet_protocol::audit::MAX_AUDIT_ENTRIES;
    for b in 0..(chevet_hub::budgets::AUDIT_PER_DAY as usize / per_request) {
        let start = (b * per_request) as i64 + 1;
        let status = send_audit((start..start + per_request as i64).map(entry).collect()).await;
        assert_ne!(status, 429, "within the budget (batch {b})");
    }
    assert_eq!(send_audit((1..=per_request as i64).map(entry).collect()).await, 429);

    // One address trying enrolment codes: ten, then held back; another address enrols.
    let from = chevet_e2e::own_loopback_address();
    let http = reqwest::Client::builder().local_address(from).build().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let req = EnrolRequest { code: "0".repeat(20), device_id: Uuid::now_v7(), label: "devine".into() };
        let resp = http
            .post(format!("{}/v1/enrol", hub.url()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&req).unwrap())
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses[..10], [403; 10]);
    assert_eq!(statuses[10..], [429, 429]);
    RawDevice::enrol(&hub, &[unit]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_tablet_sending_without_end_is_bounded() {
    a_tablet_sending_without_end_is_bounded(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_tablet_sending_without_end_is_bounded() {
    a_tablet_sending_without_end_is_bounded(true).await;
}

/// A tablet knows the authors of the records it holds (issue 29, item 13):
/// a new tablet of floor A whose snapshot holds what an aide wrote there
/// before she moved to floor B gets her record — her name and role for the
/// file and the exports — without her first-PIN code, and never offers her.
async fn a_tablet_knows_the_authors_of_what_it_holds(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let (a, b) = (hub.units[0], hub.units[1]);
    let resident = hub.residents.iter().find(|r| r.unit_id == a).unwrap().id;
    let (backend, tenant) = (hub.backend.clone(), hub.tenant);
    let aide = tokio::task::spawn_blocking(move || {
        chevet_hub::Admin::new(&*backend).create_staff(tenant, "Aide partie à l'étage B", Role::CareAide, &[a]).unwrap()
    })
    .await
    .unwrap();
    let mut writer = RawDevice::enrol(&hub, &[a]).await;
    let fact = pulse(resident, 72.0, meta(aide.id, writer.id));
    assert!(matches!(writer.push_fact(&fact).await, OpOutcome::Applied { .. }));
    let (backend, moved) = (hub.backend.clone(), Staff { units: vec![b], ..aide.clone() });
    let code = tokio::task::spawn_blocking(move || {
        let admin = chevet_hub::Admin::new(&*backend);
        admin.put_staff(tenant, &moved).unwrap();
        let code = admin.first_pin_code(tenant, moved.id, 72).unwrap();
        admin.compact_log(0).unwrap();
        code
    })
    .await
    .unwrap();

    // A new tablet of floor A: a snapshot.
    let seen = RawDevice::enrol(&hub, &[a]).await.pull_all().await;
    assert!(seen.contains_key(&fact.id()));
    let record = &seen.get(&aide.id).expect("the author of a record it holds").payload;
    assert_eq!(record["display_name"], "Aide partie à l'étage B");
    assert!(record["first_pin_code"].is_null(), "without her first-PIN code: {record}");
    let tablet = chevet_e2e::Device::enrol(&hub, &hub.url(), &[a], "Chariot A").await;
    assert_eq!(tablet.store.staff(aide.id).unwrap().display_name, "Aide partie à l'étage B");
    assert!(!tablet.store.staff_accounts().unwrap().iter().any(|s| s.staff_id == aide.id), "not offered");
    assert!(tablet.store.set_first_pin(aide.id, &code, "2580").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_tablet_knows_the_authors_of_what_it_holds() {
    a_tablet_knows_the_authors_of_what_it_holds(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_tablet_knows_the_authors_of_what_it_holds() {
    a_tablet_knows_the_authors_of_what_it_holds(true).await;
}
