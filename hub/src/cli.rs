//! `chevet-hub`'s command line: run the sync hub or administer it. In the
//! library so that tests can start the very same hub as separate processes
//! (several nodes, kill loops) from a binary of their own.
//!
//! ```text
//! chevet-hub demo [RESIDENTS_PER_FLOOR]
//! chevet-hub serve [--listen 127.0.0.1:8787] [--data DIR] [--tls-cert CHAIN.pem --tls-key KEY.pem | --behind-proxy]
//! chevet-hub admin [--data DIR] create-tenant NAME
//! chevet-hub admin [--data DIR] create-establishment TENANT NAME FINESS [ehpad|mas|ssiad]
//! chevet-hub admin [--data DIR] create-unit TENANT ESTABLISHMENT NAME
//! chevet-hub admin [--data DIR] create-staff TENANT NAME nurse|care-aide|social-care-aide|physician|manager
//! chevet-hub admin [--data DIR] first-pin-code TENANT STAFF [HOURS]
//! chevet-hub admin [--data DIR] enrolment-code TENANT UNIT[,UNIT…] [HOURS] [--link HUB_URL [--ca CA.pem]]
//! chevet-hub admin [--data DIR] import-residents TENANT UNIT FILE.csv
//! chevet-hub admin [--data DIR] devices TENANT
//! chevet-hub admin [--data DIR] revoke-device DEVICE
//! chevet-hub admin [--data DIR] compact-log DAYS
//! chevet-hub admin [--data DIR] conflicts TENANT
//! ```
//! With no `--data`, the hub keeps its SQLite file in `./chevet-hub-data`
//! and its blobs (encrypted photos) in `blobs/` there, or in `--blobs DIR`;
//! `--s3 s3://BUCKET` keeps finished blobs in S3-compatible storage (endpoint
//! and credentials from AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//! AWS_REGION, AWS_ALLOW_HTTP), uploads in progress with them (so that several
//! hub processes can serve one group).
//! `--postgres "host=… user=chevet_owner …"` (the schema owner, for
//! migrations and admin) with `--postgres-app "host=… user=chevet_app …"`
//! (the role that serves devices under row-level security) and optionally
//! `--schema NAME` (default `chevet`) use PostgreSQL instead; add
//! `sslmode=require` (encrypted) or `sslmode=verify-full sslrootcert=CA.pem`
//! (encrypted, server checked) to a connection string for TLS.
//!
//! With `--tls-cert` and `--tls-key` the hub serves HTTPS itself and reads
//! the files again on SIGHUP (a renewed certificate, no restart). Without
//! them it serves plain HTTP, which it does on a loopback address only —
//! unless `--behind-proxy` says a TLS-terminating proxy on the way (on
//! another host of the establishment's network) does the encryption.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::backend::AnyBackend;
use crate::backend::postgres::PostgresBackend;
use crate::blobs::BlobStore;
use crate::{Admin, SqliteBackend};
use chevet_core::domain::{Establishment, EstablishmentKind, Role, Staff, Unit};
use uuid::Uuid;

type CliResult = Result<(), String>;

fn take_opt(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    match args.iter().position(|a| a == name) {
        Some(i) if i + 1 < args.len() => {
            let v = args.remove(i + 1);
            args.remove(i);
            Ok(Some(v))
        }
        Some(_) => Err(format!("{name} needs a value")),
        None => Ok(None),
    }
}

fn uuid(s: &str) -> Result<Uuid, String> {
    s.parse().map_err(|_| format!("not an id: {s}"))
}

fn open(data: &PathBuf) -> Result<SqliteBackend, String> {
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    SqliteBackend::open(&data.join("hub.db")).map_err(|e| e.to_string())
}

fn e<T>(r: Result<T, crate::error::HubError>) -> Result<T, String> {
    r.map_err(|err| err.to_string())
}

/// Where the hub keeps its data.
enum Storage {
    Sqlite(PathBuf),
    /// Owner (migrations, admin) and application connection strings, schema.
    Postgres {
        owner: String,
        app: Option<String>,
        schema: String,
    },
}

impl Storage {
    fn open(self, serving: bool) -> Result<AnyBackend, String> {
        match self {
            Storage::Sqlite(data) => Ok(AnyBackend::Sqlite(open(&data)?)),
            Storage::Postgres { owner, app, schema } => {
                // Admin commands run as the owner; serving needs the confined role.
                let app = match app {
                    Some(a) => a,
                    None if !serving => owner.clone(),
                    None => {
                        return Err("serving on PostgreSQL needs --postgres-app (the row-level-security role)".into());
                    }
                };
                PostgresBackend::open(&owner, &app, &schema)
                    .map(|b| AnyBackend::Postgres(Box::new(b)))
                    .map_err(|e| e.to_string())
            }
        }
    }
}

