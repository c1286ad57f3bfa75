//! `hub/openapi.json` describes the API the code serves: the same routes,
//! and schemas whose properties, required fields and enums match what the
//! protocol types serialize to.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chevet_hub::SqliteBackend;
use chevet_hub::api::{AppState, router, served_routes};
use chevet_protocol::*;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

fn spec() -> Value {
    serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json is JSON")
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// Every field a value serializes to is declared, and every required one is present.
fn conforms(spec: &Value, name: &str, value: &impl serde::Serialize) {
    let v = serde_json::to_value(value).unwrap();
    let s = schema(spec, name);
    let declared = keys(&s["properties"]);
    let present = keys(&v);
    assert!(
        present.is_subset(&declared),
        "{name}: undeclared fields {:?}",
        present.difference(&declared).collect::<Vec<_>>()
    );
    let required = strings(&s["required"]);
    assert!(
        required.is_subset(&present),
        "{name}: required but missing {:?}",
        required.difference(&present).collect::<Vec<_>>()
    );
}

#[test]
fn schemas_match_the_protocol_types() {
    let spec = spec();
    let id = Uuid::now_v7();
    conforms(&spec, "EnrolRequest", &EnrolRequest { code: "c".into(), device_id: id, label: "l".into() });
    conforms(
        &spec,
        "EnrolResponse",
        &EnrolResponse { device_id: id, credential: "x".into(), tenant_id: id, units: vec![id] },
    );
    let op = Operation {
        op_id: id,
        device_seq: 1,
        entity: Entity::Fact,
        entity_id: id,
        base_version: None,
        hlc: 1,
        clinical_time_ms: 0,
        payload: json!({}),
    };
    conforms(&spec, "Operation", &op);
    conforms(&spec, "PushRequest", &PushRequest { ops: vec![op], device_time_ms: 0 });
    for outcome in [
        OpOutcome::Applied { version: Some(2) },
        OpOutcome::Conflict { version: 3, conflicts: vec!["room".into()], proposal: false },
        OpOutcome::Rejected { code: RejectCode::OutOfScope, reason: "r".into() },
    ] {
        let r = OpResult { op_id: id, duplicate: false, outcome };
        conforms(&spec, "OpResult", &r);
        let v = serde_json::to_value(&r).unwrap();
        assert!(
            strings(&schema(&spec, "OpResult")["properties"]["outcome"]["enum"])
                .contains(v["outcome"].as_str().unwrap())
        );
    }
    conforms(&spec, "PushResponse", &PushResponse { results: vec![], hub_time_ms: 0 });
    let change =
        Change { entity: Entity::Resident, entity_id: id, version: Some(1), origin_device: None, payload: json!({}) };
    conforms(&spec, "Change", &change);
    conforms(&spec, "PullResponse", &PullResponse { changes: vec![change], cursor: "c1.0".into(), more: false });
    conforms(&spec, "ErrorBody", &ErrorBody { code: ErrorCode::BadRequest, message: "m".into() });

    let names =
        |vals: Vec<Value>| -> BTreeSet<String> { vals.into_iter().map(|v| v.as_str().unwrap().to_owned()).collect() };
    let entities = [
        Entity::Fact,
        Entity::Resident,
        Entity::PlannedAct,
        Entity::Wound,
        Entity::Route,
        Entity::Establishment,
        Entity::Unit,
        Entity::Staff,
    ];
    assert_eq!(
        names(entities.iter().map(|e| serde_json::to_value(e).unwrap()).collect()),
        strings(&schema(&spec, "Entity")["enum"])
    );
    assert_eq!(
        names(ErrorCode::ALL.iter().map(|c| serde_json::to_value(c).unwrap()).collect()),
        strings(&schema(&spec, "ErrorBody")["properties"]["code"]["enum"])
    );
    assert_eq!(
        names(RejectCode::ALL.iter().map(|c| serde_json::to_value(c).unwrap()).collect()),
        strings(&schema(&spec, "OpResult")["properties"]["code"]["enum"])
    );
    assert_eq!(schema(&spec, "PushRequest")["properties"]["ops"]["maxItems"], MAX_PUSH_OPS);

    let record = AuditRecord {
        seq: 1,
        at_ms: 0,
        actor: Some(id),
        action: AuditAction::OpenFile,
        entity: "resident".into(),
        entity_id: id,
        link: "0".repeat(64),
    };
    conforms(&spec, "AuditRecord", &record);
    conforms(&spec, "AuditPushRequest", &AuditPushRequest { entries: vec![record], altered_from: Some(1) });
    conforms(&spec, "AuditPushResponse", &AuditPushResponse { head_seq: 1 });
    assert_eq!(
        names(AuditAction::ALL.iter().map(|a| serde_json::to_value(a).unwrap()).collect()),
        strings(&schema(&spec, "AuditRecord")["properties"]["action"]["enum"])
    );
    assert_eq!(
        schema(&spec, "AuditPushRequest")["properties"]["entries"]["maxItems"],
        chevet_protocol::audit::MAX_AUDIT_ENTRIES
    );
}

#[tokio::test]
async fn the_spec_lists_exactly_the_routes_the_hub_serves() {
    let spec = spec();
    let mut documented = BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys().filter(|k| *k != "parameters") {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let served: BTreeSet<(String, String)> =
        served_routes().into_iter().map(|(m, p)| (m.as_str().to_owned(), p.to_owned())).collect();
    assert_eq!(documented, served, "openapi.json and the router's table differ");

    let dir = tempfile::tempdir().unwrap();
    let backend = SqliteBackend::open(&dir.path().join("hub.db")).unwrap();
    let blobs = chevet_hub::blobs::BlobStore::open(&dir.path().join("blobs")).unwrap();
    let app = router(Arc::new(AppState::new(backend, blobs)), std::time::Duration::from_secs(5));
    let status = |method: &str, path: &str| {
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path.replace("{id}", &Uuid::nil().to_string()).replace("{hash}", &"0".repeat(64)))
            .body(Body::empty())
            .unwrap();
        let app = app.clone();
        async move { app.oneshot(req).await.unwrap().status() }
    };
    // The router answers every documented method and refuses every other
    // one on a documented path: nothing is served that the spec leaves out.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            let got = status(method, path).await;
            let listed = documented.contains(&(method.to_owned(), path.clone()))
                // axum answers HEAD wherever it answers GET.
                || (method == "HEAD" && documented.contains(&("GET".to_owned(), path.clone())));
            if listed {
                assert!(
                    got != StatusCode::NOT_FOUND && got != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but gave {got}"
                );
            } else {
                assert_eq!(got, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is served but not documented");
            }
        }
    }
    let req = Request::builder().uri("/v1/not-a-route").body(Body::empty()).unwrap();
    assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::NOT_FOUND);
}
