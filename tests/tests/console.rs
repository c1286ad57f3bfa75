//! The coordinator's console over HTTP, on SQLite and PostgreSQL: signing
//! in with a password and a TOTP code (enrolled by QR at first), a conflict
//! made by two real tablets resolved in words and converged on both, a
//! care-plan proposal approved — and the hostile side: no page without a
//! session, no POST without its CSRF token, brute force locked out, another
//! establishment's conflict out of reach by URL, the security headers.

use chevet_core::domain::{Establishment, EstablishmentKind, Unit};
use chevet_e2e::TestHub;
use chevet_e2e::console::{PASSWORD, care_plan_proposal, create_account, establishment_of, room_conflict};
use chevet_hub::console::accounts::ConsoleRole;
use chevet_hub::console::totp;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use uuid::Uuid;

/// A browser without JavaScript: follows nothing by itself, keeps the
/// console's cookie.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The CSRF token of the page's forms.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a form with its CSRF token") + 19;
        self.body[at..at + 64].to_owned()
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Browser {
    fn new(hub: &TestHub) -> Browser {
        chevet_e2e::install_tls_provider();
        Browser { http: Self::client(), base: hub.url(), cookie: None }
    }

    /// Each browser on a machine (an address) of its own, as people are.
    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(chevet_e2e::own_loopback_address())
            .build()
            .unwrap()
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("chevet_console={c}")),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("Secure") && c.contains("SameSite=Strict"),
                "cookie attributes: {c}"
            );
            let value = c.split(';').next().unwrap().trim_start_matches("chevet_console=");
            self.cookie = (!value.is_empty()).then(|| value.to_owned());
        }
        Page { status, headers, body: resp.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(fields));
        self.send(req).await
    }

    /// Signs in for the first time: the password, the administrator's
    /// activation code, then the second factor enrolled from the page (as a
    /// phone would from the QR code); returns the TOTP secret.
    async fn sign_in(&mut self, login: &str, activation: &str) -> Vec<u8> {
        let page = self.get("/console/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let page =
            self.post("/console/login", &[("csrf", &page.csrf()), ("login", login), ("password", PASSWORD)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location(), "/console/totp/activate");
        let form = self.get("/console/totp/activate").await;
        assert!(!form.body.contains("<svg"), "no authenticator secret before the activation code");
        let page = self.post("/console/totp/activate", &[("csrf", &form.csrf()), ("activation", activation)]).await;
        assert_eq!(page.location(), "/console/totp/enrol", "{}", page.body);
        let enrol = self.get("/console/totp/enrol").await;
        assert!(enrol.body.contains("<svg"), "the QR code is on the page");
        let at = enrol.body.find("<code>").unwrap() + 6;
        let end = enrol.body[at..].find("</code>").unwrap();
        let secret = totp::from_base32(&enrol.body[at..at + end]).unwrap();
        let code = current_code(&secret);
        let page = self.post("/console/totp/enrol", &[("csrf", &enrol.csrf()), ("code", &code)]).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/console/"), "{}", page.body);
        secret
    }
}

fn current_code(secret: &[u8]) -> String {
    let step = jiff::Timestamp::now().as_second() / totp::STEP_SECONDS;
    format!("{:06}", totp::code(secret, step as u64, 6))
}

/// A code the account has not used yet (each step's code works once):
/// the next step's, which the hub accepts as clocks drift.
fn fresh_code(secret: &[u8]) -> String {
    let step = jiff::Timestamp::now().as_second() / totp::STEP_SECONDS;
    format!("{:06}", totp::code(secret, step as u64 + 1, 6))
}

async fn console_scenario(postgres: bool) {
    let mut hub = TestHub::start_on(3, postgres).await;
    let activation = create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let (mut a, mut b, resident) = room_conflict(&hub).await;

    // Signing in: password, the activation code, then the second factor enrolled from the page.
    let mut browser = Browser::new(&hub);
    let secret = browser.sign_in("idec@tilleuls.fr", &activation).await;
    let home = browser.get("/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Claire Coordination") && home.body.contains("1</strong> conflit"), "{}", home.body);

    // The conflict in words: the resident, the field, both values, who and where.
    let list = browser.get("/console/conflicts").await;
    assert!(list.body.contains("Chambre") && list.body.contains("Dossier du résident"), "{}", list.body);
    assert!(!list.body.contains('{') && !list.body.contains("\"room\""), "no JSON on the page");
    let at = list.body.find("/console/conflicts/").unwrap();
    let path = list.body[at..].split('"').next().unwrap().to_owned();
    let page = browser.get(&path).await;
    assert!(page.body.contains("201") && page.body.contains("202"), "{}", page.body);
    assert!(page.body.contains("Tablette chariot B") && page.body.contains("Claire Fontaine"), "{}", page.body);

    // Without its CSRF token, the decision is refused and changes nothing.
    let refused = browser.post(&path, &[("decision", "new_values"), ("value:room", "999")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = browser.post(&path, &[("csrf", &"0".repeat(64)), ("decision", "keep_device")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A new value: a new version that both tablets pull.
    let done = browser
        .post(
            &path,
            &[("csrf", &page.csrf()), ("decision", "new_values"), ("value:room", "305"), ("note", "Vérifié sur place")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Décision enregistrée") && done.body.contains("Vérifié sur place"));
    for d in [&mut a, &mut b] {
        d.sync().await.unwrap();
        assert_eq!(d.store.resident(resident).unwrap().0.room, "305");
    }
    assert!(browser.get("/console/conflicts").await.body.contains("Aucun conflit"));
    let again = browser.post(&path, &[("csrf", &page.csrf()), ("decision", "keep_hub")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "resolved once");

    // A care-plan proposal: an act changed on both tablets.
    let (act, left) = care_plan_proposal(&mut a, &mut b, resident).await;
    // Through the API this time: a session, then the decision with its token.
    let http = reqwest::Client::new();
    let signed = http
        .post(format!("{}/console/api/session", hub.url()))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"login": "idec@tilleuls.fr", "password": PASSWORD, "code": fresh_code(&secret)})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::OK);
    let cookie = signed.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = serde_json::from_str::<serde_json::Value>(&signed.text().await.unwrap()).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let list: serde_json::Value = serde_json::from_str(
        &http
            .get(format!("{}/console/api/conflicts", hub.url()))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let proposal = list.as_array().unwrap().iter().find(|c| c["proposal"] == true).expect("a proposal");
    assert_eq!(proposal["kind"], "Proposition pour le plan de soins");
    let url = format!(
        "{}/console/api/conflicts/{}/{}/resolve",
        hub.url(),
        proposal["device"].as_str().unwrap(),
        proposal["op"].as_str().unwrap()
    );
    let body = serde_json::json!({"decision": "keep_device", "note": "Côté gauche, vu avec le médecin"}).to_string();
    let no_token = http
        .post(&url)
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let approved = http
        .post(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::OK);
    for d in [&mut a, &mut b] {
        d.sync().await.unwrap();
        let (act_now, _) = d.store.care_plan(resident).unwrap().into_iter().find(|(p, _)| p.id == act.id).unwrap();
        assert_eq!(act_now, left, "the approved proposal on both tablets, with every change it proposed");
    }

    // Tablets: each one's health as it last said, a new one enrolled by the
    // console's code, a lost one revoked.
    let tablets = browser.get("/console/tablets").await;
    assert!(tablets.body.contains("Tablette chariot A") && tablets.body.contains("Tablette chariot B"));
    assert!(tablets.body.contains("chevet-core/") && tablets.body.contains("à l&#39;heure"), "{}", tablets.body);
    // Per unit: the first floor's two tablets, none waiting, none silent.
    assert!(
        tablets
            .body
            .contains("<td>EHPAD Les Tilleuls — Étage 1</td><td>2</td><td>à l&#39;instant</td><td>0</td><td>0</td>"),
        "{}",
        tablets.body
    );
    // The hub started with the establishment's own CA: the console's QR
    // codes carry it, so a new tablet trusts the hub with no other setting.
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = chevet_e2e::pki::TestPki::new(pki_dir.path());
    hub.tls_ca = Some(pki.ca_pem.clone());
    hub.restart().await;
    // (The old connections died with the restart.)
    browser.http = Browser::client();
    let unit = hub.units[0].to_string();
    let enrolled =
        browser.post("/console/tablets/enrol", &[("csrf", &tablets.csrf()), ("unit", &unit), ("hours", "2")]).await;
    assert_eq!(enrolled.status, StatusCode::OK, "{}", enrolled.body);
    assert!(enrolled.body.contains("<svg"), "the enrolment QR code");
    let at = enrolled.body.find("class=\"code\">").unwrap() + 13;
    let code = enrolled.body[at..].split('<').next().unwrap().to_owned();
    let at = enrolled.body.find("<code class=\"link\">").unwrap() + 19;
    let link = enrolled.body[at..].split('<').next().unwrap().replace("&#38;", "&");
    let link = chevet_protocol::EnrolmentLink::parse(&link).unwrap_or_else(|e| panic!("{e:?}: {link}"));
    assert_eq!((link.code.as_str(), link.hub_url.as_str()), (code.as_str(), hub.url().as_str()));
    let ca = link.ca_pem().expect("the establishment's CA in the link");
    assert_eq!(
        chevet_protocol::enrolment_link::pem_to_der(&ca),
        chevet_protocol::enrolment_link::pem_to_der(&String::from_utf8_lossy(&pki.ca_pem))
    );
    let mut c =
        chevet_e2e::Device::enrol_with_code(&hub.url(), Some(ca.as_bytes()), &code, "Tablette de nuit").await.unwrap();
    c.sync().await.unwrap();
    assert!(browser.get("/console/tablets").await.body.contains("Tablette de nuit"));
    // Failed syncs: one that never reached the hub (the tablet tells it with
    // its next requests), then one the hub refused (it notes it itself).
    let nowhere = chevet_core::sync::HubClient::new("http://127.0.0.1:9", None).unwrap().with_retry(
        chevet_core::sync::RetryPolicy {
            attempts: 1,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(1),
        },
    );
    let cancel = chevet_core::sync::CancelHandle::new();
    let options = chevet_core::sync::SyncOptions::default();
    let unreachable = chevet_core::sync::sync(&c.store, &nowhere, options, None, &cancel).await;
    assert!(matches!(unreachable, Err(chevet_core::CoreError::HubUnreachable(_))), "{unreachable:?}");
    c.sync().await.unwrap();
    let row = |page: &str| page.split("<tr").find(|r| r.contains("Tablette de nuit")).unwrap_or_default().to_owned();
    let page = browser.get("/console/tablets").await;
    assert!(row(&page.body).contains("serveur injoignable (selon la tablette)"), "{}", page.body);
    let (_, credential) = c.store.hub().unwrap().unwrap();
    let refused = reqwest::Client::new()
        .post(format!("{}/v1/sync/push", hub.url()))
        .bearer_auth(credential)
        .header("content-type", "application/json")
        .body("{\"ops\": 12}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = browser.get("/console/tablets").await;
    assert!(row(&page.body).contains("<strong>à l&#39;instant : requête refusée par le hub</strong>"), "{}", page.body);
    let tablets = browser.get("/console/tablets").await;
    let revoke = format!("/console/tablets/{}/revoke", a.store.device_id());
    let unconfirmed = browser.post(&revoke, &[("csrf", &tablets.csrf())]).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST, "revoking asks for confirmation");
    let revoked = browser.post(&revoke, &[("csrf", &tablets.csrf()), ("confirm", "yes")]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(revoked.body.contains("(révoquée)"));
    assert!(matches!(a.sync().await, Err(chevet_core::CoreError::DeviceRevoked)), "refused at once");
    b.sync().await.unwrap();

    // Staff: a new care aide for the unit, and her first-PIN code, which she
    // uses on a tablet after its next sync.
    let page = browser.get("/console/staff").await;
    assert!(page.body.contains("Claire Fontaine"), "{}", page.body);
    let created = browser
        .post(
            "/console/staff",
            &[("csrf", &page.csrf()), ("name", "Inès Moreau"), ("role", "care_aide"), ("unit", &unit)],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("Inès Moreau ajouté"));
    let at = created.body.find("<td>Inès Moreau</td>").unwrap();
    let from = at + created.body[at..].find("/console/staff/").unwrap();
    let action = created.body[from..].split('"').next().unwrap().to_owned();
    let staff_id: Uuid = action.split('/').nth(3).unwrap().parse().unwrap();
    let issued = browser.post(&action, &[("csrf", &page.csrf())]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let at = issued.body.find("<p class=\"code\">").unwrap() + 16;
    let code = issued.body[at..].split('<').next().unwrap().to_owned();
    assert_eq!(code.len(), 11, "{code}");
    b.sync().await.unwrap();
    b.store.set_first_pin(staff_id, &code, "482915").expect("the code works on a tablet of her unit");

    // Residents from a CSV with a wrong line: a preview, nothing imported
    // until told to leave the wrong line out.
    let residents_before = hub.count("SELECT COUNT(*) FROM documents WHERE entity = 'resident'");
    let csv = "birth_name;given_names;sex;birth_date;birth_place_insee;room\n\
               Lefèvre;Odette Marie;F;1937-05-14;69123;110\n\
               Girard;Paul;X;1941-01-02;69123;111\n\
               Roux;Henri;M;1939-11-30;;112\n";
    let page = browser.get("/console/residents/import").await;
    let preview = browser
        .post(
            "/console/residents/import",
            &[("csrf", &page.csrf()), ("action", "preview"), ("unit", &unit), ("csv", csv)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("2 lignes valables, 1 en erreur") && preview.body.contains("sexe : F, M ou U"));
    assert!(preview.body.contains("LEFÈVRE Odette"), "{}", preview.body);
    let without_consent = browser
        .post(
            "/console/residents/import",
            &[("csrf", &page.csrf()), ("action", "import"), ("unit", &unit), ("csv", csv)],
        )
        .await;
    assert!(without_consent.body.contains("1 en erreur"), "back to the preview");
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM documents WHERE entity = 'resident'"),
        residents_before,
        "nothing imported"
    );
    let imported = browser
        .post(
            "/console/residents/import",
            &[("csrf", &page.csrf()), ("action", "import"), ("unit", &unit), ("csv", csv), ("skip_wrong", "yes")],
        )
        .await;
    assert!(imported.body.contains("2 résident(s) importé(s)"), "{}", imported.body);
    assert_eq!(hub.count("SELECT COUNT(*) FROM documents WHERE entity = 'resident'"), residents_before + 2);
    b.sync().await.unwrap();
    assert_eq!(b.store.search_residents("lefèvre").unwrap().len(), 1, "the tablet has her");

    // The access log: a tablet opens a resident's file; after its sync the
    // console names who, on which tablet, and the CSV says the same.
    let opened = hub.residents.iter().find(|r| r.unit_id == hub.units[0] && r.id != resident).unwrap().clone();
    b.store.open_resident_file(opened.id, 5).unwrap();
    let reader = b.store.session().unwrap().display_name;
    b.sync().await.unwrap();
    let list = browser.get(&format!("/console/residents?q={}", enc(&opened.identity.display_name()))).await;
    let link = format!("/console/residents/{}/access", opened.id);
    assert!(list.body.contains(&link), "{}", list.body);
    let log = browser.get(&link).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("a ouvert le dossier") && log.body.contains("Tablette chariot B"), "{}", log.body);
    assert!(log.body.contains(&reader) && !log.body.contains("non contrôlée"), "{}", log.body);
    let csv = browser.get(&format!("{link}.csv")).await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = csv.headers["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, format!("attachment; filename=\"journal-des-acces-{}.csv\"", opened.id));
    assert!(csv.body.starts_with('\u{feff}'), "a spreadsheet reads it as UTF-8");
    assert!(
        csv.body.lines().any(|l| l.contains(&reader) && l.contains(";a ouvert le dossier;Tablette chariot B;oui")),
        "{}",
        csv.body
    );

    // A professional who left: deactivated once the box is ticked. What she
    // recorded on a tablet still offline reaches the hub; the tablets sign
    // her out at their next sync and refuse her from then on.
    let aide = hub.care_aide.id;
    let mut night = chevet_e2e::Device::enrol(&hub, &hub.url(), &[hub.units[0]], "Tablette de nuit").await;
    night.store.sign_in(aide, chevet_core::demo::DEMO_PIN).unwrap();
    let offline = night.store.record(chevet_e2e::temperature(resident, 37.4)).unwrap();
    b.store.sign_in(aide, chevet_core::demo::DEMO_PIN).unwrap();
    let staff_page = browser.get("/console/staff").await;
    let deactivate = format!("/console/staff/{aide}/deactivate");
    let unconfirmed = browser.post(&deactivate, &[("csrf", &staff_page.csrf())]).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert!(!browser.get("/console/staff").await.body.contains("désactivé·e le"), "nothing changed");
    let done = browser.post(&deactivate, &[("csrf", &staff_page.csrf()), ("confirm", "yes")]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("désactivé·e le") && done.body.contains("Réactiver"), "{}", done.body);
    b.sync().await.unwrap();
    assert!(b.store.session().is_none(), "signed out at the sync");
    assert!(matches!(
        b.store.sign_in(aide, chevet_core::demo::DEMO_PIN),
        Err(chevet_core::CoreError::StaffDeactivated { .. })
    ));
    assert!(b.store.staff_accounts().unwrap().iter().all(|s| s.staff_id != aide), "not offered any more");
    night.sync().await.unwrap();
    assert!(night.store.session().is_none());
    b.sync().await.unwrap();
    assert!(b.fact_ids().contains(&offline.id()), "the temperature she took before");

    // Signing out ends the session.
    let home = browser.get("/console/").await;
    let out = browser.post("/console/logout", &[("csrf", &home.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/console/").await.location(), "/console/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_console_signs_in_and_resolves_conflicts() {
    console_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_console_signs_in_and_resolves_conflicts() {
    console_scenario(true).await;
}

async fn hostile_scenario(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    // A second establishment of the same group, with its coordinator.
    let other = Establishment {
        id: Uuid::now_v7(),
        name: "EHPAD Les Érables".into(),
        finess: "690000002".into(),
        kind: EstablishmentKind::Ehpad,
        time_zone: "Europe/Paris".into(),
        alert_settings: None,
        glucose_entry_unit: Default::default(),
    };
    let other_unit = Unit { id: Uuid::now_v7(), establishment_id: other.id, name: "Étage 1".into() };
    {
        let (backend, tenant, o, u) = (hub.backend.clone(), hub.tenant, other.clone(), other_unit.clone());
        tokio::task::spawn_blocking(move || {
            let admin = chevet_hub::Admin::new(&*backend);
            admin.put_establishment(tenant, &o).unwrap();
            admin.put_unit(tenant, &u).unwrap();
        })
        .await
        .unwrap();
    }
    let ours = establishment_of(&hub, hub.units[0]).await;
    let ours_activation =
        create_account(&hub, "idec@tilleuls.fr", ConsoleRole::Coordinator { establishment: ours }).await;
    let theirs_activation =
        create_account(&hub, "idec@erables.fr", ConsoleRole::Coordinator { establishment: other.id }).await;
    let (mut a, _b, _) = room_conflict(&hub).await;

    // No page, no action, without a session.
    let mut anonymous = Browser::new(&hub);
    for path in
        ["/console/", "/console/conflicts", &format!("/console/conflicts/{}/{}", Uuid::now_v7(), Uuid::now_v7())]
    {
        let page = anonymous.get(path).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/console/login"), "{path}");
    }
    let page = anonymous.post("/console/logout", &[]).await;
    assert_eq!(page.location(), "/console/login");
    let api = reqwest::Client::new().get(format!("{}/console/api/conflicts", hub.url())).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);

    // The security headers, on every console page.
    let login = anonymous.get("/console/login").await;
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && !csp.contains("script-src")
    );
    assert_eq!(login.headers["x-frame-options"], "DENY");
    assert_eq!(login.headers["x-content-type-options"], "nosniff");
    assert_eq!(login.headers["cache-control"], "no-store");
    assert!(login.headers.get("strict-transport-security").is_none(), "HSTS only over TLS");
    // Signing in from another site's form is refused (CSRF of the login).
    let forged = anonymous
        .post("/console/login", &[("csrf", &login.csrf()), ("login", "idec@tilleuls.fr"), ("password", PASSWORD)])
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER, "the console's own form goes on");
    let mut elsewhere = Browser::new(&hub);
    let page = elsewhere.get("/console/login").await;
    let req = elsewhere
        .http
        .post(format!("{}/console/login", hub.url()))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", &page.csrf()), ("login", "idec@tilleuls.fr"), ("password", PASSWORD)]));
    assert_eq!(elsewhere.send(req).await.status, StatusCode::FORBIDDEN, "another origin");

    // The other establishment's coordinator: the conflict does not exist for them.
    let mut theirs = Browser::new(&hub);
    theirs.sign_in("idec@erables.fr", &theirs_activation).await;
    assert!(theirs.get("/console/conflicts").await.body.contains("Aucun conflit"));
    let mut ours_browser = Browser::new(&hub);
    ours_browser.sign_in("idec@tilleuls.fr", &ours_activation).await;
    let list = ours_browser.get("/console/conflicts").await;
    let at = list.body.find("/console/conflicts/").expect("our coordinator sees it");
    let path = list.body[at..].split('"').next().unwrap().to_owned();
    let tampered = theirs.get(&path).await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    assert!(!tampered.body.contains("Chambre"));
    let home = theirs.get("/console/").await;
    let post = theirs.post(&path, &[("csrf", &home.csrf()), ("decision", "keep_device")]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    // Nor the tablets of our establishment, nor enrolling one for our units.
    let tablets = theirs.get("/console/tablets").await;
    assert!(!tablets.body.contains("Tablette chariot"), "{}", tablets.body);
    let revoke = format!("/console/tablets/{}/revoke", a.store.device_id());
    let tampered = theirs.post(&revoke, &[("csrf", &tablets.csrf()), ("confirm", "yes")]).await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    let unit = hub.units[0].to_string();
    let tampered = theirs.post("/console/tablets/enrol", &[("csrf", &tablets.csrf()), ("unit", &unit)]).await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    a.sync().await.expect("still enrolled");
    // Nor import into our units, nor issue codes for our staff.
    let csv = "birth_name;given_names;sex;birth_date;birth_place_insee;room\nRoux;Henri;M;1939-11-30;;112\n";
    let tampered = theirs
        .post(
            "/console/residents/import",
            &[("csrf", &tablets.csrf()), ("action", "import"), ("unit", &unit), ("csv", csv)],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    // Nor our residents' access logs, by page, file or API.
    let ours_resident = hub.residents.iter().find(|r| r.unit_id == hub.units[0]).unwrap().id;
    assert!(!theirs.get("/console/residents").await.body.contains(&ours_resident.to_string()));
    for path in [
        format!("/console/residents/{ours_resident}/access"),
        format!("/console/residents/{ours_resident}/access.csv"),
        "/console/residents/not-a-uuid/access".to_owned(),
    ] {
        let tampered = theirs.get(&path).await;
        assert_eq!(tampered.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!tampered.body.contains("Journal des accès —"), "{path}");
    }
    assert_eq!(
        anonymous.get(&format!("/console/residents/{ours_resident}/access.csv")).await.location(),
        "/console/login"
    );
    let api = reqwest::Client::new()
        .get(format!("{}/console/api/residents/{ours_resident}/access", hub.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(ours_browser.get(&format!("/console/residents/{ours_resident}/access")).await.status, StatusCode::OK);
    // A CSV file sent straight to the import (multipart, as the page's form
    // sends it): too large, or without the form's CSRF token, it is refused
    // and nothing is imported.
    let residents_before = hub.count("SELECT COUNT(*) FROM documents WHERE entity = 'resident'");
    let page = ours_browser.get("/console/residents/import").await;
    let multipart = |csrf: Option<&str>, file: &[u8]| {
        let b = "chevet-test-boundary";
        let mut body = Vec::new();
        let mut field = |name: &str, value: &[u8], filename: Option<&str>| {
            body.extend_from_slice(format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
            if let Some(f) = filename {
                body.extend_from_slice(format!("; filename=\"{f}\"\r\nContent-Type: text/csv").as_bytes());
            }
            body.extend_from_slice(b"\r\n\r\n");
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        };
        if let Some(c) = csrf {
            field("csrf", c.as_bytes(), None);
        }
        field("action", b"import", None);
        field("unit", unit.as_bytes(), None);
        field("skip_wrong", b"yes", None);
        field("file", file, Some("residents.csv"));
        body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={b}"), body)
    };
    let one_line = b"birth_name;given_names;sex;birth_date;birth_place_insee;room\nRoux;Henri;M;1939-11-30;;112\n";
    let mut huge = one_line.to_vec();
    while huge.len() <= 1024 * 1024 {
        huge.extend_from_slice(b"Roux;Henri;M;1939-11-30;;112\n");
    }
    for (csrf, file, status) in [
        (Some(page.csrf()), huge.as_slice(), StatusCode::BAD_REQUEST),
        (None, one_line.as_slice(), StatusCode::FORBIDDEN),
    ] {
        let (content_type, body) = multipart(csrf.as_deref(), file);
        let req = ours_browser
            .http
            .post(format!("{}/console/residents/import", hub.url()))
            .header("content-type", content_type)
            .body(body);
        assert_eq!(ours_browser.send(req).await.status, status);
    }
    assert_eq!(hub.count("SELECT COUNT(*) FROM documents WHERE entity = 'resident'"), residents_before);
    // (Staff of the whole group are everyone's; ours are ours.)
    let ours_only = chevet_core::domain::Staff {
        id: Uuid::now_v7(),
        display_name: "Inès Moreau".into(),
        role: chevet_core::domain::Role::CareAide,
        rpps: None,
        first_pin_code: None,
        deactivated_at: None,
        units: vec![hub.units[0]],
    };
    {
        let (backend, tenant, s) = (hub.backend.clone(), hub.tenant, ours_only.clone());
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).put_staff(tenant, &s).unwrap())
            .await
            .unwrap();
    }
    let staff = theirs.get("/console/staff").await;
    assert!(staff.body.contains("Karim Benali") && !staff.body.contains("Inès Moreau"), "{}", staff.body);
    let tampered = theirs.post(&format!("/console/staff/{}/first-pin", ours_only.id), &[("csrf", &staff.csrf())]).await;
    assert_eq!(tampered.status, StatusCode::NOT_FOUND);
    // The whole group's professionals they see, but acting on them is the
    // group administrator's: no code issued, no one deactivated.
    let touched = || {
        hub.count(
            "SELECT COUNT(*) FROM documents WHERE entity = 'staff'
             AND (CAST(state AS TEXT) LIKE '%first_pin_code%' OR CAST(state AS TEXT) LIKE '%deactivated_at%')",
        )
    };
    let before = touched();
    for (action, fields) in [("first-pin", vec![]), ("deactivate", vec![("confirm", "yes")]), ("reactivate", vec![])] {
        let csrf = staff.csrf();
        let fields: Vec<(&str, &str)> = [("csrf", csrf.as_str())].into_iter().chain(fields).collect();
        let tampered = theirs.post(&format!("/console/staff/{}/{action}", hub.care_aide.id), &fields).await;
        assert_eq!(tampered.status, StatusCode::NOT_FOUND, "{action}: {}", tampered.body);
    }
    assert_eq!(touched(), before, "the group's professional is untouched");
    assert!(ours_browser.get("/console/staff").await.body.contains("Inès Moreau"));
    assert!(ours_browser.get(&path).await.body.contains("Garder la valeur du hub"), "still open");

    // Brute force: five wrong codes lock the account, even for the right code.
    let mut attacker = Browser::new(&hub);
    let page = attacker.get("/console/login").await;
    attacker
        .post("/console/login", &[("csrf", &page.csrf()), ("login", "idec@erables.fr"), ("password", PASSWORD)])
        .await;
    let mut last = String::new();
    for _ in 0..5 {
        let page = attacker.get("/console/login/code").await;
        last = attacker.post("/console/login/code", &[("csrf", &page.csrf()), ("code", "000000")]).await.body;
    }
    assert!(last.contains("verrouillé"), "{last}");
    let mut owner = Browser::new(&hub);
    let page = owner.get("/console/login").await;
    let locked = owner
        .post("/console/login", &[("csrf", &page.csrf()), ("login", "idec@erables.fr"), ("password", PASSWORD)])
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(locked.body.contains("verrouillé"));
    // Wrong passwords count the same way, and say nothing of which was wrong.
    let mut guesser = Browser::new(&hub);
    for _ in 0..4 {
        let page = guesser.get("/console/login").await;
        let wrong = guesser
            .post("/console/login", &[("csrf", &page.csrf()), ("login", "idec@tilleuls.fr"), ("password", "devine")])
            .await;
        assert!(wrong.body.contains("Identifiant ou mot de passe incorrect"));
    }
    let page = guesser.get("/console/login").await;
    let unknown = guesser
        .post("/console/login", &[("csrf", &page.csrf()), ("login", "personne@nulle.part"), ("password", "x")])
        .await;
    assert!(unknown.body.contains("Identifiant ou mot de passe incorrect"));
    let page = guesser.get("/console/login").await;
    let fifth = guesser
        .post("/console/login", &[("csrf", &page.csrf()), ("login", "idec@tilleuls.fr"), ("password", "devine")])
        .await;
    assert!(fifth.body.contains("verrouillé"));
    // The session already open stays usable (the lock-out guards signing in).
    assert_eq!(ours_browser.get("/console/").await.status, StatusCode::OK);
}

/// A coordinator's resolution passes the rules of a push and the account's
/// scope: a unit typed in by hand that is another group's is refused, and
/// the resident stays where the hub has them (issue 29, item 4).
async fn a_resolution_passes_the_push_rules(postgres: bool) {
    let hub = TestHub::start_with_units(3, 1, postgres).await;
    let activation = create_account(&hub, "dsi@groupe.fr", ConsoleRole::GroupAdmin).await;
    let resident = hub.residents.iter().find(|r| r.unit_id == hub.units[0]).unwrap().id;
    // Two tablets of every floor move the same resident to two floors.
    let mut a = chevet_e2e::Device::enrol(&hub, &hub.url(), &hub.units, "Tablette A").await;
    let mut b = chevet_e2e::Device::enrol(&hub, &hub.url(), &hub.units, "Tablette B").await;
    for (d, unit) in [(&a, hub.units[1]), (&b, hub.units[2])] {
        let (_, v) = d.store.resident(resident).unwrap();
        d.store
            .update_resident(
                resident,
                v,
                &chevet_core::domain::ResidentChanges { unit_id: Some(unit), ..Default::default() },
            )
            .unwrap();
    }
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let foreign_unit = {
        let backend = hub.backend.clone();
        tokio::task::spawn_blocking(move || {
            chevet_demo::group::create_group(&chevet_hub::Admin::new(&*backend), 1).unwrap().units[0].id
        })
        .await
        .unwrap()
    };
    let mut browser = Browser::new(&hub);
    browser.sign_in("dsi@groupe.fr", &activation).await;
    let list = browser.get("/console/conflicts").await;
    let at = list.body.find("/console/conflicts/").expect("the conflict is listed");
    let path = list.body[at..].split('"').next().unwrap().to_owned();
    let page = browser.get(&path).await;
    let foreign = foreign_unit.to_string();
    let refused =
        browser.post(&path, &[("csrf", &page.csrf()), ("decision", "new_values"), ("value:unit_id", &foreign)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let id = if hub.on_postgres() { format!("'{resident}'::uuid") } else { format!("X'{}'", resident.simple()) };
    let unit_now = hub.count(&format!(
        "SELECT COUNT(*) FROM documents WHERE id = {id} AND CAST(state AS TEXT) LIKE '%{}%'",
        hub.units[1]
    ));
    assert_eq!(unit_now, 1, "the resident stays on the floor the hub has");
    assert!(browser.get(&path).await.body.contains("Garder la valeur du hub"), "still open");
    // The other tablet's own floor is a valid choice.
    let page = browser.get(&path).await;
    let kept = browser.post(&path, &[("csrf", &page.csrf()), ("decision", "keep_device")]).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert!(kept.body.contains("Décision enregistrée"), "{}", kept.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_resolution_passes_the_push_rules() {
    a_resolution_passes_the_push_rules(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_resolution_passes_the_push_rules() {
    a_resolution_passes_the_push_rules(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_console_refuses_what_it_must() {
    hostile_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_console_refuses_what_it_must() {
    hostile_scenario(true).await;
}

/// « Non tracés » per unit and day: a tablet answers one planned occurrence,
/// answers another then corrects it, a nurse closes a dose « donné hors
/// tablette », one is left alone; after the sync the console lists exactly
/// the two nobody answered, in the unit's time — and the hostile side: a
/// unit of another establishment, a unit or day that is not one.
async fn unrecorded_scenario(postgres: bool) {
    use chevet_core::domain::{
        ActKind, ActOutcome, ActRecord, Correction, Fact, MedicationLine, PlannedAct, Recurrence, Schedule,
    };
    use chevet_core::views::Closing;
    let hub = TestHub::start_on(2, postgres).await;
    let activation = create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut tablet = chevet_e2e::Device::enrol(&hub, &hub.url(), &[unit], "Tablette chariot A").await;

    // Yesterday, in the unit's time: every occurrence of it is four hours old whatever the hour now.
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let yesterday = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date().yesterday().unwrap();
    let at = |h: i8| yesterday.at(h, 0, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp();
    let plan = |label: &str, kind: ActKind, hours: &[i8], medication: Option<MedicationLine>| PlannedAct {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind,
        label: label.into(),
        schedule: Schedule {
            times: hours.iter().map(|h| jiff::civil::time(*h, 0, 0, 0)).collect(),
            recurrence: Recurrence::Daily,
            start: yesterday,
            end: Some(yesterday),
        },
        medication,
        active: true,
    };
    let change = plan("Change", ActKind::Continence, &[8, 12, 20], None);
    let dose = plan(
        "Furosémide 40 mg",
        ActKind::Medication,
        &[9],
        Some(MedicationLine {
            drug: "Furosémide".into(),
            dose: "40 mg".into(),
            route: "orale".into(),
            intake_assistance_allowed: false,
            expected_barcode: None,
        }),
    );
    for p in [&change, &dose] {
        tablet.store.create_planned_act(p).unwrap();
    }
    let answer =
        |h: i8| Fact::Act(ActRecord::new(resident.id, Some(change.id), Some(at(h)), ActOutcome::Done, None, at(h)));
    tablet.store.record(answer(8)).unwrap();
    let mistaken = tablet.store.record(answer(12)).unwrap();
    tablet
        .store
        .record(Fact::Correction(Correction::new(resident.id, mistaken.id(), "Mauvais résident".into(), at(13))))
        .unwrap();
    tablet.store.close_unrecorded(resident.id, dose.id, at(9), Closing::RecordedElsewhere, at(21)).unwrap();
    tablet.sync().await.unwrap();

    let mut browser = Browser::new(&hub);
    browser.sign_in("idec@tilleuls.fr", &activation).await;
    let page = browser.get(&format!("/console/unrecorded?unit={unit}&day={yesterday}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 non tracés le"), "{}", page.body);
    let rows: Vec<&str> = page.body.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{}", page.body);
    assert!(rows[0].contains("12:00") && rows[0].contains("Change"), "corrected, so not answered: {}", rows[0]);
    assert!(rows[1].contains("20:00") && rows[1].contains("Change"), "{}", rows[1]);
    assert!(!page.body.contains("08:00") && !page.body.contains("Furosémide"), "answered and closed are not listed");
    assert!(page.body.contains(&resident.identity.display_name().replace('\'', "&#39;")));
    // The menu leads there; without a unit chosen the form is shown, with the group's units.
    let chooser = browser.get("/console/unrecorded").await;
    assert_eq!(chooser.status, StatusCode::OK);
    assert!(chooser.body.contains("href=\"/console/unrecorded\"") && chooser.body.contains("<select"));

    // Hostile: not a unit, not a day, a unit that is not in the tenant.
    for bad in [format!("unit=nope&day={yesterday}"), format!("unit={unit}&day=2026-13-40")] {
        let p = browser.get(&format!("/console/unrecorded?{bad}")).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}: {}", p.body);
    }
    let p = browser.get(&format!("/console/unrecorded?unit={}&day={yesterday}", Uuid::now_v7())).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Another establishment's coordinator: our unit does not exist for her.
    let other = Establishment {
        id: Uuid::now_v7(),
        name: "EHPAD Les Érables".into(),
        finess: "690000002".into(),
        kind: EstablishmentKind::Ehpad,
        time_zone: "Europe/Paris".into(),
        alert_settings: None,
        glucose_entry_unit: Default::default(),
    };
    {
        let (backend, tenant, o) = (hub.backend.clone(), hub.tenant, other.clone());
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).put_establishment(tenant, &o).unwrap())
            .await
            .unwrap();
    }
    let theirs = create_account(&hub, "idec@erables.fr", ConsoleRole::Coordinator { establishment: other.id }).await;
    let mut neighbour = Browser::new(&hub);
    neighbour.sign_in("idec@erables.fr", &theirs).await;
    let p = neighbour.get(&format!("/console/unrecorded?unit={unit}&day={yesterday}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    assert!(!p.body.contains("Change"));
    // Signed out, nothing.
    let mut stranger = Browser::new(&hub);
    let p = stranger.get(&format!("/console/unrecorded?unit={unit}&day={yesterday}")).await;
    assert!(p.status.is_redirection(), "{}", p.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_console_lists_what_nobody_recorded() {
    unrecorded_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_console_lists_what_nobody_recorded() {
    unrecorded_scenario(true).await;
}
