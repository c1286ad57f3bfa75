//! Hub processes: `chevet-hub serve` (its command line, built here as
//! `chevet-hub-node`) on a [`TestHub`]'s storage — its SQLite folder or its
//! PostgreSQL schema, its blob folder or S3 bucket — so that tests can run
//! several nodes side by side and SIGKILL them. Nothing is shared between
//! nodes but the storage.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::TestHub;

/// One hub process.
pub struct HubProcess {
    child: Option<Child>,
    /// This node's own disk: whatever the hub keeps outside the shared
    /// storage would land here, out of the other nodes' reach.
    _own: tempfile::TempDir,
    exe: PathBuf,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    pub port: u16,
}

impl HubProcess {
    /// Starts `exe` (`env!("CARGO_BIN_EXE_chevet-hub-node")`) serving
    /// `hub`'s storage on a free loopback port, and waits until it answers.
    pub async fn start(exe: &Path, hub: &TestHub) -> HubProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let own = tempfile::tempdir().unwrap();
        let mut args = Vec::new();
        match hub.postgres_schema() {
            Some((owner, schema)) => {
                let app = std::env::var("CHEVET_TEST_PG_APP").expect("CHEVET_TEST_PG_APP");
                args.extend(["--postgres".into(), owner, "--postgres-app".into(), app, "--schema".into(), schema]);
                args.extend(["--data".into(), own.path().display().to_string()]);
            }
            None => args.extend(["--data".into(), hub.dir.path().display().to_string()]),
        }
        let mut envs = vec![("CHEVET_LOG".to_owned(), "error".to_owned())];
        match &hub.s3 {
            Some((endpoint, bucket)) => {
                args.extend(["--s3".into(), format!("s3://{bucket}")]);
                args.extend(["--blobs".into(), own.path().join("blobs").display().to_string()]);
                for (k, v) in [
                    ("AWS_ENDPOINT", endpoint.as_str()),
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                    ("AWS_REGION", "eu-west-3"),
                    ("AWS_ALLOW_HTTP", "true"),
                ] {
                    envs.push((k.into(), v.into()));
                }
            }
            None => args.extend(["--blobs".into(), hub.dir.path().join("blobs").display().to_string()]),
        }
        args.extend(["serve".into(), "--listen".into(), format!("127.0.0.1:{port}")]);
        let mut node = HubProcess { child: None, _own: own, exe: exe.to_owned(), args, envs, port };
        node.spawn().await;
        node
    }

    async fn spawn(&mut self) {
        let child = Command::new(&self.exe)
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hub process");
        self.child = Some(child);
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("hub process did not start on port {}", self.port);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no shutdown, requests cut wherever they are.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port with the same storage.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
