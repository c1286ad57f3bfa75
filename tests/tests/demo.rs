//! The README's run command (`chevet-demo`) keeps working and converges.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_and_its_tablets_converge() {
    chevet_e2e::install_tls_provider();
    chevet_demo::system::run(4).await.expect("demo");
}
