//! What the generated client does around each request (progenitor's hooks).

use progenitor_client::{ClientHooks, OperationInfo};

use crate::generated;

/// Per-client state the generated `Client` carries for its hooks.
#[derive(Clone, Debug, Default)]
pub struct Transport {}

impl ClientHooks<Transport> for generated::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        self.client().execute(request).await
    }
}
