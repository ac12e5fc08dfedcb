//! The end-to-end harness shared by the `end_to_end` (timing) and
//! `allocations` benches: a fixed-answer server on loopback, the hand-written
//! `reqwest` + `serde_json` client the SDK is measured against, and one
//! measured round of calls.
//!
//! The fixed server answers both operations with the vendor's example chat
//! and does nothing else, so what differs between the SDK and raw rounds is
//! client-side work only. `invent-mock-server` is the second target: it runs
//! the operations for real.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::routing::{patch, post};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use invent_sdk::Client;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::{hand_written, seed_payloads};

pub use crate::raw_client::{RawClient, TIMEOUT, USER_AGENT};
/// The API key both clients send.
pub const API_KEY: &str = "sk-bench";

/// Which operation a round calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `PATCH /chats/{chat_id}/state` with `{"ai_enabled":true,"csat_score":5}`.
    Update,
    /// `POST /chats/{chat_id}/fork` with `{"message_id":…}`.
    Fork,
}

/// Which client a round uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `invent_sdk::Client`.
    Sdk,
    /// `invent_sdk::Client` with one middleware that does nothing but pass
    /// the request on: the price of the middleware chain itself.
    SdkNoOpMiddleware,
    /// [`RawClient`]: `reqwest` + `serde_json` into [`hand_written::Chat`].
    Raw,
}

/// One request as the fixed server saw it (only when recording).
#[derive(Clone, Debug)]
pub struct SeenRequest {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub uri: Uri,
    /// Every header.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

struct Answers {
    update: Bytes,
    fork: Bytes,
    /// `Some` when recording: the requests seen, in order.
    seen: Option<Mutex<Vec<SeenRequest>>>,
}

/// A server on 127.0.0.1 answering `PATCH /chats/{id}/state` with the update
/// seed's chat and `POST /chats/{id}/fork` with the fork seed's chat, whatever
/// the request. Stops accepting when [`shutdown`](Self::shutdown) is awaited;
/// open connections end when their client closes them.
pub struct FixedServer {
    url: String,
    answers: Arc<Answers>,
    task: JoinHandle<()>,
}

impl FixedServer {
    /// Starts a server that keeps no record of requests (what the benches time).
    pub async fn start() -> std::io::Result<FixedServer> {
        Self::start_with(false).await
    }

    /// Starts a server that records every request, for [`seen`](Self::seen).
    pub async fn start_recording() -> std::io::Result<FixedServer> {
        Self::start_with(true).await
    }

    async fn start_with(recording: bool) -> std::io::Result<FixedServer> {
        let [(_, update), (_, fork)] = seed_payloads();
        let answers = Arc::new(Answers {
            update: Bytes::from(update),
            fork: Bytes::from(fork),
            seen: recording.then(|| Mutex::new(Vec::new())),
        });
        let app = Router::new()
            .route("/chats/{chat_id}/state", patch(answer))
            .route("/chats/{chat_id}/fork", post(answer))
            .with_state(answers.clone());
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => drop(tokio::spawn(serve_connection(stream, app.clone()))),
                    // E.g. out of file descriptors: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        Ok(FixedServer { url, answers, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The requests seen so far (empty unless started with [`start_recording`](Self::start_recording)).
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.answers.seen.as_ref().map_or_else(Vec::new, |seen| {
            seen.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        })
    }

