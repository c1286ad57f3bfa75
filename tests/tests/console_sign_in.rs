//! The console's sign-in attacked from the network, on SQLite and
//! PostgreSQL: simultaneous guesses (of a password and of a TOTP code)
//! against the lock-out, an unknown login told apart from a known one,
//! anonymous visitors writing to the database, one address flooding the
//! sign-in form. Each attack checks the hub's state afterwards.

use std::net::IpAddr;

use chevet_e2e::TestHub;
use chevet_e2e::console::{PASSWORD, create_account};
use chevet_hub::console::accounts::{ConsoleRole, MAX_FAILED_ATTEMPTS};
use chevet_hub::console::throttle::BURST;
use chevet_hub::console::totp;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

/// A form posted as a browser posts it (application/x-www-form-urlencoded).
trait FormBody {
    fn form_body(self, fields: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, fields: &[(&str, &str)]) -> Self {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
        self.header("content-type", "application/x-www-form-urlencoded").body(body.join("&"))
    }
}

/// Where a hub answers: one in this process, or `chevet-hub serve` started
/// as its administrator starts it.
trait HubAt {
    fn url(&self) -> String;
}

impl HubAt for TestHub {
    fn url(&self) -> String {
        TestHub::url(self)
    }
}

fn client(from: IpAddr) -> reqwest::Client {
    chevet_e2e::install_tls_provider();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).local_address(from).build().unwrap()
}

/// A JSON sign-in from an address of its own: its status.
async fn api_sign_in(hub: &TestHub, login: &str, password: &str, code: &str) -> StatusCode {
    client(chevet_e2e::own_loopback_address())
        .post(format!("{}/console/api/session", hub.url()))
        .json(&serde_json::json!({ "login": login, "password": password, "code": code }))
        .send()
        .await
        .unwrap()
        .status()
}

fn cookie_of(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get(SET_COOKIE).map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
}

/// The login form's CSRF token and the cookie it goes with.
async fn login_form(http: &reqwest::Client, hub: &impl HubAt, cookie: Option<&str>) -> (String, String) {
    let mut req = http.get(format!("{}/console/login", hub.url()));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = cookie_of(&resp).or(cookie.map(str::to_owned)).expect("a cookie for the form");
    let body = resp.text().await.unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    (body[at..at + 64].to_owned(), cookie)
}

