//! Writes the fuzz targets' seed inputs (`fuzz/corpus/TARGET/seed-*`) from
//! real traffic and real records: a hub and two tablets syncing (push
//! bodies, pull answers, enrolment), a demo EHPAD's records (exports), a
//! medicine box scan, sealed envelopes and photo files. Ids that must be
//! the fuzz target's own become placeholders (`"@unit"`, `"@resident"`…).
//! Run again when the formats change: `cargo run -p chevet-e2e --bin chevet-fuzz-seeds`.

use std::path::{Path, PathBuf};

use chevet_core::crypto::{DataKey, Envelope, KekVault, KeySet, RecordBinding};
use chevet_core::domain::gs1::GS;
use chevet_core::domain::{
    Consciousness, EmergencyTransfer, NpiapStage, PersonalItem, RecordMeta, ResidentChanges, Wound, WoundKind,
};
use chevet_core::views::TimelineEntry;
use chevet_core::{Store, StoreOptions};
use chevet_e2e::{Device, TestHub, temperature};
use chevet_protocol::{EnrolRequest, EnrolmentLink, ErrorBody, ErrorCode, PushRequest};
use serde_json::json;
use uuid::Uuid;

fn write(corpus: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus.join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// The JSON with each `(id, placeholder)` swapped.
fn placeheld(json: &str, ids: &[(Uuid, &str)]) -> String {
    ids.iter().fold(json.to_owned(), |text, (id, placeholder)| text.replace(&format!("\"{id}\""), placeholder))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let corpus: PathBuf = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus"), PathBuf::from);

    // Real traffic: a tablet records care and a document change; the push
    // bodies and the other tablet's pull answer are the protocol's seeds.
    let hub = TestHub::start(2).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut a = Device::enrol(&hub, &hub.url(), &[unit], "Tablette A").await;
    let mut b = Device::enrol(&hub, &hub.url(), &[unit], "Tablette B").await;
    let ids = [
        (unit, "\"@unit\""),
        (resident.id, "\"@resident\""),
        (hub.nurse.id, "\"@staff\""),
        (hub.care_aide.id, "\"@aide\""),
        (a.store.device_id(), "\"@device\""),
    ];
    a.store.record_batch((0..3).map(|i| temperature(resident.id, 37.0 + f64::from(i) / 10.0)).collect()).unwrap();
    let (_, version) = a.store.resident(resident.id).unwrap();
    a.store
        .update_resident(resident.id, version, &ResidentChanges { room: Some("204".into()), ..Default::default() })
        .unwrap();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind: WoundKind::PressureInjury,
        site: "sacrum".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: "2026-11-20".parse().unwrap(),
        healed_on: None,
    };
    a.store.save_wound(&wound, None).unwrap();
    let ops = a.store.outbox_batch(100, chevet_protocol::MAX_PUSH_BYTES).unwrap();
    let push = serde_json::to_string(&PushRequest { ops: ops.clone(), device_time_ms: 1_796_000_000_000 }).unwrap();
    write(&corpus, "protocol_decode", "push", push.as_bytes());
    for (i, op) in ops.iter().enumerate() {
        let one =
            serde_json::to_string(&PushRequest { ops: vec![op.clone()], device_time_ms: 1_796_000_000_000 }).unwrap();
        let mut seed = vec![0u8];
        seed.extend_from_slice(placeheld(&one, &ids).as_bytes());
        write(&corpus, "hub_handlers", &format!("push-{i}"), &seed);
        write(&corpus, "protocol_decode", &format!("operation-{i}"), serde_json::to_string(op).unwrap().as_bytes());
    }
    let answer = a.client.push(&PushRequest { ops, device_time_ms: 1_796_000_000_000 }).await.unwrap();
    write(&corpus, "protocol_decode", "push-response", serde_json::to_string(&answer).unwrap().as_bytes());
    a.sync().await.unwrap();
    let pull = b.client.pull("", 500).await.unwrap();
    let pull_json = serde_json::to_string(&pull).unwrap();
    write(&corpus, "protocol_decode", "pull", pull_json.as_bytes());
    write(&corpus, "pulled_changes", "pull", placeheld(&pull_json, &ids).as_bytes());
    for (i, change) in pull.changes.iter().enumerate().take(12) {
        let one = json!({ "changes": [change], "cursor": pull.cursor, "more": false }).to_string();
        write(&corpus, "pulled_changes", &format!("change-{i}"), placeheld(&one, &ids).as_bytes());
    }
    b.sync().await.unwrap();
    let enrol = EnrolRequest { code: "3F9A-K2M7-XQ4D".into(), device_id: Uuid::now_v7(), label: "Tablette".into() };
    let enrol = serde_json::to_string(&enrol).unwrap();
    write(&corpus, "protocol_decode", "enrol", enrol.as_bytes());
    write(&corpus, "hub_handlers", "enrol", &[&[2u8][..], enrol.as_bytes()].concat());
    let error = ErrorBody { code: ErrorCode::BadRequest, message: "invalid JSON".into() };
    write(&corpus, "protocol_decode", "error", serde_json::to_string(&error).unwrap().as_bytes());
    let link =
        EnrolmentLink { hub_url: "https://hub.ehpad.example:8787".into(), code: "3F9A-K2M7-XQ4D".into(), ca_der: None };
    write(&corpus, "protocol_decode", "link", link.to_uri().as_bytes());
    write(&corpus, "hub_handlers", "pull", b"\x01cursor=&limit=50");
    let hash = blake3::hash(b"0123456789").to_hex().to_string();
    let metadata = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&hash)
    };
    write(
        &corpus,
        "hub_handlers",
        "tus-create",
        format!("\x03upload-length: 10\nupload-metadata: blake3 {metadata}").as_bytes(),
    );
    write(&corpus, "hub_handlers", "tus-patch", b"\x04\x000123456789");
    write(&corpus, "hub_handlers", "blob-get", format!("\x07{hash}").as_bytes());

    // Records for the exports: a demo EHPAD's resident with two weeks of
    // care, a wound and an emergency transfer.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("demo.db"), &KekVault::new([5; 32]), StoreOptions::default()).unwrap();
    let demo = chevet_core::demo::seed(&store, 1, 2, 14).unwrap();
    let r = &demo.residents[0];
    let care_plan: Vec<_> = store.care_plan(r.id).unwrap().into_iter().map(|(p, _)| p).collect();
    let facts: Vec<_> = store
        .timeline(r.id, None, 60)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            TimelineEntry::Fact { fact, .. } => Some(fact),
            TimelineEntry::Unreadable(_) => None,
        })
        .collect();
    let transfer = EmergencyTransfer {
        id: Uuid::now_v7(),
        resident_id: r.id,
        reason: "Chute avec douleur de hanche".into(),
        destination: Some("SAU Hôpital Édouard-Herriot".into()),
        consciousness: Consciousness::AwakeAndAlert,
        recent_pain: true,
        pain_score: Some(6),
        last_meal_at: "2026-12-05T12:00:00Z".parse().unwrap(),
        items: vec![PersonalItem::Glasses, PersonalItem::Other("Canne".into())],
        comment: Some("Famille prévenue <fille>".into()),
        meta: RecordMeta::at("2026-12-05T14:00:00Z".parse().unwrap()),
    };
    let records = json!({
        "resident": r,
        "establishment": demo.establishment,
        "staff": [demo.nurse, demo.care_aide],
        "transfer": transfer,
        "treatments": care_plan.iter().filter_map(|p| p.medication.clone()).collect::<Vec<_>>(),
        "care_plan": care_plan,
        "wounds": [Wound { resident_id: r.id, ..wound }],
        "facts": facts,
    });
    write(&corpus, "exports", "resident", serde_json::to_string_pretty(&records).unwrap().as_bytes());

    // A medicine box (Doliprane 1000 mg), as scanners send it.
    for (i, scan) in [
        format!("]d2010340093595583817271130108XK2P9QW1{GS}21A1B2C3"),
        format!("0103400935955838{GS}1727113010AB12C{GS}21SERIAL"),
        "3400935955838".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        write(&corpus, "gs1_parse", &format!("box-{i}"), scan.as_bytes());
    }

    // Envelopes and photo files: a genuine one, the fuzz target's own key.
    let keys = KeySet::derive(&DataKey::from_bytes(&[9; 32]).unwrap());
    let envelope = Envelope::new(1, &keys);
    let binding = RecordBinding { table: "facts", id: Uuid::from_u128(7), version: 3 };
    write(&corpus, "envelope_open", "sealed", &envelope.seal(&binding, b"{\"note\":\"x\"}").unwrap());
    let key = chevet_core::crypto::stream::BlobKey::from_bytes([7; 32]);
    let blob_binding = chevet_core::crypto::stream::BlobBinding { photo_id: Uuid::nil(), role: 1 };
    let sealed = chevet_core::crypto::stream::seal(&key, &blob_binding, &vec![0xA5; 100_000]).unwrap();
    write(&corpus, "blob_open", "photo", &sealed);
    println!("seeds written to {}", corpus.display());
}
