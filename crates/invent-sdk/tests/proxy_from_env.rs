//! The SDK's own client honours the standard proxy variables, set only in the
//! environment: `HTTP_PROXY` carries a call to a host that does not even
//! resolve, `NO_PROXY` exempts a host, and (with a TLS feature)
//! `HTTPS_PROXY` receives the `CONNECT` of an https call.
//!
//! A test binary of its own with a single test: the process environment is
//! set before any thread that could read it exists, and no other test sees it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use invent_sdk::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CHAT_ID: &str = "chat_proxied";
const KEY: &str = "sk-proxy-test";

/// A forwarding HTTP proxy on 127.0.0.1 that records the request line of
/// each connection. Plain requests (absolute-form) go to `upstream` whatever
/// host they name; `CONNECT` is refused after being recorded.
struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(forward(client, upstream, Arc::clone(&record)));
            }
        });
        Proxy { addr, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, seen: Arc<Mutex<Vec<String>>>) {
    // Read up to the end of the request head: its first line is the record.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let connect = line.starts_with("CONNECT ");
    seen.lock().unwrap().push(line);
    if connect {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    }
    // The upstream (hyper underneath) reads absolute-form targets as they are.
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    if server.write_all(&head).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

fn client(base_url: &str, api_key: &str) -> Client {
    Client::builder()
        .api_key(api_key)
        .base_url(base_url)
        .max_retries(0)
        .build()
        .expect("client")
}

#[test]
fn proxies_come_from_the_environment() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Answers the state change of CHAT_ID with that chat; anything else 404.
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("PATCH"))
            .and(path(format!("/chats/{CHAT_ID}/state")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": CHAT_ID})),
            )
            .mount(&server)
            .await;
        server
    });
    let upstream = *server.address();
    let proxy = runtime.block_on(Proxy::start(upstream));

    // Clients read the variables when they are built, below. Lower-case and
    // `ALL_PROXY` variants from the machine are cleared so only these count.
    for var in [
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "ALL_PROXY",
    ] {
        std::env::remove_var(var);
    }
    let proxy_url = format!("http://{}", proxy.addr);
    std::env::set_var("HTTP_PROXY", &proxy_url);
    std::env::set_var("HTTPS_PROXY", &proxy_url);
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");

    runtime.block_on(async {
        let chat_id = CHAT_ID;

        // `invent.test` resolves nowhere: only the proxy can deliver this.
        let proxied = client("http://invent.test", KEY);
        let chat = proxied
            .update_chat_state(chat_id)
            .csat_score(4)
            .send()
            .await
            .expect("the call through HTTP_PROXY");
        assert_eq!(chat.into_inner().id, chat_id);
        assert_eq!(
            proxy.seen(),
            [format!(
                "PATCH http://invent.test/chats/{chat_id}/state HTTP/1.1"
            )]
        );

        // NO_PROXY: straight to the server, the proxy sees nothing new.
        let direct = client(&server.uri(), KEY);
        direct
            .update_chat_state(chat_id)
            .csat_score(5)
            .send()
            .await
            .expect("the direct call");
        assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());

        // HTTPS_PROXY: the https call asks the proxy for a tunnel (which this
        // proxy refuses, so the call fails).
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        {
            let secure = client("https://invent.test", KEY);
            let result = secure.update_chat_state(chat_id).csat_score(3).send().await;
            assert!(result.is_err(), "the proxy refused the tunnel");
            assert_eq!(
                proxy.seen().last().map(String::as_str),
                Some("CONNECT invent.test:443 HTTP/1.1"),
                "{:?}",
                proxy.seen()
            );
        }
    });
}