    /// Stops accepting connections.
    pub async fn shutdown(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

async fn answer(
    State(answers): State<Arc<Answers>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ([(header::HeaderName, HeaderValue); 1], Bytes) {
    let chat = if method == Method::POST {
        answers.fork.clone()
    } else {
        answers.update.clone()
    };
    if let Some(seen) = &answers.seen {
        seen.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(SeenRequest {
                method,
                uri,
                headers,
                body,
            });
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        chat,
    )
}

async fn serve_connection(stream: TcpStream, app: Router) {
    // Like invent-mock-server: without it, small responses wait for Nagle.
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        hyper::service::Service::call(&service, request)
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A server to call and the chat and message the calls name.
#[derive(Clone, Debug)]
pub struct Target {
    /// Base URL.
    pub url: String,
    /// API key the server accepts.
    pub api_key: String,
    /// Chat to update and fork.
    pub chat_id: String,
    /// Message to fork from.
    pub message_id: String,
}

impl Target {
    /// The fixed server (which accepts any chat and message).
    pub fn fixed(server: &FixedServer) -> Target {
        Target {
            url: server.url().to_owned(),
            api_key: API_KEY.to_owned(),
            chat_id: "chat_01J9QK3M7XW2V8RZ4T6YB5NCHD".to_owned(),
            message_id: "msg_01J9QK5X8Z0B2C4D6E8F0G2H4J".to_owned(),
        }
    }
}

/// Both clients for one target, with the request bodies built once (as a
/// caller reusing a value would).
#[derive(Clone, Debug)]
pub struct Clients {
    sdk: Client,
    sdk_no_op_middleware: Client,
    raw: RawClient,
    target: Arc<Target>,
    update: hand_written::UpdateChatStateRequest,
    fork: hand_written::ForkChatRequest,
}

impl Clients {
    /// Builds the SDK client and the raw client for `target`.
    pub fn new(target: Target) -> Result<Clients, String> {
        let builder = Client::builder()
            .api_key(&target.api_key)
            .base_url(&target.url)
            .user_agent(USER_AGENT)
            .timeout(TIMEOUT);
        let sdk = builder.clone().build().map_err(|e| e.to_string())?;
        let sdk_no_op_middleware = builder
            .middleware(NoOpMiddleware)
            .build()
            .map_err(|e| e.to_string())?;
        let raw = RawClient::new(&target.url, &target.api_key)?;
        Ok(Clients {
            sdk,
            sdk_no_op_middleware,
            raw,
            update: hand_written::UpdateChatStateRequest {
                ai_enabled: Some(true),
                csat_score: Some(5),
                ..Default::default()
            },
            fork: hand_written::ForkChatRequest {
                message_id: target.message_id.clone(),
                title: None,
            },
            target: Arc::new(target),
        })
    }

    /// One call; `Err` describes what went wrong. Both sides check the
    /// decoded chat has an id, so neither can skip decoding.
    pub async fn call(&self, side: Side, op: Op) -> Result<(), String> {
        let t = &*self.target;
        let sdk = match side {
            Side::SdkNoOpMiddleware => &self.sdk_no_op_middleware,
            _ => &self.sdk,
        };
        let id = match (side, op) {
            (Side::Sdk | Side::SdkNoOpMiddleware, Op::Update) => {
                let chat = sdk
                    .update_chat_state(&t.chat_id)
                    .ai_enabled(true)
                    .csat_score(5)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                chat.into_inner().id
            }
            (Side::Sdk | Side::SdkNoOpMiddleware, Op::Fork) => {
                let chat = sdk
                    .fork_chat(&t.chat_id)
                    .message_id(&t.message_id)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                chat.into_inner().id
            }
            (Side::Raw, Op::Update) => {
                let chat = self.raw.update_chat_state(&t.chat_id, &self.update);
                chat.await.map_err(|e| e.to_string())?.id
            }
            (Side::Raw, Op::Fork) => {
                let chat = self.raw.fork_chat(&t.chat_id, &self.fork);
                chat.await.map_err(|e| e.to_string())?.id
            }
        };
        if id.is_empty() {
            return Err(format!("{side:?} {op:?}: the chat has no id"));
        }
        Ok(())
    }
}

/// Passes every request on unchanged.
#[derive(Debug)]
struct NoOpMiddleware;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for NoOpMiddleware {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        next.run(req, extensions).await
    }
}

/// What one round measured.
#[derive(Clone, Debug, Default)]
pub struct Round {
    /// Calls made.
    pub calls: usize,
    /// Wall time from the first call to the last answer.
    pub wall: Duration,
    /// CPU time of the thread running the client, over the same span.
    pub client_cpu: Duration,
    /// Every call's latency, in completion order.
    pub latencies: Vec<Duration>,
}

/// Runs `calls` calls (rounded down to a multiple of `concurrency`) as
/// `concurrency` tasks, each making its share one after the other, on the
/// current-thread runtime of the calling thread. The client's CPU time is that
/// thread's, so the runtime must be a current-thread one.
pub async fn round(
    clients: &Clients,
    side: Side,
    op: Op,
    concurrency: usize,
    calls: usize,
) -> Result<Round, String> {
    let per_task = calls / concurrency.max(1);
    let cpu = thread_cpu();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let clients = clients.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let one = Instant::now();
                clients.call(side, op).await?;
                latencies.push(one.elapsed());
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(per_task * concurrency);
    while let Some(task) = tasks.join_next().await {
        latencies.extend(task.map_err(|e| e.to_string())??);
    }
    Ok(Round {
        calls: latencies.len(),
        wall: started.elapsed(),
        client_cpu: thread_cpu().saturating_sub(cpu),
        latencies,
    })
}

/// CPU time the calling thread has used (zero if the clock cannot be read).
pub fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    // (libc, not rustix: rustix reads the vDSO itself, which crashes under valgrind.)
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// The `p`-th quantile (0..=1) of sorted durations.
pub fn quantile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let last = sorted.len() - 1;
    let index = ((sorted.len() as f64 * p) as usize).min(last);
    sorted[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
        let mut all: Vec<_> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
            .collect();
        all.sort();
        all
    }

    /// The comparison is fair only if both clients put the same bytes on the wire.
    #[tokio::test]
    async fn sdk_and_raw_send_the_same_requests() {
        let server = FixedServer::start_recording().await.unwrap();
        let clients = Clients::new(Target::fixed(&server)).unwrap();
        let sides = [Side::Sdk, Side::Raw, Side::SdkNoOpMiddleware];
        for op in [Op::Update, Op::Fork] {
            for side in sides {
                clients.call(side, op).await.unwrap();
            }
        }
        let seen = server.seen();
        assert_eq!(seen.len(), 2 * sides.len());
        for same_op in seen.chunks(sides.len()) {
            let raw = &same_op[1];
            for sdk in [&same_op[0], &same_op[2]] {
                assert_eq!(sdk.method, raw.method);
                assert_eq!(sdk.uri, raw.uri);
                assert_eq!(sdk.body, raw.body, "{}", sdk.uri);
                assert_eq!(sorted(&sdk.headers), sorted(&raw.headers), "{}", sdk.uri);
            }
        }
        assert_eq!(&seen[0].body[..], br#"{"ai_enabled":true,"csat_score":5}"#);
        assert_eq!(
            seen[0].headers.get(header::AUTHORIZATION).unwrap(),
            "Bearer sk-bench"
        );
        server.shutdown().await;
    }

    #[test]
    fn quantiles_pick_from_sorted_durations() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&ms, 0.5), Duration::from_millis(51));
        assert_eq!(quantile(&ms, 0.99), Duration::from_millis(100));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }
}
