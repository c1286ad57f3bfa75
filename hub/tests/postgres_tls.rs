//! The hub reaches PostgreSQL over TLS when its connection string asks
//! (`sslmode=require` / `verify-full` with the establishment's CA), and
//! refuses a server whose certificate it cannot trust. Runs against the
//! test server `scripts/postgres-for-tests` gives a test CA's certificate.

use chevet_hub::backend::postgres::PostgresBackend;
use uuid::Uuid;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with scripts/test-all"))
}

/// Who is connected, with what: (application_name, ssl) rows of the owner.
fn sessions(owner: &str, application: &str) -> Vec<bool> {
    let mut c = postgres::Client::connect(owner, postgres::NoTls).unwrap();
    c.query(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
        &[&application],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn drop_schema(owner: &str, schema: &str) {
    let mut c = postgres::Client::connect(owner, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
}

#[test]
fn verify_full_with_the_establishments_ca_connects_encrypted() {
    let (owner, app, ca) = (env("CHEVET_TEST_PG_OWNER"), env("CHEVET_TEST_PG_APP"), env("CHEVET_TEST_PG_CA"));
    for mode in ["verify-full", "verify-ca", "require"] {
        let name = format!("chevet_tls_{}", Uuid::now_v7().simple());
        let schema = format!("t_{}", Uuid::now_v7().simple());
        let tls = format!("application_name={name} sslmode={mode} sslrootcert={ca}");
        let backend = PostgresBackend::open(&format!("{owner} {tls}"), &format!("{app} {tls}"), &schema)
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        let admin = chevet_hub::Admin::new(&backend);
        admin.create_tenant("Groupe TLS").unwrap();
        let seen = sessions(&owner, &name);
        assert!(!seen.is_empty() && seen.iter().all(|ssl| *ssl), "{mode}: {seen:?}");
        drop(backend);
        drop_schema(&owner, &schema);
    }
    // require without a CA: encrypted, the server not checked (libpq's meaning).
    let schema = format!("t_{}", Uuid::now_v7().simple());
    let name = format!("chevet_tls_{}", Uuid::now_v7().simple());
    let backend = PostgresBackend::open(&format!("{owner} application_name={name} sslmode=require"), &app, &schema)
        .expect("require without a CA");
    assert!(sessions(&owner, &name).iter().all(|ssl| *ssl));
    drop(backend);
    drop_schema(&owner, &schema);
}

#[test]
fn a_server_certificate_the_hub_cannot_trust_is_refused() {
    let owner = env("CHEVET_TEST_PG_OWNER");
    let dir = tempfile::tempdir().unwrap();
    // Another CA: the public roots (no sslrootcert) do not know the test CA either.
    let other = other_ca(dir.path());
    for tls in [format!("sslmode=verify-full sslrootcert={}", other.display()), "sslmode=verify-full".to_owned()] {
        let schema = format!("t_{}", Uuid::now_v7().simple());
        let err = PostgresBackend::open(&format!("{owner} {tls}"), &format!("{owner} {tls}"), &schema)
            .err()
            .unwrap_or_else(|| panic!("{tls}: connected"));
        let text = err.to_string();
        assert!(text.contains("certificate") || text.contains("TLS"), "{tls}: {text}");
    }
    // A name the certificate does not carry fails verify-full, passes verify-ca.
    let ca = env("CHEVET_TEST_PG_CA");
    let by_other_name = owner.replace("host=127.0.0.1", "host=db.chevet.invalid hostaddr=127.0.0.1");
    assert_ne!(by_other_name, owner);
    let schema = format!("t_{}", Uuid::now_v7().simple());
    let full = PostgresBackend::open(
        &format!("{by_other_name} sslmode=verify-full sslrootcert={ca}"),
        &format!("{by_other_name} sslmode=verify-full sslrootcert={ca}"),
        &schema,
    );
    assert!(full.is_err(), "verify-full accepted a certificate for another name");
    let chain_only = PostgresBackend::open(
        &format!("{by_other_name} sslmode=verify-ca sslrootcert={ca}"),
        &format!("{by_other_name} sslmode=verify-ca sslrootcert={ca}"),
        &schema,
    );
    assert!(chain_only.is_ok(), "verify-ca checks the chain only");
    drop(chain_only);
    drop_schema(&owner, &schema);
}

/// A CA certificate the test server's certificate does not come from.
fn other_ca(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("other-ca.pem");
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA"])
        .arg("-keyout")
        .arg(dir.join("other-ca.key"))
        .arg("-out")
        .arg(&path)
        .output()
        .unwrap();
    assert!(status.status.success());
    path
}
