//! The client a user would write by hand for the two benchmarked calls:
//! `reqwest` + `serde_json` into [`hand_written::Chat`].
//!
//! Self-contained on purpose (it needs only `reqwest` with `json`, `serde`,
//! `serde_json` and the sibling `hand_written` module): `cargo xtask bench
//! --build-cost` compiles this file and `hand_written.rs` into a scratch
//! crate of their own, the floor an SDK consumer's build is compared with.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::hand_written;

/// The `User-Agent` both clients send, so requests are byte-for-byte alike.
pub const USER_AGENT: &str = "invent-bench/0";
/// The per-attempt timeout both clients set (the SDK's default): a timer per request on both sides.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The client a user would write by hand: one shared `reqwest::Client` with the
/// same headers and timeout the SDK sends, bodies from plain serde structs,
/// responses decoded into [`hand_written::Chat`].
#[derive(Clone, Debug)]
pub struct RawClient {
    http: reqwest::Client,
    base_url: String,
}

impl RawClient {
    /// A client for `base_url` sending `api_key` as a bearer token.
    pub fn new(base_url: &str, api_key: &str) -> Result<RawClient, String> {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {api_key}"))
            .map_err(|e| format!("API key: {e}"))?;
        auth.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, auth);
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("reqwest client: {e}"))?;
        Ok(RawClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// `PATCH /chats/{chat_id}/state`.
    pub async fn update_chat_state(
        &self,
        chat_id: &str,
        body: &hand_written::UpdateChatStateRequest,
    ) -> reqwest::Result<hand_written::Chat> {
        let url = format!("{}/chats/{chat_id}/state", self.base_url);
        self.send(self.http.patch(url).json(body)).await
    }

    /// `POST /chats/{chat_id}/fork`.
    pub async fn fork_chat(
        &self,
        chat_id: &str,
        body: &hand_written::ForkChatRequest,
    ) -> reqwest::Result<hand_written::Chat> {
        let url = format!("{}/chats/{chat_id}/fork", self.base_url);
        self.send(self.http.post(url).json(body)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Result<hand_written::Chat> {
        request.send().await?.error_for_status()?.json().await
    }
}
