//! The hub serving TLS itself, with an establishment's own CA: a device
//! trusting that CA enrols and syncs; a wrong CA, an expired certificate
//! and plain http to another machine are refused with clear errors and
//! change nothing; a renewed certificate is taken without a restart.

use chevet_core::CoreError;
use chevet_core::error::CertificateProblem;
use chevet_core::sync::HubClient;
use chevet_e2e::pki::TestPki;
use chevet_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_trusting_the_establishments_ca_syncs_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let hub = TestHub::start_tls(3, &pki.hub()).await;
    assert!(hub.url().starts_with("https://"));
    let mut a = Device::try_enrol(&hub, &hub.url(), Some(&pki.ca_pem), &[hub.units[0]], "Tablette A").await.unwrap();
    a.sync().await.unwrap();
    let mine: Vec<_> = hub.residents.iter().filter(|r| r.unit_id == hub.units[0]).collect();
    assert_eq!(mine.len(), 3);
    for r in &mine {
        assert_eq!(a.store.resident(r.id).unwrap().0.id, r.id);
    }
    // The CA is kept (sealed) with the enrolment: later syncs use it.
    assert_eq!(a.store.hub_ca().unwrap().as_deref(), Some(&pki.ca_pem[..]));
    let r = mine[0].id;
    a.store.provision_staff_with_pin(&hub.nurse, chevet_core::demo::DEMO_PIN).unwrap();
    a.store.sign_in(hub.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    let fact = a.store.record(temperature(r, 37.2)).unwrap();
    let mut fresh = Device::try_enrol(&hub, &hub.url(), Some(&pki.ca_pem), &[hub.units[0]], "B").await.unwrap();
    a.sync().await.unwrap();
    fresh.sync().await.unwrap();
    assert!(fresh.fact_ids().contains(&fact.id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_the_device_cannot_trust_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let hub = TestHub::start_tls(1, &pki.hub()).await;
    let devices_before = hub.count("SELECT count(*) FROM devices");
    for (ca, expected) in
        [(None, CertificateProblem::UnknownIssuer), (Some(&pki.other_ca_pem[..]), CertificateProblem::UnknownIssuer)]
    {
        let err = Device::try_enrol(&hub, &hub.url(), ca, &[hub.units[0]], "T").await.err().expect("refused");
        assert!(matches!(err, CoreError::HubCertificate(p) if p == expected), "{err}");
        assert!(err.to_string().contains("establishment's CA"), "{err}");
    }
    // The code was not spent and no device was enrolled.
    assert_eq!(hub.count("SELECT count(*) FROM devices"), devices_before);
    assert_eq!(hub.count("SELECT count(*) FROM enrolment_codes WHERE used_ms IS NOT NULL"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_is_refused_until_the_renewed_one_is_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let (expired, valid) = (pki.expired(), pki.hub());
    // The hub's files are renewed in place (what certbot or the PKI does).
    let (chain, key) = (dir.path().join("served.pem"), dir.path().join("served.key"));
    std::fs::copy(&expired.chain, &chain).unwrap();
    std::fs::copy(&expired.key, &key).unwrap();
    let hub = TestHub::start_tls(1, &chevet_e2e::pki::HubCertFiles { chain: chain.clone(), key: key.clone() }).await;
    let err = Device::try_enrol(&hub, &hub.url(), Some(&pki.ca_pem), &[hub.units[0]], "T").await.err().unwrap();
    assert!(matches!(err, CoreError::HubCertificate(CertificateProblem::Expired)), "{err}");
    assert!(err.to_string().contains("expired"), "{err}");

    // A broken renewal keeps the certificate in use.
    std::fs::write(&chain, b"-----BEGIN CERTIFICATE-----\nbroken\n").unwrap();
    assert!(hub.tls.as_ref().unwrap().reload().is_err());
    std::fs::copy(&valid.chain, &chain).unwrap();
    std::fs::copy(&valid.key, &key).unwrap();
    hub.tls.as_ref().unwrap().reload().unwrap();
    let mut d = Device::try_enrol(&hub, &hub.url(), Some(&pki.ca_pem), &[hub.units[0]], "T").await.unwrap();
    d.sync().await.unwrap();
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_request() {
    for url in ["http://hub.ehpad-les-tilleuls.fr", "http://192.168.1.20:8787"] {
        let err = HubClient::new(url, None).err().expect("refused");
        assert!(matches!(err, CoreError::InvalidInput { field: "hub url", .. }), "{err}");
        assert!(err.to_string().contains("use https://"), "{err}");
    }
}