fn admin(storage: Storage, args: &[String]) -> CliResult {
    let mut args = args.to_vec();
    // The enrolment link (the QR code a tablet scans): the hub's address as
    // tablets reach it, and the establishment's CA when it is not public.
    let link_hub = take_opt(&mut args, "--link")?;
    let link_ca = take_opt(&mut args, "--ca")?;
    if (link_hub.is_some() || link_ca.is_some()) && args.first().map(String::as_str) != Some("enrolment-code") {
        return Err("--link and --ca go with enrolment-code".into());
    }
    if link_ca.is_some() && link_hub.is_none() {
        return Err("--ca needs --link".into());
    }
    let backend = storage.open(false)?;
    let admin = Admin::new(&backend);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["create-tenant", name] => println!("{}", e(admin.create_tenant(name))?),
        ["create-establishment", tenant, name, finess, rest @ ..] => {
            let kind = match rest.first().copied().unwrap_or("ehpad") {
                "ehpad" => EstablishmentKind::Ehpad,
                "mas" => EstablishmentKind::Mas,
                "ssiad" => EstablishmentKind::Ssiad,
                other => return Err(format!("unknown kind {other}")),
            };
            let est = Establishment {
                id: Uuid::now_v7(),
                name: name.to_string(),
                finess: finess.to_string(),
                kind,
                time_zone: "Europe/Paris".into(),
                alert_settings: None,
            };
            e(admin.put_establishment(uuid(tenant)?, &est))?;
            println!("{}", est.id);
        }
        ["create-unit", tenant, establishment, name] => {
            let unit = Unit { id: Uuid::now_v7(), establishment_id: uuid(establishment)?, name: name.to_string() };
            e(admin.put_unit(uuid(tenant)?, &unit))?;
            println!("{}", unit.id);
        }
        ["create-staff", tenant, name, role] => {
            let role = match *role {
                "nurse" => Role::Nurse,
                "care-aide" => Role::CareAide,
                "social-care-aide" => Role::SocialCareAide,
                "physician" => Role::CoordinatingPhysician,
                "manager" => Role::HealthManager,
                other => return Err(format!("unknown role {other}")),
            };
            let s = Staff {
                id: Uuid::now_v7(),
                display_name: name.to_string(),
                role,
                rpps: None,
                first_pin_code: None,
                units: Vec::new(),
            };
            e(admin.put_staff(uuid(tenant)?, &s))?;
            println!("{}", s.id);
        }
        ["first-pin-code", tenant, staff, rest @ ..] => {
            let hours: i64 =
                rest.first().map(|h| h.parse().map_err(|_| "HOURS must be a number")).transpose()?.unwrap_or(72);
            println!("{}", e(admin.first_pin_code(uuid(tenant)?, uuid(staff)?, hours))?);
        }
        ["enrolment-code", tenant, units, rest @ ..] => {
            let units: Vec<Uuid> = units.split(',').map(uuid).collect::<Result<_, _>>()?;
            let hours: i64 =
                rest.first().map(|h| h.parse().map_err(|_| "HOURS must be a number")).transpose()?.unwrap_or(24);
            let ca_der = link_ca
                .map(|file| {
                    let pem = std::fs::read_to_string(&file).map_err(|err| format!("cannot read {file}: {err}"))?;
                    chevet_protocol::enrolment_link::pem_to_der(&pem).ok_or(format!("no certificate in {file}"))
                })
                .transpose()?;
            let code = e(admin.enrolment_code(uuid(tenant)?, &units, hours))?;
            println!("{code}");
            if let Some(hub_url) = link_hub {
                let link = chevet_protocol::EnrolmentLink { hub_url, code, ca_der };
                // Checked as the tablet will read it, so a bad address shows here.
                chevet_protocol::EnrolmentLink::parse(&link.to_uri()).map_err(|err| err.to_string())?;
                println!("{}", link.to_uri());
            }
        }
        ["import-residents", tenant, unit, file] => {
            let csv = std::fs::read_to_string(file).map_err(|err| format!("cannot read {file}: {err}"))?;
            let today = jiff::ZonedDateTime::now().date();
            let ids = e(admin.import_residents_csv(uuid(tenant)?, uuid(unit)?, &csv, today))?;
            println!("{} residents imported", ids.len());
        }
        ["devices", tenant] => {
            for d in e(admin.devices(uuid(tenant)?))? {
                println!(
                    "{}\t{}\t{}\tlast_seq={}",
                    d.device_id,
                    if d.revoked { "revoked" } else { "active" },
                    d.label,
                    d.last_seq
                );
            }
        }
        ["compact-log", days] => {
            let days: i64 = days.parse().map_err(|_| "DAYS must be a number")?;
            println!("{} changes dropped", e(admin.compact_log(days))?);
        }
        ["revoke-device", device] => {
            if !e(admin.revoke_device(uuid(device)?))? {
                return Err("no such active device".into());
            }
        }
        ["conflicts", tenant] => {
            for c in e(admin.conflicts(uuid(tenant)?))? {
                println!(
                    "{:?}\t{}\top {}\tdevice {}\tfields {}\t{}",
                    c.entity,
                    c.entity_id,
                    c.op_id,
                    c.device_id,
                    c.fields.join(","),
                    if c.proposal { "proposal" } else { "merged" }
                );
            }
        }
        _ => {
            return Err("unknown admin command; see the usage at the top of hub/src/cli.rs".into());
        }
    }
    Ok(())
}