/// Posts the login form as a browser at `from` would: status, body (the
/// form's token blanked, so that two answers compare) and the next cookie.
async fn post_login(hub: &TestHub, from: IpAddr, login: &str, password: &str) -> (StatusCode, String, Option<String>) {
    let http = client(from);
    let (csrf, cookie) = login_form(&http, hub, None).await;
    let resp = http
        .post(format!("{}/console/login", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    let (status, next) = (resp.status(), cookie_of(&resp));
    (status, resp.text().await.unwrap().replace(&csrf, "CSRF"), next)
}

async fn rows(hub: &TestHub, table: &str) -> i64 {
    hub.count(&format!("SELECT COUNT(*) FROM {table}"))
}

async fn concurrent_guesses_never_get_past_the_lock_out(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    // 32 wrong passwords at once, each from a machine of its own.
    let guesses = (0..32).map(|i| {
        let hub = &hub;
        async move { api_sign_in(hub, "idec@tilleuls.fr", &format!("mauvais mot de passe {i}"), "000000").await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(checked <= MAX_FAILED_ATTEMPTS as usize, "{checked} guesses were checked: {answers:?}");
    // Refused unchecked: locked (429), or past the hub's own budget of checks (503).
    let refused = [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS, StatusCode::SERVICE_UNAVAILABLE];
    assert!(answers.iter().all(|s| refused.contains(s)), "{answers:?}");
    // The right password is refused now: the login is locked.
    assert_eq!(api_sign_in(&hub, "idec@tilleuls.fr", PASSWORD, "000000").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_password_guesses_never_get_past_the_lock_out() {
    concurrent_guesses_never_get_past_the_lock_out(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_password_guesses_never_get_past_the_lock_out() {
    concurrent_guesses_never_get_past_the_lock_out(true).await;
}

/// Signs in by the forms up to the TOTP step (enrolling the second factor
/// the first time, from the page's secret); returns the cookie and CSRF
/// token of the password-stage session and the TOTP secret.
async fn to_code_step(hub: &impl HubAt, http: &reqwest::Client, factor: Factor<'_>) -> (String, String, Vec<u8>) {
    let (csrf, cookie) = login_form(http, hub, None).await;
    let resp = http
        .post(format!("{}/console/login", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("login", "idec@tilleuls.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mut cookie = cookie_of(&resp).unwrap();
    let mut path = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    let csrf_of = |body: &str| {
        let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
        body[at..at + 64].to_owned()
    };
    if let Factor::First(activation) = factor {
        assert_eq!(path, "/console/totp/activate");
        let page = http.get(format!("{}{path}", hub.url())).header("cookie", &cookie).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        let resp = http
            .post(format!("{}{path}", hub.url()))
            .header("cookie", &cookie)
            .form_body(&[("csrf", csrf.as_str()), ("activation", activation)])
            .send()
            .await
            .unwrap();
        cookie = cookie_of(&resp).expect("a fresh session once activated");
        path = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    }
    let page = http.get(format!("{}{path}", hub.url())).header("cookie", &cookie).send().await.unwrap();
    let body = page.text().await.unwrap();
    let csrf = csrf_of(&body);
    let secret = match factor {
        Factor::Known(s) => s.to_vec(),
        Factor::First(_) => {
            let at = body.find("<code>").unwrap() + 6;
            let end = body[at..].find("</code>").unwrap();
            totp::from_base32(&body[at..at + end]).unwrap()
        }
    };
    (cookie, csrf, secret)
}

/// How a sign-in passes the second step.
#[derive(Clone, Copy)]
enum Factor<'a> {
    /// The first time: the administrator's activation code, then enrolment.
    First(&'a str),
    /// An authenticator already enrolled, with this secret.
    Known(&'a [u8]),
}

fn code_at(secret: &[u8], offset: i64) -> String {
    let step = jiff::Timestamp::now().as_second() / totp::STEP_SECONDS + offset;
    format!("{:06}", totp::code(secret, step as u64, 6))
}

async fn concurrent_code_guesses_never_get_past_the_lock_out(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let activation = create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let http = client(chevet_e2e::own_loopback_address());
    // The second factor enrolled once, by its first code.
    let (cookie, csrf, secret) = to_code_step(&hub, &http, Factor::First(&activation)).await;
    let enrolled = http
        .post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.headers()[LOCATION], "/console/");

    // Someone with the password guesses the code: 32 guesses at once.
    let (cookie, csrf, _) = to_code_step(&hub, &http, Factor::Known(&secret)).await;
    let right = [code_at(&secret, -1), code_at(&secret, 0), code_at(&secret, 1)];
    let guesses = (0..32u32).map(|i| {
        let (http, hub, cookie, csrf) = (&http, &hub, &cookie, &csrf);
        let mut guess = format!("{:06}", 100_000 + i * 7919);
        while right.contains(&guess) {
            guess = format!("{:06}", guess.parse::<u32>().unwrap() + 1);
        }
        async move {
            http.post(format!("{}/console/login/code", hub.url()))
                .header("cookie", cookie)
                .form_body(&[("csrf", csrf.as_str()), ("code", guess.as_str())])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|b| b.contains("Code incorrect")).count();
    assert!(checked < MAX_FAILED_ATTEMPTS as usize, "{checked} code guesses were checked before the lock");
    assert!(answers.iter().all(|b| b.contains("Code incorrect") || b.contains("verrouillé")));
    // The right code is refused now.
    let refused = http
        .post(format!("{}/console/login/code", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 1))])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.unwrap().contains("verrouillé"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_code_guesses_never_get_past_the_lock_out() {
    concurrent_code_guesses_never_get_past_the_lock_out(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_code_guesses_never_get_past_the_lock_out() {
    concurrent_code_guesses_never_get_past_the_lock_out(true).await;
}

/// The same code sent twice at once signs in once.
async fn a_code_sent_twice_at_once_works_once(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let activation = create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let http = client(chevet_e2e::own_loopback_address());
    let (cookie, csrf, secret) = to_code_step(&hub, &http, Factor::First(&activation)).await;
    http.post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    // Two password-stage sessions (two tabs), the same fresh code from each at once.
    let one = to_code_step(&hub, &http, Factor::Known(&secret)).await;
    let two = to_code_step(&hub, &http, Factor::Known(&secret)).await;
    let code = code_at(&secret, 1);
    let send = |(cookie, csrf, _): &(String, String, Vec<u8>)| {
        http.post(format!("{}/console/login/code", hub.url()))
            .header("cookie", cookie.clone())
            .form_body(&[("csrf", csrf.as_str()), ("code", code.as_str())])
            .send()
    };
    let (a, b) = futures_util::future::join(send(&one), send(&two)).await;
    let signed =
        [a.unwrap(), b.unwrap()].iter().filter(|r| r.headers().get(LOCATION).is_some_and(|l| l == "/console/")).count();
    assert_eq!(signed, 1, "a TOTP code works once, even sent twice at the same moment");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_code_sent_twice_at_once_works_once() {
    a_code_sent_twice_at_once_works_once(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_code_sent_twice_at_once_works_once() {
    a_code_sent_twice_at_once_works_once(true).await;
}

async fn an_unknown_login_is_answered_as_a_known_one(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let (known_from, unknown_from) = (chevet_e2e::own_loopback_address(), chevet_e2e::own_loopback_address());
    for attempt in 1..=MAX_FAILED_ATTEMPTS + 2 {
        let known = post_login(&hub, known_from, "idec@tilleuls.fr", "devine devine").await;
        let unknown = post_login(&hub, unknown_from, "personne@nulle.part", "devine devine").await;
        assert_eq!((known.0, &known.1), (unknown.0, &unknown.1), "attempt {attempt}: the same answer");
        assert_eq!((known.2, unknown.2), (None, None), "no session for either");
        if attempt >= MAX_FAILED_ATTEMPTS {
            assert!(known.1.contains("verrouillé"), "attempt {attempt}: {}", known.1);
        } else {
            assert!(known.1.contains("Identifiant ou mot de passe incorrect"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_unknown_login_is_answered_as_a_known_one() {
    an_unknown_login_is_answered_as_a_known_one(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_unknown_login_is_answered_as_a_known_one() {
    an_unknown_login_is_answered_as_a_known_one(true).await;
}

async fn anonymous_visitors_write_nothing(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let before = rows(&hub, "console_sessions").await;
    for _ in 0..20 {
        let http = client(chevet_e2e::own_loopback_address());
        let (csrf, cookie) = login_form(&http, &hub, None).await;
        // The form again with the same cookie: the same token, still nothing stored.
        assert_eq!(login_form(&http, &hub, Some(&cookie)).await.0, csrf);
        // A forged form: refused, nothing stored.
        let forged = http
            .post(format!("{}/console/login", hub.url()))
            .header("cookie", &cookie)
            .form_body(&[("csrf", "0".repeat(64).as_str()), ("login", "idec@tilleuls.fr"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(rows(&hub, "console_sessions").await, before, "no session row for a visitor");
    assert_eq!(rows(&hub, "console_sign_in_failures").await, 0, "a refused form counts nothing either");
    // The right password: now a session exists.
    let (status, _, cookie) = post_login(&hub, chevet_e2e::own_loopback_address(), "idec@tilleuls.fr", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cookie.is_some());
    assert_eq!(rows(&hub, "console_sessions").await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_anonymous_visitors_write_nothing() {
    anonymous_visitors_write_nothing(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_anonymous_visitors_write_nothing() {
    anonymous_visitors_write_nothing(true).await;
}

async fn one_address_flooding_is_held_back_and_others_still_sign_in(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let flooder = chevet_e2e::own_loopback_address();
    // All at once (the budget refills as time passes: at once, it cannot).
    let attempts = (0..(BURST as usize + 5)).map(|i| {
        let hub = &hub;
        async move { post_login(hub, flooder, &format!("inconnu{i}@nulle.part"), "devine devine").await.0 }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let held = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(held, 5, "past its budget an address is answered 429 without a check: {statuses:?}");
    assert_eq!(rows(&hub, "console_sign_in_failures").await, BURST as i64, "held-back attempts count nothing");
    // Another machine signs in meanwhile.
    let (status, _, _) = post_login(&hub, chevet_e2e::own_loopback_address(), "idec@tilleuls.fr", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_address_flooding_is_held_back() {
    one_address_flooding_is_held_back_and_others_still_sign_in(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_address_flooding_is_held_back() {
    one_address_flooding_is_held_back_and_others_still_sign_in(true).await;
}

/// What the second factor's page shows a session, and whether it signs in.
async fn get_status_and_body(
    http: &reqwest::Client,
    hub: &impl HubAt,
    path: &str,
    cookie: &str,
) -> (StatusCode, String) {
    let resp = http.get(format!("{}{path}", hub.url())).header("cookie", cookie).send().await.unwrap();
    let status = resp.status();
    let location = resp.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or_else(|| "".into()) + &resp.text().await.unwrap())
}

/// The console account's second factor as stored: (enrolled, activation still waiting).
async fn factor_state(hub: &TestHub, login: &str) -> (bool, bool) {
    let (backend, login) = (hub.backend.clone(), login.to_owned());
    tokio::task::spawn_blocking(move || {
        chevet_hub::backend::Backend::transaction(&*backend, chevet_hub::backend::Scope::Admin, |tx| {
            let row = tx.console_account_by_login(&login)?.unwrap();
            let a = chevet_hub::console::accounts::ConsoleAccount::from_row(row)?;
            Ok((a.totp_secret.is_some(), a.totp_activation.is_some()))
        })
        .unwrap()
    })
    .await
    .unwrap()
}

/// Whoever reads the printed password first cannot enrol their own
/// authenticator (issue 29): without the administrator's one-time
/// activation code no secret is drawn or shown, wrong codes count toward
/// the lock-out, the code works once, and a reset stops the authenticator
/// in place and ends the account's sessions.
async fn the_printed_password_alone_enrols_no_authenticator(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let login = "idec@tilleuls.fr";
    let activation = create_account(&hub, login, ConsoleRole::GroupAdmin).await;
    let attacker = client(chevet_e2e::own_loopback_address());
    let (csrf, cookie) = login_form(&attacker, &hub, None).await;
    let resp = attacker
        .post(format!("{}/console/login", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("login", login), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[LOCATION], "/console/totp/activate");
    let cookie = cookie_of(&resp).unwrap();
    // The enrolment page and its form are out of reach with the password alone.
    let (_, enrol) = get_status_and_body(&attacker, &hub, "/console/totp/enrol", &cookie).await;
    assert!(enrol.starts_with("/console/login") && !enrol.contains("<svg") && !enrol.contains("<code>"), "{enrol}");
    let (_, form) = get_status_and_body(&attacker, &hub, "/console/totp/activate", &cookie).await;
    assert!(!form.contains("<svg") && !form.contains("<code>"));
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = form[at..at + 64].to_owned();
    let forced = attacker
        .post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(forced.headers()[LOCATION], "/console/login");
    // Guessed activation codes are refused and counted like passwords.
    for guess in ["AAAA-BBBB-CCCC", "2345-6789-ABCD"] {
        let resp = attacker
            .post(format!("{}/console/totp/activate", hub.url()))
            .header("cookie", &cookie)
            .form_body(&[("csrf", csrf.as_str()), ("activation", guess)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.text().await.unwrap().contains("activation incorrect"));
    }
    assert_eq!(rows(&hub, "console_sign_in_failures").await, 1, "the login's failures are counted");
    assert_eq!(factor_state(&hub, login).await, (false, true), "nothing enrolled, the code still waiting");

    // The person it was handed to: activation code, then the authenticator.
    let http = client(chevet_e2e::own_loopback_address());
    let (cookie, csrf, secret) = to_code_step(&hub, &http, Factor::First(&activation)).await;
    let enrolled = http
        .post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.headers()[LOCATION], "/console/");
    let signed_in = cookie_of(&enrolled).unwrap();
    assert_eq!(factor_state(&hub, login).await, (true, false), "enrolled; the code is used up");
    // The code works once: with the password it now leads to the TOTP step only.
    let (_, page) = get_status_and_body(&http, &hub, "/console/", &signed_in).await;
    assert!(page.contains("Claire Coordination"));

    // A lost phone: the administrator resets; the old authenticator stops, sessions end.
    let (backend, tenant) = (hub.backend.clone(), hub.tenant);
    let fresh = tokio::task::spawn_blocking(move || {
        chevet_hub::Admin::new(&*backend).reset_console_second_factor(tenant, "IDEC@tilleuls.fr").unwrap()
    })
    .await
    .unwrap();
    assert_eq!(factor_state(&hub, login).await, (false, true));
    let (_, home) = get_status_and_body(&http, &hub, "/console/", &signed_in).await;
    assert!(home.starts_with("/console/login"), "the session ended: {home}");
    assert_eq!(api_sign_in(&hub, login, PASSWORD, &code_at(&secret, 1)).await, StatusCode::FORBIDDEN);
    let again = client(chevet_e2e::own_loopback_address());
    let (cookie, csrf, _) = to_code_step(&hub, &again, Factor::First(&fresh)).await;
    let (_, enrol) = get_status_and_body(&again, &hub, "/console/totp/enrol", &cookie).await;
    assert!(enrol.contains("<svg") && !csrf.is_empty(), "the new code opens the enrolment");
    assert_ne!(fresh, activation);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_printed_password_alone_enrols_no_authenticator() {
    the_printed_password_alone_enrols_no_authenticator(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_printed_password_alone_enrols_no_authenticator() {
    the_printed_password_alone_enrols_no_authenticator(true).await;
}

/// `chevet-hub serve`, the way an establishment's IT person starts it.
struct Served {
    child: std::process::Child,
    port: u16,
}

impl HubAt for Served {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first sign-in of an account made by the administrator's commands,
/// with no test preset: the password and the activation code as the
/// command prints them, then the authenticator; a reset by its command
/// leads the next sign-in back to the activation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_made_by_the_admin_commands_signs_in_for_the_first_time() {
    const HUB: &str = env!("CARGO_BIN_EXE_chevet-hub-node");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let admin = |args: &[&str]| -> String {
        let out = std::process::Command::new(HUB)
            .arg("--data")
            .arg(&data)
            .arg("admin")
            .args(args)
            .env("CHEVET_LOG", "error")
            .output()
            .unwrap();
        assert!(out.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let printed = |out: &str, what: &str| -> String {
        out.lines().find_map(|l| l.strip_prefix(what)).unwrap_or_else(|| panic!("{what} in {out}")).trim().to_owned()
    };
    let tenant = admin(&["create-tenant", "Groupe Les Tilleuls"]).trim().to_owned();
    let est = admin(&["create-establishment", &tenant, "EHPAD Les Tilleuls", "690000001"]).trim().to_owned();
    let created = admin(&[
        "create-console-account",
        &tenant,
        "idec@tilleuls.fr",
        "Claire Martin",
        "--role",
        "coordinator",
        "--establishment",
        &est,
    ]);
    let (password, activation) = (printed(&created, "password:"), printed(&created, "activation code:"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(HUB)
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CHEVET_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let hub = Served { child, port };
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let http = client(chevet_e2e::own_loopback_address());
    let sign_in = |factor: &str| {
        let (http, hub, password, factor) = (&http, &hub, &password, factor.to_owned());
        async move {
            let (csrf, cookie) = login_form(http, hub, None).await;
            let resp = http
                .post(format!("{}/console/login", hub.url()))
                .header("cookie", &cookie)
                .form_body(&[("csrf", csrf.as_str()), ("login", "idec@tilleuls.fr"), ("password", password.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER);
            let cookie = cookie_of(&resp).unwrap();
            let next = resp.headers()[LOCATION].to_str().unwrap().to_owned();
            let (_, page) = get_status_and_body(http, hub, &next, &cookie).await;
            let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
            let csrf = page[at..at + 64].to_owned();
            let resp = http
                .post(format!("{}{next}", hub.url()))
                .header("cookie", &cookie)
                .form_body(&[
                    ("csrf", csrf.as_str()),
                    (if next.ends_with("activate") { "activation" } else { "code" }, &factor),
                ])
                .send()
                .await
                .unwrap();
            (next, resp.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned()), cookie_of(&resp))
        }
    };
    let (step, then, cookie) = sign_in(&activation).await;
    assert_eq!((step.as_str(), then.as_deref()), ("/console/totp/activate", Some("/console/totp/enrol")));
    let cookie = cookie.unwrap();
    let (_, enrol) = get_status_and_body(&http, &hub, "/console/totp/enrol", &cookie).await;
    let at = enrol.find("<code>").unwrap() + 6;
    let secret = totp::from_base32(&enrol[at..at + enrol[at..].find("</code>").unwrap()]).unwrap();
    let at = enrol.find("name=\"csrf\" value=\"").unwrap() + 19;
    let done = http
        .post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", &enrol[at..at + 64]), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    assert_eq!(done.headers()[LOCATION], "/console/");
    let (_, home) = get_status_and_body(&http, &hub, "/console/", &cookie_of(&done).unwrap()).await;
    assert!(home.contains("Claire Martin"), "{home}");
    // Next time: the code of the authenticator.
    let (step, then, _) = sign_in(&code_at(&secret, 1)).await;
    assert_eq!((step.as_str(), then.as_deref()), ("/console/login/code", Some("/console/")));
    // A lost phone: reset by its command, the next sign-in asks for the new activation code.
    let reset = admin(&["reset-console-second-factor", &tenant, "idec@tilleuls.fr"]);
    let fresh = printed(&reset, "activation code:");
    let (step, then, _) = sign_in(&activation).await;
    assert_eq!((step.as_str(), then), ("/console/totp/activate", None), "the used code stays used");
    let (step, then, _) = sign_in(&fresh).await;
    assert_eq!((step.as_str(), then.as_deref()), ("/console/totp/activate", Some("/console/totp/enrol")));
}
