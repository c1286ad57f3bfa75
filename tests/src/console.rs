//! Set-ups for the console's tests: an account, and conflicts made by real
//! tablets (the same room edited on two; a care-plan act renamed on both).

use chevet_core::domain::{ActKind, PlannedAct, Recurrence, ResidentChanges, Schedule};
use chevet_hub::console::accounts::ConsoleRole;
use uuid::Uuid;

use crate::{Device, TestHub};

/// The password of every account the tests create.
pub const PASSWORD: &str = "un mot de passe assez long";

/// A console account, named « Claire Coordination »: its one-time
/// activation code (for the first sign-in's second factor).
pub async fn create_account(hub: &TestHub, login: &str, role: ConsoleRole) -> String {
    let (backend, tenant, login) = (hub.backend.clone(), hub.tenant, login.to_owned());
    tokio::task::spawn_blocking(move || {
        chevet_hub::Admin::new(&*backend).create_console_account(tenant, &login, "Claire Coordination", role, PASSWORD)
    })
    .await
    .unwrap()
    .unwrap()
    .1
}

/// The establishment a unit belongs to.
pub async fn establishment_of(hub: &TestHub, unit: Uuid) -> Uuid {
    let (backend, tenant) = (hub.backend.clone(), hub.tenant);
    tokio::task::spawn_blocking(move || {
        chevet_hub::backend::Backend::transaction(&*backend, chevet_hub::backend::Scope::Admin, |tx| {
            tx.document(tenant, unit)
        })
        .unwrap()
        .unwrap()
        .state["establishment_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    })
    .await
    .unwrap()
}

/// Two tablets of the first unit edit the same resident's room (201, 202)
/// before syncing: a conflict. Returns the tablets and the resident.
pub async fn room_conflict(hub: &TestHub) -> (Device, Device, Uuid) {
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let mut a = Device::enrol(hub, &hub.url(), &[unit], "Tablette chariot A").await;
    let mut b = Device::enrol(hub, &hub.url(), &[unit], "Tablette chariot B").await;
    for (d, room) in [(&a, "201"), (&b, "202")] {
        let (_, v) = d.store.resident(resident).unwrap();
        d.store
            .update_resident(resident, v, &ResidentChanges { room: Some(room.into()), ..Default::default() })
            .unwrap();
    }
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    (a, b, resident)
}

/// A care-plan act both tablets change: the first renames it « …droit »,
/// the second « …gauche » and moves it to 10:00 — a proposal. Returns the
/// act as first planned and the second tablet's version.
pub async fn care_plan_proposal(a: &mut Device, b: &mut Device, resident: Uuid) -> (PlannedAct, PlannedAct) {
    let act = PlannedAct {
        id: Uuid::now_v7(),
        resident_id: resident,
        kind: ActKind::WoundDressing,
        label: "Pansement talon".into(),
        schedule: Schedule {
            times: vec![jiff::civil::time(9, 0, 0, 0)],
            recurrence: Recurrence::Daily,
            start: jiff::civil::date(2026, 1, 5),
            end: None,
        },
        medication: None,
        active: true,
    };
    a.store.create_planned_act(&act).unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let ten = Schedule { times: vec![jiff::civil::time(10, 0, 0, 0)], ..act.schedule.clone() };
    let right = PlannedAct { label: "Pansement talon droit".into(), ..act.clone() };
    let left = PlannedAct { label: "Pansement talon gauche".into(), schedule: ten, ..act.clone() };
    for (d, changed) in [(&*a, &right), (&*b, &left)] {
        let (_, v) = d.store.care_plan(resident).unwrap().into_iter().find(|(p, _)| p.id == act.id).unwrap();
        d.store.update_planned_act(changed, v).unwrap();
    }
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    (act, left)
}
