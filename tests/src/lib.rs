//! Harness for whole-system tests: a hub served in-process on loopback with
//! its own SQLite file, devices with their own encrypted stores, and a
//! fault-injecting HTTP proxy to put between them.

pub mod console;
pub mod nodes;
pub mod pki;
pub mod proxy;

/// Runs each end-to-end scenario `async fn name(postgres: bool)` as two
/// tests, `name::sqlite` and `name::postgres`: the HTTP suite holds on both
/// backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(false).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(true).await
            }
        }
    )+};
}

use std::net::SocketAddr;
use std::sync::Arc;

use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::*;
use chevet_core::sync::{self, CancelHandle, HubClient, RetryPolicy, SyncOptions, SyncReport};
use chevet_core::{Store, StoreOptions};
use chevet_hub::backend::AnyBackend;
use chevet_hub::backend::postgres::PostgresBackend;
use chevet_hub::{Admin, SqliteBackend};
use jiff::civil::date;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// One PostgreSQL-backed hub at a time in a test process. The hub serves a
/// change once every transaction older than it has ended — the server's,
/// whatever schema they write — so a test running beside another would see
/// the other's transactions delay its own changes by a sync. That lag is the
/// backend's rule, tested by its conformance suite; the end-to-end tests
/// check convergence sync by sync, on a server nobody else writes to.
static PG_TURN: std::sync::LazyLock<Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(|| Arc::new(tokio::sync::Mutex::new(())));

/// A hub on 127.0.0.1 with a tenant, an EHPAD, two units and staff.
pub struct TestHub {
    pub dir: tempfile::TempDir,
    pub backend: Arc<AnyBackend>,
    pub addr: SocketAddr,
    pub tenant: Uuid,
    pub units: Vec<Uuid>,
    pub nurse: Staff,
    pub care_aide: Staff,
    pub residents: Vec<Resident>,
    server: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// The PostgreSQL schema to drop at the end, with the owner's conninfo.
    pg_schema: Option<(String, String)>,
    /// This process's one turn on the PostgreSQL server, held while the hub
    /// lives (see [`PG_TURN`]).
    _pg_turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// An S3 endpoint and bucket for finished blobs, instead of a folder.
    pub s3: Option<(String, String)>,
    /// Served over TLS with this certificate, instead of plain HTTP.
    pub tls: Option<chevet_hub::tls::TlsServer>,
    /// The CA devices enrolled through [`Device::enrol`] trust.
    pub tls_ca: Option<Vec<u8>>,
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some((owner, schema)) = self.pg_schema.take() {
            // The blocking client may not run on an async thread.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&owner, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

/// reqwest clients built outside the core (the proxy, raw requests in
/// tests) need a process-wide rustls provider; the core's own client
/// carries its provider and needs none.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A loopback address of its own (127.0.x.y; Linux routes all of 127/8 to
/// the loopback), for a test client that stands for another person on
/// another machine: the hub's per-address budgets count each apart.
pub fn own_loopback_address() -> std::net::IpAddr {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 1 + (n / 250 % 250) as u8, 2 + (n % 250) as u8))
}

impl TestHub {
    /// Starts a hub on SQLite with `per_unit` residents in each of two units.
    pub async fn start(per_unit: usize) -> TestHub {
        Self::start_on(per_unit, false).await
    }

    /// Starts a hub with `per_unit` residents in each of two units, on
    /// PostgreSQL (in a fresh schema of the test server) or SQLite.
    pub async fn start_on(per_unit: usize, postgres: bool) -> TestHub {
        Self::start_with_units(2, per_unit, postgres).await
    }

