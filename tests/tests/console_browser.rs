//! The console in a real browser: Debian's Chromium, headless, driven by
//! playwright-core (`tests/browser/console.mjs`), against a hub on SQLite
//! and on PostgreSQL. The browser signs in with a TOTP code enrolled from
//! the QR page, resolves the room two tablets disagreed on and approves a
//! care-plan proposal, imports residents from a CSV with a wrong line, reads
//! the access log of a resident whose file a tablet opened (and downloads
//! it), enrols
//! a tablet and revokes another; then the revoked
//! one is refused, the new one enrols with the code, and the others hold the
//! chosen values.
//! Needs `chromium` and `npm ci` in tests/browser (scripts/test-all does both);
//! `CHEVET_CONSOLE_SHOTS=DIR` keeps the pages' screenshots.

use chevet_e2e::TestHub;
use chevet_e2e::console::{PASSWORD, care_plan_proposal, create_account, room_conflict};
use chevet_hub::console::accounts::ConsoleRole;

async fn in_a_browser(postgres: bool) {
    let hub = TestHub::start_on(3, postgres).await;
    let activation = create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let (mut a, mut b, resident) = room_conflict(&hub).await;
    let (act, proposed) = care_plan_proposal(&mut a, &mut b, resident).await;
    // A tablet opens a resident's file: the browser reads it in the access log.
    let opened = hub.residents.iter().find(|r| r.unit_id == hub.units[0] && r.id != resident).unwrap().clone();
    b.store.open_resident_file(opened.id, 5).unwrap();
    let reader = b.store.session().unwrap().display_name;
    b.sync().await.unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/console.mjs");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(script)
        // "localhost": a secure context for Chromium over plain HTTP, so it
        // keeps the console's Secure cookie (as over TLS in production).
        .env("HUB_URL", hub.url().replace("127.0.0.1", "localhost"))
        .env("LOGIN", "idec@tilleuls.fr")
        .env("PASSWORD", PASSWORD)
        .env("ACTIVATION", &activation)
        .env("NEW_ROOM", "305")
        .env("REVOKE", "Tablette chariot A")
        .env("ACCESS_RESIDENT", opened.identity.display_name())
        .env("ACCESS_READER", &reader)
        .env("ACCESS_TABLET", "Tablette chariot B")
        .env(
            "CSV",
            "birth_name;given_names;sex;birth_date;birth_place_insee;room\n\
             Lefèvre;Odette Marie;F;1937-05-14;69123;110\n\
             Girard;Paul;X;1941-01-02;69123;111\n",
        );
    if let Ok(dir) = std::env::var("CHEVET_CONSOLE_SHOTS") {
        cmd.env("SHOTS", dir);
    }
    let out = cmd.output().await.expect("node (Node.js) must be on PATH");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser run failed: {stdout}\n{}\n(needs Debian's chromium and `npm ci` in tests/browser)",
        String::from_utf8_lossy(&out.stderr)
    );

    // The lost tablet is refused; the new one enrols with the code the browser got.
    assert!(matches!(a.sync().await, Err(chevet_core::CoreError::DeviceRevoked)));
    assert!(a.fact_ids().is_empty(), "the revoked tablet erased its records");
    assert!(a.store.search_residents("").unwrap_or_default().is_empty(), "and its residents");
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let code = result["code"].as_str().expect("the enrolment code");
    let mut c = chevet_e2e::Device::enrol_with_code(&hub.url(), None, code, "Tablette de nuit").await.unwrap();
    c.sync().await.unwrap();
    b.sync().await.unwrap();
    assert_eq!(b.store.search_residents("lefèvre").unwrap().len(), 1, "the imported resident");
    assert!(b.store.search_residents("girard").unwrap().is_empty(), "not the wrong line");
    c.store.provision_staff_with_pin(&hub.nurse, chevet_core::demo::DEMO_PIN).unwrap();
    c.store.sign_in(hub.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    b.store.sign_in(hub.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    for d in [&mut b, &mut c] {
        d.sync().await.unwrap();
        assert_eq!(d.store.resident(resident).unwrap().0.room, "305");
        let (now, _) = d.store.care_plan(resident).unwrap().into_iter().find(|(p, _)| p.id == act.id).unwrap();
        assert_eq!(now, proposed);
        // On the round: the approved act, at its new time, under its new name.
        let today = jiff::Timestamp::now().in_tz("Europe/Paris").unwrap().start_of_day().unwrap().timestamp();
        let round = d.store.round_view(hub.units[0], today, today + jiff::SignedDuration::from_hours(24)).unwrap();
        let items: Vec<_> = round
            .residents
            .iter()
            .filter(|r| r.resident_id == resident)
            .flat_map(|r| r.items.iter())
            .filter(|i| i.planned_act_id == act.id)
            // Today's: the days before it nobody recorded are « non tracés » (the plan began in January).
            .filter(|i| i.due_at >= today)
            .collect();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].label, "Pansement talon gauche");
        let due = items[0].due_at.in_tz("Europe/Paris").unwrap();
        assert_eq!((due.hour(), due.minute()), (10, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_console_in_chromium() {
    in_a_browser(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_console_in_chromium() {
    in_a_browser(true).await;
}