/// How the hub is reached.
enum Transport {
    Tls(crate::tls::TlsServer),
    /// Plain HTTP; `behind_proxy` allows a non-loopback address.
    Plain {
        behind_proxy: bool,
    },
}

impl Transport {
    fn from_args(args: &mut Vec<String>) -> Result<Transport, String> {
        let behind_proxy = take_flag(args, "--behind-proxy");
        match (take_opt(args, "--tls-cert")?, take_opt(args, "--tls-key")?) {
            (Some(_), Some(_)) if behind_proxy => Err("--behind-proxy and --tls-cert: choose one".into()),
            (Some(cert), Some(key)) => {
                Ok(Transport::Tls(crate::tls::TlsServer::load(cert, key).map_err(|e| e.to_string())?))
            }
            (None, None) => Ok(Transport::Plain { behind_proxy }),
            _ => Err("--tls-cert and --tls-key go together".into()),
        }
    }
}

fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != name);
    args.len() != before
}

async fn serve(backend: AnyBackend, blobs: BlobStore, listen: String, transport: Transport) -> CliResult {
    let backend = Arc::new(backend);
    let listener =
        tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let tls = match transport {
        Transport::Tls(tls) => Some(tls),
        Transport::Plain { behind_proxy: false } if !addr.ip().is_loopback() => {
            return Err(format!(
                "plain HTTP on {addr} would carry records in clear on the network: \
                 give --tls-cert and --tls-key, or --behind-proxy if a TLS proxy fronts the hub"
            ));
        }
        Transport::Plain { .. } => None,
    };
    #[cfg(unix)]
    if let Some(tls) = tls.clone() {
        // A renewed certificate (certbot, the establishment's PKI) without a restart.
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|e| format!("cannot watch SIGHUP: {e}"))?;
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                if let Err(e) = tls.reload() {
                    log::error!("TLS reload failed, the previous certificate stays: {e}");
                }
            }
        });
    }
    // Ctrl-C or SIGTERM (systemd, containers): stop taking requests, finish the others.
    let shutdown = async {
        #[cfg(unix)]
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        log::info!("shutting down: finishing in-flight requests");
    };
    crate::serve_with(listener, backend, blobs, tls, shutdown).await.map_err(|e| e.to_string())
}

/// Runs the command `args` (without the program's name) and says how it went.
pub fn run(mut args: Vec<String>) -> ExitCode {
    // The demo talks to a person: only errors go to the log there.
    let quiet = args.first().is_some_and(|a| a == "demo");
    crate::logging::init(if quiet { log::LevelFilter::Error } else { log::LevelFilter::Info });
    let result = (|| -> CliResult {
        let data = PathBuf::from(take_opt(&mut args, "--data")?.unwrap_or_else(|| "chevet-hub-data".into()));
        let blob_dir = take_opt(&mut args, "--blobs")?.map_or_else(|| data.join("blobs"), PathBuf::from);
        let s3 = take_opt(&mut args, "--s3")?;
        let storage = match take_opt(&mut args, "--postgres")? {
            Some(owner) => Storage::Postgres {
                owner,
                app: take_opt(&mut args, "--postgres-app")?,
                schema: take_opt(&mut args, "--schema")?.unwrap_or_else(|| "chevet".into()),
            },
            None => Storage::Sqlite(data),
        };
        match args.first().map(String::as_str) {
            Some("serve") => {
                let listen = take_opt(&mut args, "--listen")?.unwrap_or_else(|| "127.0.0.1:8787".into());
                let transport = Transport::from_args(&mut args)?;
                let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                // Open storage before the runtime: the PostgreSQL client blocks on its own.
                let backend = storage.open(true)?;
                let blobs = match &s3 {
                    Some(url) => BlobStore::open_s3(url),
                    None => BlobStore::open(&blob_dir),
                }
                .map_err(|e| e.to_string())?;
                rt.block_on(serve(backend, blobs, listen, transport))
            }
            Some("admin") => admin(storage, &args[1..]),
            Some("demo") => {
                let per_unit: usize =
                    args.get(1).map(|s| s.parse().map_err(|_| "RESIDENTS must be a number")).transpose()?.unwrap_or(20);
                let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                rt.block_on(crate::demo::run(per_unit)).map_err(|e| e.to_string())
            }
            _ => Err("usage: chevet-hub demo|serve|admin … (see hub/src/cli.rs)".into()),
        }
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chevet-hub: {e}");
            ExitCode::FAILURE
        }
    }
}