    /// Starts a hub with `units` units of `per_unit` residents each.
    pub async fn start_with_units(units: usize, per_unit: usize, postgres: bool) -> TestHub {
        install_tls_provider();
        let pg_turn = if postgres { Some(PG_TURN.clone().lock_owned().await) } else { None };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hub.db");
        // Storage set-up blocks (the PostgreSQL client runs its own runtime).
        let (backend, tenant, units, nurse, care_aide, residents, pg_schema) =
            tokio::task::spawn_blocking(move || Self::setup(path, units, per_unit, postgres))
                .await
                .expect("hub set-up");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut hub = TestHub {
            dir,
            backend,
            addr,
            tenant,
            units,
            nurse,
            care_aide,
            residents,
            server: None,
            pg_schema,
            _pg_turn: pg_turn,
            s3: None,
            tls: None,
            tls_ca: None,
        };
        hub.serve(listener);
        hub
    }

    /// A hub on SQLite whose finished blobs go to the S3 server at
    /// `endpoint`, bucket `bucket`.
    pub async fn start_with_s3(per_unit: usize, endpoint: &str, bucket: &str) -> TestHub {
        Self::start_on_with_s3(per_unit, false, endpoint, bucket).await
    }

    /// A hub on PostgreSQL or SQLite whose blobs (finished and in
    /// progress) go to the S3 server at `endpoint`, bucket `bucket`.
    pub async fn start_on_with_s3(per_unit: usize, postgres: bool, endpoint: &str, bucket: &str) -> TestHub {
        let mut hub = Self::start_on(per_unit, postgres).await;
        hub.s3 = Some((endpoint.to_owned(), bucket.to_owned()));
        hub.restart().await;
        hub
    }

    /// A hub on SQLite serving HTTPS with the certificate in `files`.
    pub async fn start_tls(per_unit: usize, files: &pki::HubCertFiles) -> TestHub {
        Self::start(per_unit).await.serving_tls(files, None).await
    }

    /// The same hub, served again over HTTPS with the certificate in
    /// `files`; devices enrolled with [`Device::enrol`] trust `ca_pem`.
    pub async fn serving_tls(mut self, files: &pki::HubCertFiles, ca_pem: Option<&[u8]>) -> TestHub {
        self.tls = Some(chevet_hub::tls::TlsServer::load(&files.chain, &files.key).expect("TLS files"));
        self.tls_ca = ca_pem.map(<[u8]>::to_vec);
        self.restart().await;
        self
    }

    /// Where the hub keeps finished blobs.
    pub fn blob_store(&self) -> chevet_hub::blobs::BlobStore {
        let root = self.dir.path().join("blobs");
        match &self.s3 {
            Some((endpoint, bucket)) => {
                chevet_hub::blobs::BlobStore::open_s3_endpoint(endpoint, bucket, "testing", "testing", "eu-west-3")
            }
            None => chevet_hub::blobs::BlobStore::open(&root),
        }
        .expect("blob store")
    }

