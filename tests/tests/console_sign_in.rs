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
async fn login_form(http: &reqwest::Client, hub: &TestHub, cookie: Option<&str>) -> (String, String) {
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
async fn to_code_step(hub: &TestHub, http: &reqwest::Client, secret: Option<&[u8]>) -> (String, String, Vec<u8>) {
    let (csrf, cookie) = login_form(http, hub, None).await;
    let resp = http
        .post(format!("{}/console/login", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("login", "idec@tilleuls.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_of(&resp).unwrap();
    let path = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    let page = http.get(format!("{}{path}", hub.url())).header("cookie", &cookie).send().await.unwrap();
    let body = page.text().await.unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = body[at..at + 64].to_owned();
    let secret = match secret {
        Some(s) => s.to_vec(),
        None => {
            let at = body.find("<code>").unwrap() + 6;
            let end = body[at..].find("</code>").unwrap();
            totp::from_base32(&body[at..at + end]).unwrap()
        }
    };
    (cookie, csrf, secret)
}

fn code_at(secret: &[u8], offset: i64) -> String {
    let step = jiff::Timestamp::now().as_second() / totp::STEP_SECONDS + offset;
    format!("{:06}", totp::code(secret, step as u64, 6))
}

async fn concurrent_code_guesses_never_get_past_the_lock_out(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let http = client(chevet_e2e::own_loopback_address());
    // The second factor enrolled once, by its first code.
    let (cookie, csrf, secret) = to_code_step(&hub, &http, None).await;
    let enrolled = http
        .post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.headers()[LOCATION], "/console/");

    // Someone with the password guesses the code: 32 guesses at once.
    let (cookie, csrf, _) = to_code_step(&hub, &http, Some(&secret)).await;
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
    create_account(&hub, "idec@tilleuls.fr", ConsoleRole::GroupAdmin).await;
    let http = client(chevet_e2e::own_loopback_address());
    let (cookie, csrf, secret) = to_code_step(&hub, &http, None).await;
    http.post(format!("{}/console/totp/enrol", hub.url()))
        .header("cookie", &cookie)
        .form_body(&[("csrf", csrf.as_str()), ("code", &code_at(&secret, 0))])
        .send()
        .await
        .unwrap();
    // Two password-stage sessions (two tabs), the same fresh code from each at once.
    let one = to_code_step(&hub, &http, Some(&secret)).await;
    let two = to_code_step(&hub, &http, Some(&secret)).await;
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
