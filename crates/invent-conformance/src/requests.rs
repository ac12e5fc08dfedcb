//! Requests: the SDK against Prism, which mocks `openapi.yaml` and validates
//! every request against it. Every operation of `OPERATIONS` is sent in each
//! of its shapes (`shapes.rs`) through `Client::call_operation`, that is
//! through the operation's typed builder: Prism must accept each, and the SDK
//! must decode the answer Prism generates. Then the negative controls, sent
//! raw past the SDK's checks: Prism must refuse each, or the check proves
//! nothing.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use invent_sdk::operations::OPERATIONS;
use invent_sdk::Client;

use crate::shapes::{self, Spec, Target};
use crate::tools::Tools;
use crate::{runtime, step, Failure};

/// The key sent to Prism (which checks that there is one, not its value).
const API_KEY: &str = "conformance-key";

/// Starts Prism on the spec, sends every shape of every operation and the
/// negative controls, and prints what was accepted and refused.
pub(crate) fn prism(root: &Path, tools: &Tools) -> Result<(), Failure> {
    step("requests: the SDK against Prism (mock mode, request validation)");
    let spec = Spec::load(&root.join("openapi.yaml"))?;
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(tools.bin.join("prism"))
        .args([
            "mock",
            "openapi.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Failure::new(format!("could not start Prism: {e}")))?;
    let mut server = Server(child);
    wait_until_listening(addr, &mut server, Duration::from_secs(60))?;
    let base_url = format!("http://{addr}");
    let runtime = runtime()?;
    let mut report = runtime.block_on(send_shapes(&spec, &base_url))?;
    report.extend(runtime.block_on(send_negative_controls(&spec, &base_url))?);
    for line in &report {
        println!("  {line}");
    }
    drop(server);
    Ok(())
}

/// Every shape of every operation, through the SDK; each must succeed.
async fn send_shapes(spec: &Spec, base_url: &str) -> Result<Vec<String>, Failure> {
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .max_retries(0)
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut report = Vec::new();
    for op in OPERATIONS {
        for (what, inputs) in shapes::shapes(spec, Target::from(*op)) {
            match client.call_operation(op.id, inputs.call()).await {
                Ok(response) => report.push(format!(
                    "accepted: {}, {what} (status {})",
                    op.id,
                    response.status()
                )),
                Err(e @ invent_sdk::Error::InvalidInput { .. }) => {
                    return Err(Failure::new(format!(
                        "the SDK refused {}, {what} ({inputs:?}): {e}; \
                         give the property an `example` in the spec that it accepts",
                        op.id
                    )))
                }
                Err(e) => {
                    return Err(Failure::new(format!(
                        "Prism rejected {}, {what} ({inputs:?}), or the SDK could not \
                         read its answer: {e}",
                        op.id
                    )))
                }
            }
        }
    }
    Ok(report)
}

/// Bodies the schema refuses, sent raw: Prism must say no to each.
async fn send_negative_controls(spec: &Spec, base_url: &str) -> Result<Vec<String>, Failure> {
    let raw = reqwest::Client::new();
    let mut report = Vec::new();
    for op in OPERATIONS {
        let target = Target::from(*op);
        let url = raw_url(spec, target, base_url)?;
        let method = reqwest::Method::from_bytes(op.method.as_bytes())
            .map_err(|e| Failure::new(e.to_string()))?;
        for (what, body) in shapes::negative_controls(spec, target) {
            let response = raw
                .request(method.clone(), url.clone())
                .bearer_auth(API_KEY)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .map_err(|e| Failure::new(format!("negative control {body}: {e}")))?;
            let status = response.status();
            if status.as_u16() != 422 && status.as_u16() != 400 {
                return Err(Failure::new(format!(
                    "negative control not rejected: {} {}, {what}: {method} {url} {body} got {status}; the check cannot fail",
                    op.id, url.path()
                )));
            }
            report.push(format!(
                "rejected (negative control): {} {what}: {method} {} {body} -> {status}",
                op.id,
                url.path()
            ));
        }
    }
    if report.is_empty() {
        return Err(Failure::new(
            "no operation has a body property the schema constrains: no negative control, \
             so nothing shows that Prism validates requests",
        ));
    }
    Ok(report)
}

/// The operation's URL with every path parameter at its plain value.
fn raw_url(spec: &Spec, op: Target<'_>, base_url: &str) -> Result<reqwest::Url, Failure> {
    let mut url = reqwest::Url::parse(base_url).map_err(|e| Failure::new(e.to_string()))?;
    let mut segments = url
        .path_segments_mut()
        .map_err(|()| Failure::new(format!("{base_url} cannot have a path")))?;
    segments.pop_if_empty();
    for segment in op.path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => segments.push(&spec.param_text(op, name)),
            None => segments.push(segment),
        };
    }
    drop(segments);
    Ok(url)
}

/// A child process killed when dropped, so no server outlives the run.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, Failure> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Failure::new(format!("no free port on 127.0.0.1: {e}")))
}

fn wait_until_listening(
    addr: SocketAddr,
    server: &mut Server,
    within: Duration,
) -> Result<(), Failure> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            return Err(Failure::new(format!(
                "the server exited before listening ({status})"
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(Failure::new(format!(
        "nothing listened on {addr} within {within:?}"
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

    use super::*;

    /// What Prism is sent, sent to the mock server (which checks bodies
    /// against the same schemas): the SDK refuses none of it and no answer
    /// says the request was malformed. Catches a shape the SDK's own checks
    /// refuse without needing Prism.
    #[tokio::test]
    async fn the_sdk_sends_every_shape_of_every_operation() {
        let spec = Spec::load(&crate::project_root().join("openapi.yaml")).unwrap();
        let server = invent_mock_server::MockServer::builder()
            .start()
            .await
            .unwrap();
        let client = Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .max_retries(0)
            .build()
            .unwrap();
        let mut sent = 0;
        for op in OPERATIONS {
            for (what, inputs) in shapes::shapes(&spec, Target::from(*op)) {
                match client.call_operation(op.id, inputs.call()).await {
                    Ok(_) => {}
                    // The mock server knows only the chats it holds.
                    Err(e) if e.is_not_found() => {}
                    Err(e) => panic!("{}, {what} ({inputs:?}): {e}", op.id),
                }
                sent += 1;
            }
            let url = raw_url(&spec, Target::from(*op), server.url()).unwrap();
            assert!(url.as_str().starts_with(server.url()), "{url}");
        }
        assert!(sent >= OPERATIONS.len(), "{sent}");
        server.shutdown().await;
    }
}