    #[allow(clippy::type_complexity)]
    fn setup(
        path: std::path::PathBuf,
        unit_count: usize,
        per_unit: usize,
        postgres: bool,
    ) -> (Arc<AnyBackend>, Uuid, Vec<Uuid>, Staff, Staff, Vec<Resident>, Option<(String, String)>) {
        let mut pg_schema = None;
        let backend = Arc::new(if postgres {
            let owner =
                std::env::var("CHEVET_TEST_PG_OWNER").expect("CHEVET_TEST_PG_OWNER: see scripts/postgres-for-tests");
            let app = std::env::var("CHEVET_TEST_PG_APP").expect("CHEVET_TEST_PG_APP: see scripts/postgres-for-tests");
            let schema = format!("sim_{}", Uuid::now_v7().simple());
            pg_schema = Some((owner.clone(), schema.clone()));
            AnyBackend::Postgres(Box::new(PostgresBackend::open(&owner, &app, &schema).expect("PostgreSQL")))
        } else {
            AnyBackend::Sqlite(SqliteBackend::open(&path).expect("hub db"))
        });
        let admin = Admin::new(&*backend);
        let group = chevet_demo::group::create_group(&admin, unit_count).expect("demo group");
        let (tenant, nurse, care_aide) = (group.tenant, group.nurse, group.care_aide);
        let units: Vec<Uuid> = group.units.iter().map(|u| u.id).collect();
        let mut residents = Vec::new();
        for (u, unit) in units.iter().enumerate() {
            let mut csv = String::from("birth_name;given_names;sex;birth_date;birth_place_insee;room\n");
            for i in 0..per_unit {
                csv.push_str(&format!(
                    "Résident{u}x{i};Jeanne Marie;F;1938-04-0{};75056;{}{:02}\n",
                    1 + i % 9,
                    u + 1,
                    i + 1
                ));
            }
            for id in admin.import_residents_csv(tenant, *unit, &csv, date(2026, 1, 5)).unwrap() {
                let r = chevet_hub::backend::Backend::transaction(&*backend, chevet_hub::backend::Scope::Admin, |tx| {
                    tx.document(tenant, id)
                })
                .unwrap()
                .unwrap();
                residents.push(serde_json::from_value(serde_json::Value::Object(r.state)).unwrap());
            }
        }
        (backend, tenant, units, nurse, care_aide, residents, pg_schema)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (tx, rx) = oneshot::channel::<()>();
        let backend = self.backend.clone();
        let blobs = self.blob_store();
        let tls = self.tls.clone();
        // The CA its devices trust is the one the console's QR codes carry.
        let enrolment_ca_der = self
            .tls_ca
            .as_deref()
            .and_then(|pem| chevet_protocol::enrolment_link::pem_to_der(&String::from_utf8_lossy(pem)));
        let task = tokio::spawn(async move {
            let options = chevet_hub::ServeOptions { tls, enrolment_ca_der, ..Default::default() };
            let _ = chevet_hub::serve_configured(listener, backend, blobs, options, async {
                let _ = rx.await;
            })
            .await;
        });
        self.server = Some((tx, task));
    }

    /// The hub's address, `https://` when it serves TLS (its certificate
    /// names 127.0.0.1).
    pub fn url(&self) -> String {
        match self.tls {
            Some(_) => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// Kills the server task at once (connections cut mid-flight).
    pub async fn kill(&mut self) {
        if let Some((_, task)) = self.server.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Serves again on the same address, with the same database.
    pub async fn restart(&mut self) {
        self.kill().await;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        };
        self.serve(listener);
    }

    pub fn admin(&self) -> Admin<'_, AnyBackend> {
        Admin::new(&self.backend)
    }

    /// A one-time enrolment code (off the async threads: storage blocks).
    pub async fn code(&self, units: &[Uuid]) -> String {
        let (backend, tenant, units) = (self.backend.clone(), self.tenant, units.to_vec());
        tokio::task::spawn_blocking(move || Admin::new(&*backend).enrolment_code(tenant, &units, 1).unwrap())
            .await
            .unwrap()
    }

    /// A number from the hub's database (a second, read-only connection).
    /// The same SQL runs on both backends: their tables and columns share
    /// names.
    pub fn count(&self, sql: &str) -> i64 {
        if let Some((owner, schema)) = self.pg_schema.clone() {
            let sql = sql.to_owned();
            // The blocking client may not run on an async thread.
            return std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&owner, postgres::NoTls).expect("PostgreSQL");
                c.batch_execute(&format!("SET search_path TO {schema}")).unwrap();
                let row = c.query_one(sql.as_str(), &[]).unwrap();
                row.try_get::<_, i64>(0).or_else(|_| row.try_get::<_, i32>(0).map(i64::from)).unwrap()
            })
            .join()
            .unwrap();
        }
        let c = rusqlite::Connection::open_with_flags(
            self.dir.path().join("hub.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The PostgreSQL owner's conninfo and the schema, when on PostgreSQL.
    pub fn postgres_schema(&self) -> Option<(String, String)> {
        self.pg_schema.clone()
    }

    /// Whether this hub keeps its records in PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.pg_schema.is_some()
    }

    /// A document's version on the hub, as the backend reads it.
    pub async fn document_version(&self, id: Uuid) -> Option<u32> {
        let (backend, tenant) = (self.backend.clone(), self.tenant);
        tokio::task::spawn_blocking(move || {
            chevet_hub::backend::Backend::transaction(&*backend, chevet_hub::backend::Scope::Admin, |tx| {
                tx.document(tenant, id)
            })
            .unwrap()
            .map(|d| d.version)
        })
        .await
        .unwrap()
    }
}

