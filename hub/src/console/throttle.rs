//! Why this exists: checking a console password costs an Argon2id hash —
//! about 30 ms of a core and 19 MiB — and anyone who can reach the hub may
//! ask for one, without any credential. Unbounded, a handful of clients
//! posting sign-ins keep every core hashing and the tablets' sync waits
//! behind them. So, before any hash:
//!
//! - each source address has a small budget of sign-in attempts (a token
//!   bucket: [`BURST`] at once, then one every [`REFILL`]); past it the hub
//!   answers 429 after [`REFUSAL_DELAY`], without touching storage;
//! - the login's own failure count is checked (storage, see
//!   `accounts::begin_attempt`): a locked login is refused unhashed;
//! - the whole hub checks at most [`HASHES_PER_SECOND`] passwords a second
//!   (a budget of its own, so that many addresses together cannot keep a
//!   core hashing), past which the answer is 503 (after the same delay);
//! - at most [`max_concurrent_checks`] hashes run at once, outside any
//!   storage transaction, on threads of their own at the lowest scheduling
//!   priority: whatever hashing there is yields the cores to the tablets'
//!   requests; an attempt that cannot start within [`QUEUE_WAIT`] is
//!   answered 503.
//!
//! The device API never takes these budgets, so a flood of sign-ins costs
//! the tablets little more than answering it: a fifth of a core hashing
//! (20 ms a hash in a release build), and refusals that touch no storage.
//! A flood does hold back legitimate sign-ins meanwhile — the console
//! waits, the tablets do not.
//!
//! Budgets are per hub process: behind a balancer each node keeps its own
//! (an attacker gets one budget per node), which the per-login lock-out in
//! storage does not depend on.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::budgets::Buckets;

/// Attempts a source address may make at once.
pub const BURST: f64 = 10.0;
/// Then one more attempt per this long.
pub const REFILL: Duration = Duration::from_secs(6);
/// How long a refused attempt waits for its answer: a client that waits
/// for each answer (as a browser does) sends one attempt a second at most,
/// so a flood costs the hub sleeping tasks, not cores.
pub const REFUSAL_DELAY: Duration = Duration::from_secs(1);
/// How long an attempt waits for a free password check before 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Passwords the whole hub checks per second at most, and at once.
pub const HASHES_PER_SECOND: f64 = 8.0;
const HASH_BURST: f64 = 16.0;

/// Half the cores (at least one): the other half stays with the tablets.
pub fn max_concurrent_checks() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Why a sign-in was not even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This address made too many attempts: wait.
    TooManyFromAddress,
    /// Too many checks queued already: try again in a moment.
    Busy,
}

/// The hub's sign-in guard: per-address budgets and the password checks' permits.
pub struct SignInGuard {
    buckets: Buckets<IpAddr>,
    /// The hub's own budget of hashes.
    hashes: Buckets<()>,
    checks: Semaphore,
    /// The hashing threads' queue (as long as there are permits).
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
    /// The hub is behind a TLS proxy: the client is the last address the
    /// proxy appended to X-Forwarded-For, not the proxy itself.
    behind_proxy: bool,
}

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard::new(false)
    }
}

impl SignInGuard {
    pub fn new(behind_proxy: bool) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..max_concurrent_checks() {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("sign-in-check-{i}")).spawn(move || {
                lowest_priority();
                // Ends when the guard (the sender) goes.
                loop {
                    let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                log::error!("sign-in check thread not started: {e}");
            }
        }
        SignInGuard {
            buckets: Buckets::new(BURST, REFILL),
            hashes: Buckets::new(HASH_BURST, Duration::from_secs_f64(1.0 / HASHES_PER_SECOND)),
            checks: Semaphore::new(max_concurrent_checks()),
            jobs: Mutex::new(jobs),
            behind_proxy,
        }
    }

    /// The source address of a request: the connection's peer, or behind a
    /// proxy the address it forwarded. IPv6 addresses count by their /64
    /// (one host holds a whole /64).
    pub fn source(&self, extensions: &Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        let forwarded = || {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
        };
        let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = if self.behind_proxy { forwarded().or(peer) } else { peer }?;
        Some(match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        })
    }

    /// Takes one attempt from the address's budget; false when it is spent.
    /// A request whose address cannot be told shares one budget with the others like it.
    pub fn admit(&self, source: Option<IpAddr>, now: Instant) -> bool {
        let key = source.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        self.buckets.take(key, 1.0, now).is_ok()
    }

    /// Takes one password check from the hub's own budget; false when spent
    /// (answered 503: the hub is busy, whoever asks).
    pub fn admit_hash(&self, now: Instant) -> bool {
        self.hashes.take((), 1.0, now).is_ok()
    }

    /// A permit to check one password, held until the check is done; none
    /// free within [`QUEUE_WAIT`] is [`Refusal::Busy`].
    pub async fn permit(&self) -> Result<SemaphorePermit<'_>, Refusal> {
        match tokio::time::timeout(QUEUE_WAIT, self.checks.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refusal::Busy),
        }
    }

    /// Runs a password check on the hashing threads (hold a [`permit`](Self::permit)).
    pub async fn check(&self, verify: impl FnOnce() -> bool + Send + 'static) -> Result<bool, Refusal> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(verify());
        });
        let sent = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send(job);
        if sent.is_err() {
            return Err(Refusal::Busy);
        }
        answered.await.map_err(|_| Refusal::Busy)
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The calling thread at the lowest scheduling priority (nice 19): it gets a
/// core only when nothing else wants it. Linux keeps a nice value per thread.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take no pointers; they act on this thread only.
        let done = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 19)
        };
        if done != 0 {
            log::warn!("sign-in checks keep the normal priority: setpriority failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_burst_then_one_attempt_per_refill() {
        let guard = SignInGuard::new(false);
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..BURST as usize {
            assert!(guard.admit(Some(a), t0));
        }
        assert!(!guard.admit(Some(a), t0), "the burst is spent");
        assert!(guard.admit(Some(b), t0), "another address has its own budget");
        assert!(!guard.admit(Some(a), t0 + REFILL / 2));
        assert!(guard.admit(Some(a), t0 + REFILL), "one more after the refill");
        assert!(!guard.admit(Some(a), t0 + REFILL));
    }

    #[test]
    fn the_hub_checks_a_bounded_number_of_passwords_a_second() {
        let guard = SignInGuard::new(false);
        let t0 = Instant::now();
        let admitted = (0..100).filter(|_| guard.admit_hash(t0)).count();
        assert_eq!(admitted, HASH_BURST as usize);
        let later = t0 + Duration::from_secs(2);
        let admitted = (0..100).filter(|_| guard.admit_hash(later)).count();
        assert_eq!(admitted, (2.0 * HASHES_PER_SECOND) as usize);
    }

    #[test]
    fn the_source_is_the_peer_unless_a_proxy_forwards_it() {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo::<SocketAddr>("10.0.0.1:4000".parse().unwrap()));
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 198.51.100.4".parse().unwrap());
        assert_eq!(SignInGuard::new(false).source(&ext, &headers), Some("10.0.0.1".parse().unwrap()));
        // Behind a proxy: the address it appended last (the client may write the others).
        assert_eq!(SignInGuard::new(true).source(&ext, &headers), Some("198.51.100.4".parse().unwrap()));
        let v6: SocketAddr = "[2001:db8:1:2:3:4:5:6]:443".parse().unwrap();
        let mut ext6 = Extensions::new();
        ext6.insert(ConnectInfo(v6));
        assert_eq!(SignInGuard::new(false).source(&ext6, &HeaderMap::new()), Some("2001:db8:1:2::".parse().unwrap()));
    }
}
