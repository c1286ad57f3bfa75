//! `chevet-hub serve` on the network: TLS, or an explicit proxy, or nothing.

use std::process::Command;

fn serve(args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chevet-hub"))
        .args(["--data", dir.path().to_str().unwrap(), "serve"])
        .args(args)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn plain_http_on_a_network_address_is_refused_at_start() {
    let (ok, stderr) = serve(&["--listen", "0.0.0.0:0"]);
    assert!(!ok);
    assert!(stderr.contains("--tls-cert") && stderr.contains("--behind-proxy"), "{stderr}");
}

#[test]
fn unusable_tls_files_stop_the_hub_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("hub.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let (ok, stderr) =
        serve(&["--listen", "127.0.0.1:0", "--tls-cert", cert.to_str().unwrap(), "--tls-key", "/nonexistent.key"]);
    assert!(!ok);
    assert!(stderr.contains("hub.pem"), "{stderr}");
    let (ok, stderr) = serve(&["--tls-cert", cert.to_str().unwrap()]);
    assert!(!ok && stderr.contains("--tls-key"), "{stderr}");
}