/// A tablet: its own encrypted store, enrolled with the hub.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub client: HubClient,
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 12,
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(300),
    }
}

impl Device {
    /// A new device enrolled (through `url`, the hub or a proxy) on `units`,
    /// not synced yet.
    pub async fn enrol_without_sync(hub: &TestHub, url: &str, units: &[Uuid], label: &str) -> Device {
        Self::try_enrol(hub, url, hub.tls_ca.as_deref(), units, label).await.expect("enrolment")
    }

    /// A new device enrolled through `url` trusting the establishment's CA
    /// `ca_pem` (besides the public roots), not synced yet.
    pub async fn try_enrol(
        hub: &TestHub,
        url: &str,
        ca_pem: Option<&[u8]>,
        units: &[Uuid],
        label: &str,
    ) -> chevet_core::Result<Device> {
        Self::enrol_with_code(url, ca_pem, &hub.code(units).await, label).await
    }

    /// A new device enrolled through `url` with a one-time `code` (from the
    /// console, say), not synced yet.
    pub async fn enrol_with_code(
        url: &str,
        ca_pem: Option<&[u8]>,
        code: &str,
        label: &str,
    ) -> chevet_core::Result<Device> {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { pin_cost: Argon2Cost::MINIMUM, ..StoreOptions::default() };
        let store = Store::open(dir.path().join("device.db"), &KekVault::new([7; 32]), options).unwrap();
        let client = HubClient::new(url, ca_pem)?.with_retry(fast_retry());
        sync::enrol(&store, &client, code, label).await?;
        let client = sync::client_for(&store)?.with_retry(fast_retry());
        Ok(Device { dir, store, client })
    }

    /// A new device enrolled (through `url`, the hub or a proxy) on `units`,
    /// synced once, with the hub's staff given the demo PIN locally.
    pub async fn enrol(hub: &TestHub, url: &str, units: &[Uuid], label: &str) -> Device {
        let mut d = Device::enrol_without_sync(hub, url, units, label).await;
        d.sync().await.unwrap();
        for s in [&hub.nurse, &hub.care_aide] {
            d.store.provision_staff_with_pin(s, DEMO_PIN).unwrap();
        }
        d.store.sign_in(hub.nurse.id, DEMO_PIN).unwrap();
        d
    }

    pub async fn sync(&mut self) -> chevet_core::Result<SyncReport> {
        sync::sync(&self.store, &self.client, SyncOptions::default(), None, &CancelHandle::new()).await
    }

    /// Every fact id this device holds, sorted.
    pub fn fact_ids(&self) -> Vec<Uuid> {
        let c = rusqlite::Connection::open_with_flags(
            self.dir.path().join("device.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut stmt = c.prepare("SELECT id FROM facts ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }
}

/// A temperature taken now.
pub fn temperature(resident: Uuid, value: f64) -> Fact {
    Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id: resident,
        code: VitalCode::Temperature,
        value: ObservationValue::Quantity(value),
        method: None,
        meta: RecordMeta::at(jiff::Timestamp::now()),
    })
}

/// A real S3-compatible server for the tests: moto's, from PyPI
/// (`pip install 'moto[server]'`; `scripts/test-all` installs it).
pub struct S3Server {
    child: std::process::Child,
    pub endpoint: String,
}

impl S3Server {
    /// Starts moto on a free loopback port and creates `bucket`.
    pub async fn start(bucket: &str) -> S3Server {
        install_tls_provider();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]') must be on PATH");
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = S3Server { child, endpoint };
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.put(format!("{}/{bucket}", server.endpoint)).send().await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto S3 server did not start on port {port}");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
