//! A throwaway PKI for TLS tests and the simulator: an establishment CA,
//! a hub certificate it signs for `localhost` and 127.0.0.1, an expired
//! one, and a second CA the hub's certificate does not come from.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// PEM files written in a folder.
pub struct TestPki {
    /// The establishment's CA certificate, as a device is given it.
    pub ca_pem: Vec<u8>,
    /// Another CA (the one of another establishment).
    pub other_ca_pem: Vec<u8>,
    dir: PathBuf,
}

/// A hub certificate's chain and key files.
pub struct HubCertFiles {
    pub chain: PathBuf,
    pub key: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA certificate")
}

impl TestPki {
    /// A CA and the hub's certificates, in `dir`.
    pub fn new(dir: &Path) -> TestPki {
        let establishment = ca("AC de test de l'établissement");
        let other = ca("AC d'un autre établissement");
        let pki = TestPki { ca_pem: establishment.pem().into(), other_ca_pem: other.pem().into(), dir: dir.to_owned() };
        let now = time_now();
        pki.issue(&establishment, "hub", now - 86_400, now + 30 * 86_400);
        pki.issue(&establishment, "hub-expired", now - 30 * 86_400, now - 86_400);
        pki
    }

    fn issue(&self, ca: &CertifiedIssuer<'static, KeyPair>, name: &str, from: i64, until: i64) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("hub params");
        params.distinguished_name.push(DnType::CommonName, "hub de test");
        params.not_before = rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(from as u64);
        params.not_after = rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(until as u64);
        let key = KeyPair::generate().expect("hub key");
        let cert = params.signed_by(&key, ca).expect("hub certificate");
        std::fs::write(self.dir.join(format!("{name}.pem")), cert.pem() + &ca.pem()).unwrap();
        std::fs::write(self.dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
    }

    /// The hub's valid certificate.
    pub fn hub(&self) -> HubCertFiles {
        self.files("hub")
    }

    /// A certificate of the same CA, past its end date.
    pub fn expired(&self) -> HubCertFiles {
        self.files("hub-expired")
    }

    fn files(&self, name: &str) -> HubCertFiles {
        HubCertFiles { chain: self.dir.join(format!("{name}.pem")), key: self.dir.join(format!("{name}.key")) }
    }
}

fn time_now() -> i64 {
    jiff::Timestamp::now().as_second()
}
