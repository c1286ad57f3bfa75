//! `chevet-hub`'s command line: run the sync hub or administer it. In the
//! library so that tests can start the very same hub as separate processes
//! (several nodes, kill loops) from a binary of their own. Parsed by clap:
//! `chevet-hub --help`, and `--help` after any command, say the rest.
//!
//! With no `--data`, the hub keeps its SQLite file in `./chevet-hub-data`
//! and its blobs (encrypted photos) in `blobs/` there, or in `--blobs DIR`;
//! `--s3 s3://BUCKET` keeps blobs in S3-compatible storage (endpoint and
//! credentials from AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//! AWS_REGION, AWS_ALLOW_HTTP), uploads in progress with them (so that
//! several hub processes can serve one group). `--postgres "host=… user=chevet_owner …"`
//! (the schema owner, for migrations and admin) with `--postgres-app "host=… user=chevet_app …"`
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

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::backend::AnyBackend;
use crate::backend::postgres::PostgresBackend;
use crate::blobs::BlobStore;
use crate::{Admin, SqliteBackend};
use chevet_domain::{Establishment, EstablishmentKind, Role, Unit};
use uuid::Uuid;

type CliResult = Result<(), String>;

#[derive(Parser, Debug)]
#[command(
    name = "chevet-hub",
    version,
    about = "The Chevet sync hub: tablets enrol, push and pull through it; administrators run it from here.",
    after_help = "Storage options go before or after the command: chevet-hub --data /var/lib/chevet-hub admin devices TENANT."
)]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the hub keeps its records and blobs.
#[derive(Args, Debug)]
struct StorageArgs {
    /// Folder of the SQLite database (hub.db) and, unless --blobs or --s3, of the blobs.
    #[arg(long, global = true, value_name = "DIR", default_value = "chevet-hub-data")]
    data: PathBuf,
    /// Folder for the blobs (encrypted photos) instead of DIR/blobs.
    #[arg(long, global = true, value_name = "DIR")]
    blobs: Option<PathBuf>,
    /// S3-compatible storage for the blobs (endpoint and keys from the AWS_* variables).
    #[arg(long, global = true, value_name = "s3://BUCKET")]
    s3: Option<String>,
    /// PostgreSQL instead of SQLite: the schema owner's connection string (migrations, admin).
    #[arg(long, global = true, value_name = "CONNINFO")]
    postgres: Option<String>,
    /// The connection string of the role that serves tablets under row-level security.
    #[arg(long = "postgres-app", global = true, value_name = "CONNINFO", requires = "postgres")]
    postgres_app: Option<String>,
    /// The PostgreSQL schema.
    #[arg(long, global = true, value_name = "NAME", default_value = "chevet", requires = "postgres")]
    schema: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serves the API to the tablets.
    Serve {
        /// Address and port to listen on.
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787")]
        listen: String,
        /// Certificate chain (PEM) to serve HTTPS; reloaded on SIGHUP.
        #[arg(long, value_name = "CHAIN.pem", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// Private key (PEM) of the certificate.
        #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Plain HTTP on a network address, for a TLS-terminating proxy in front.
        #[arg(long, conflicts_with = "tls_cert")]
        behind_proxy: bool,
        /// The establishment's CA (PEM), when the hub's certificate is not from a public
        /// authority: the console's enrolment QR codes carry it, so tablets trust the hub.
        #[arg(long, value_name = "CA.pem")]
        enrolment_ca: Option<PathBuf>,
    },
    /// Administers the hub's group: establishments, staff, tablets, residents.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Creates a group of establishments (a tenant); prints its id.
    CreateTenant {
        /// The group's name.
        name: String,
    },
    /// Creates an establishment of a tenant; prints its id.
    CreateEstablishment {
        /// The tenant's id.
        tenant: Uuid,
        name: String,
        /// Its FINESS number (9 characters).
        finess: String,
        #[arg(value_enum, default_value_t = KindArg::Ehpad)]
        kind: KindArg,
        /// The unit its teams type glycaemia in (the record keeps mg/dL).
        #[arg(long, value_enum, default_value_t = GlucoseArg::GramsPerLitre)]
        glucose_unit: GlucoseArg,
    },
    /// Creates a unit (a floor, a sector) of an establishment; prints its id.
    CreateUnit {
        /// The tenant's id.
        tenant: Uuid,
        establishment: Uuid,
        /// « Étage 2 », « Secteur Nord ».
        name: String,
    },
    /// Creates a professional who signs in on the tablets; prints their id.
    CreateStaff {
        /// The tenant's id.
        tenant: Uuid,
        name: String,
        #[arg(value_enum)]
        role: RoleArg,
        /// A unit they work in (repeat for each); their record reaches those units' tablets only.
        #[arg(long = "unit", value_name = "UNIT", required = true)]
        units: Vec<Uuid>,
    },
    /// Issues a one-time code with which a professional sets their first PIN on a tablet.
    FirstPinCode {
        /// The tenant's id.
        tenant: Uuid,
        staff: Uuid,
        /// Hours the code stays valid.
        #[arg(default_value_t = 72)]
        hours: i64,
    },
    /// Deactivates a professional: no more sign-in on the tablets, records signed after now refused.
    DeactivateStaff {
        /// The tenant's id.
        tenant: Uuid,
        staff: Uuid,
    },
    /// Brings a deactivated professional back.
    ReactivateStaff {
        /// The tenant's id.
        tenant: Uuid,
        staff: Uuid,
    },
    /// Issues a one-time enrolment code for a tablet of these units (and, with --link, the link its QR code carries).
    EnrolmentCode {
        /// The tenant's id.
        tenant: Uuid,
        /// The units, separated by commas.
        units: UnitList,
        /// Hours the code stays valid.
        #[arg(default_value_t = 24)]
        hours: i64,
        /// The hub's address as the tablets reach it: also prints the enrolment link.
        #[arg(long, value_name = "HUB_URL")]
        link: Option<String>,
        /// The establishment's CA (PEM), when the hub's certificate is not from a public authority.
        #[arg(long, value_name = "CA.pem", requires = "link")]
        ca: Option<PathBuf>,
    },
    /// Imports residents into a unit from a CSV file (birth_name;given_names;sex;birth_date;birth_place_insee;room).
    ImportResidents {
        /// The tenant's id.
        tenant: Uuid,
        unit: Uuid,
        /// The CSV file, `;`-separated, UTF-8.
        file: PathBuf,
    },
    /// Lists a tenant's tablets.
    Devices {
        /// The tenant's id.
        tenant: Uuid,
    },
    /// Revokes a tablet: its credential is refused from now on.
    RevokeDevice {
        /// The tablet's id (see `devices`).
        device: Uuid,
    },
    /// Drops the sync log older than DAYS (tablets further behind re-snapshot).
    CompactLog {
        /// Days of log kept.
        days: i64,
    },
    /// Creates an account of the coordinator's console (not a tablet profile); prints its password once.
    CreateConsoleAccount {
        /// The tenant's id.
        tenant: Uuid,
        /// The login (one word, e.g. an e-mail address).
        login: String,
        /// The name shown in the console.
        name: String,
        /// group-admin sees every establishment of the group; coordinator, one.
        #[arg(long, value_enum)]
        role: ConsoleRoleArg,
        /// The coordinator's establishment.
        #[arg(long, required_if_eq("role", "coordinator"))]
        establishment: Option<Uuid>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issues a console account a new one-time activation code for its second
    /// factor (a lost phone, a code that ran out); the authenticator in place
    /// stops working and the account's sessions end.
    ResetConsoleSecondFactor {
        /// The tenant's id.
        tenant: Uuid,
        /// The account's login.
        login: String,
    },
    /// Lists a tenant's conflicts waiting for a coordinator.
    Conflicts {
        /// The tenant's id.
        tenant: Uuid,
    },
}

/// Units given as `ID[,ID…]`.
#[derive(Clone, Debug)]
struct UnitList(Vec<Uuid>);

impl std::str::FromStr for UnitList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(|u| u.trim().parse().map_err(|_| format!("not a unit id: {u}")))
            .collect::<Result<_, _>>()
            .map(UnitList)
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ConsoleRoleArg {
    GroupAdmin,
    Coordinator,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum GlucoseArg {
    /// g/L, as French teams write it (« 1,20 »).
    #[value(name = "g/L")]
    GramsPerLitre,
    /// mg/dL, as some meters read.
    #[value(name = "mg/dL")]
    MilligramsPerDecilitre,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum KindArg {
    Ehpad,
    Mas,
    Ssiad,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum RoleArg {
    Nurse,
    CareAide,
    SocialCareAide,
    Physician,
    Manager,
}

fn open(data: &PathBuf) -> Result<SqliteBackend, String> {
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    SqliteBackend::open(&data.join("hub.db")).map_err(|e| e.to_string())
}

fn e<T>(r: Result<T, crate::error::HubError>) -> Result<T, String> {
    r.map_err(|err| err.to_string())
}

impl StorageArgs {
    fn open(&self, serving: bool) -> Result<AnyBackend, String> {
        let Some(owner) = &self.postgres else {
            return Ok(AnyBackend::Sqlite(open(&self.data)?));
        };
        // Admin commands run as the owner; serving needs the confined role.
        let app = match &self.postgres_app {
            Some(a) => a.clone(),
            None if !serving => owner.clone(),
            None => return Err("serving on PostgreSQL needs --postgres-app (the row-level-security role)".into()),
        };
        PostgresBackend::open(owner, &app, &self.schema)
            .map(|b| AnyBackend::Postgres(Box::new(b)))
            .map_err(|e| e.to_string())
    }

    fn blobs(&self) -> Result<BlobStore, String> {
        match &self.s3 {
            Some(url) => BlobStore::open_s3(url),
            None => BlobStore::open(&self.blobs.clone().unwrap_or_else(|| self.data.join("blobs"))),
        }
        .map_err(|e| e.to_string())
    }
}

fn admin(storage: &StorageArgs, command: AdminCommand) -> CliResult {
    let backend = storage.open(false)?;
    let admin = Admin::new(&backend);
    match command {
        AdminCommand::CreateTenant { name } => println!("{}", e(admin.create_tenant(&name))?),
        AdminCommand::CreateEstablishment { tenant, name, finess, kind, glucose_unit } => {
            let kind = match kind {
                KindArg::Ehpad => EstablishmentKind::Ehpad,
                KindArg::Mas => EstablishmentKind::Mas,
                KindArg::Ssiad => EstablishmentKind::Ssiad,
            };
            let est = Establishment {
                id: Uuid::now_v7(),
                name,
                finess,
                kind,
                time_zone: "Europe/Paris".into(),
                alert_settings: None,
                glucose_entry_unit: match glucose_unit {
                    GlucoseArg::GramsPerLitre => chevet_domain::clinical::units::GlucoseUnit::GramsPerLitre,
                    GlucoseArg::MilligramsPerDecilitre => {
                        chevet_domain::clinical::units::GlucoseUnit::MilligramsPerDecilitre
                    }
                },
            };
            e(admin.put_establishment(tenant, &est))?;
            println!("{}", est.id);
        }
        AdminCommand::CreateUnit { tenant, establishment, name } => {
            let unit = Unit { id: Uuid::now_v7(), establishment_id: establishment, name };
            e(admin.put_unit(tenant, &unit))?;
            println!("{}", unit.id);
        }
        AdminCommand::CreateStaff { tenant, name, role, units } => {
            let role = match role {
                RoleArg::Nurse => Role::Nurse,
                RoleArg::CareAide => Role::CareAide,
                RoleArg::SocialCareAide => Role::SocialCareAide,
                RoleArg::Physician => Role::CoordinatingPhysician,
                RoleArg::Manager => Role::HealthManager,
            };
            let s = e(admin.create_staff(tenant, &name, role, &units))?;
            println!("{}", s.id);
        }
        AdminCommand::FirstPinCode { tenant, staff, hours } => {
            println!("{}", e(admin.first_pin_code(tenant, staff, hours))?);
        }
        AdminCommand::DeactivateStaff { tenant, staff } => {
            let changed = e(admin.set_staff_active(tenant, staff, false))?;
            println!("{}", if changed { "deactivated" } else { "already deactivated" });
        }
        AdminCommand::ReactivateStaff { tenant, staff } => {
            let changed = e(admin.set_staff_active(tenant, staff, true))?;
            println!("{}", if changed { "reactivated" } else { "already active" });
        }
        AdminCommand::EnrolmentCode { tenant, units, hours, link, ca } => {
            let ca_der = ca.map(|file| read_ca(&file)).transpose()?;
            let code = e(admin.enrolment_code(tenant, &units.0, hours))?;
            println!("{code}");
            if let Some(hub_url) = link {
                let link = chevet_protocol::EnrolmentLink { hub_url, code, ca_der };
                // Checked as the tablet will read it, so a bad address shows here.
                chevet_protocol::EnrolmentLink::parse(&link.to_uri()).map_err(|err| err.to_string())?;
                println!("{}", link.to_uri());
            }
        }
        AdminCommand::ImportResidents { tenant, unit, file } => {
            let csv = std::fs::read_to_string(&file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            let today = jiff::ZonedDateTime::now().date();
            let ids = e(admin.import_residents_csv(tenant, unit, &csv, today))?;
            println!("{} residents imported", ids.len());
        }
        AdminCommand::Devices { tenant } => {
            for d in e(admin.devices(tenant))? {
                println!(
                    "{}\t{}\t{}\tlast_seq={}",
                    d.device_id,
                    if d.revoked { "revoked" } else { "active" },
                    d.label,
                    d.last_seq
                );
            }
        }
        AdminCommand::CompactLog { days } => println!("{} changes dropped", e(admin.compact_log(days))?),
        AdminCommand::RevokeDevice { device } => {
            if !e(admin.revoke_device(device))? {
                return Err("no such active device".into());
            }
        }
        AdminCommand::CreateConsoleAccount { tenant, login, name, role, establishment, password_stdin } => {
            use crate::console::accounts::ConsoleRole;
            let role = match (role, establishment) {
                (ConsoleRoleArg::GroupAdmin, None) => ConsoleRole::GroupAdmin,
                (ConsoleRoleArg::Coordinator, Some(establishment)) => ConsoleRole::Coordinator { establishment },
                (ConsoleRoleArg::GroupAdmin, Some(_)) => {
                    return Err("a group administrator sees every establishment: no --establishment".into());
                }
                (ConsoleRoleArg::Coordinator, None) => return Err("a coordinator needs --establishment".into()),
            };
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|err| format!("cannot read the password: {err}"))?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (e(crate::sync::random_secret(10))?, true)
            };
            let (account, activation) = e(admin.create_console_account(tenant, &login, &name, role, &password))?;
            println!("{}", account.id);
            if generated {
                println!("password: {password}");
            }
            println!("activation code: {activation}");
            eprintln!(
                "Hand the password and the activation code over to this person once. At the first sign-in the \
                 activation code lets them set up their authenticator; it works once, for 7 days."
            );
        }
        AdminCommand::ResetConsoleSecondFactor { tenant, login } => {
            let activation = e(admin.reset_console_second_factor(tenant, &login))?;
            println!("activation code: {activation}");
            eprintln!(
                "The authenticator in place no longer works. At the next sign-in the activation code lets this \
                 person set up one; it works once, for 7 days."
            );
        }
        AdminCommand::Conflicts { tenant } => {
            for c in e(admin.conflicts(tenant))? {
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

/// A CA certificate file (PEM), as DER.
fn read_ca(file: &std::path::Path) -> Result<Vec<u8>, String> {
    let pem = std::fs::read_to_string(file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    chevet_protocol::enrolment_link::pem_to_der(&pem).ok_or(format!("no certificate in {}", file.display()))
}

async fn serve(
    backend: AnyBackend,
    blobs: BlobStore,
    listen: String,
    transport: Transport,
    enrolment_ca_der: Option<Vec<u8>>,
) -> CliResult {
    let backend = Arc::new(backend);
    let listener =
        tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let behind_proxy = matches!(transport, Transport::Plain { behind_proxy: true });
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
    let options = crate::ServeOptions { tls, enrolment_ca_der, behind_proxy, ..Default::default() };
    crate::serve_configured(listener, backend, blobs, options, shutdown).await.map_err(|e| e.to_string())
}

/// Runs the command `args` (without the program's name) and says how it went.
pub fn run(args: Vec<String>) -> ExitCode {
    let cli = match Cli::try_parse_from(std::iter::once("chevet-hub".to_owned()).chain(args)) {
        Ok(cli) => cli,
        // --help and --version print and succeed; a wrong command says why.
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    crate::logging::init(log::LevelFilter::Info);
    let result = (|| -> CliResult {
        match cli.command {
            Command::Serve { listen, tls_cert, tls_key, behind_proxy, enrolment_ca } => {
                let enrolment_ca_der = enrolment_ca.map(|file| read_ca(&file)).transpose()?;
                let transport = match (tls_cert, tls_key) {
                    (Some(cert), Some(key)) => {
                        Transport::Tls(crate::tls::TlsServer::load(cert, key).map_err(|e| e.to_string())?)
                    }
                    _ => Transport::Plain { behind_proxy },
                };
                let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                // Open storage before the runtime: the PostgreSQL client blocks on its own.
                let backend = cli.storage.open(true)?;
                let blobs = cli.storage.blobs()?;
                rt.block_on(serve(backend, blobs, listen, transport, enrolment_ca_der))
            }
            Command::Admin { command } => admin(&cli.storage, command),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn storage_options_go_before_or_after_the_command() {
        let before =
            Cli::try_parse_from(["chevet-hub", "--data", "/srv/hub", "admin", "devices", &Uuid::nil().to_string()]);
        let after =
            Cli::try_parse_from(["chevet-hub", "admin", "devices", &Uuid::nil().to_string(), "--data", "/srv/hub"]);
        for cli in [before.unwrap(), after.unwrap()] {
            assert_eq!(cli.storage.data, PathBuf::from("/srv/hub"));
        }
        let units = Cli::try_parse_from([
            "chevet-hub",
            "admin",
            "enrolment-code",
            &Uuid::nil().to_string(),
            &format!("{},{}", Uuid::nil(), Uuid::max()),
        ])
        .unwrap();
        let Command::Admin { command: AdminCommand::EnrolmentCode { units, hours, .. } } = units.command else {
            panic!("enrolment-code");
        };
        assert_eq!((units.0.len(), hours), (2, 24));
        assert!(Cli::try_parse_from(["chevet-hub", "admin", "devices", "not-an-id"]).is_err());
        assert!(Cli::try_parse_from(["chevet-hub", "serve", "--tls-cert", "a.pem"]).is_err(), "the key goes with it");
        assert!(
            Cli::try_parse_from(["chevet-hub", "serve", "--behind-proxy", "--tls-cert", "a", "--tls-key", "b"])
                .is_err()
        );
    }
}
