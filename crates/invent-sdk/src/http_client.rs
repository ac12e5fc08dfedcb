//! The `reqwest::Client` the SDK builds when the caller brings none: its TLS
//! follows this crate's features (see the README's features table).
//!
//! | features | TLS of the SDK's own client |
//! |---|---|
//! | `rustls` (default) | rustls with the *ring* crypto provider (or the process's default provider, if one is installed), certificates checked by the platform's verifier |
//! | `native-tls` | the platform's TLS (OpenSSL, SChannel, Secure Transport); wins over `rustls` when both are on, as in reqwest |
//! | neither | no client of its own: [`ClientBuilder::build`](crate::ClientBuilder::build) fails with [`Error::Config`] unless [`http_client`](crate::ClientBuilder::http_client) gave one |
//!
//! Proxies come from the environment in every case (`HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper or lower case), and from the
//! system settings on macOS and Windows: reqwest's defaults, kept.

use std::time::Duration;

use crate::Error;

/// A client with the SDK's TLS, the given timeouts and reqwest's proxy
/// defaults; or a [`Error::Config`] when this build has no TLS feature.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn default_client(
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout);
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let builder = builder.tls_backend_preconfigured(rustls_config()?);
    builder
        .build()
        .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))
}

/// Without a TLS feature the SDK has no client of its own to offer.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(crate) fn default_client(
    _connect_timeout: Duration,
    _timeout: Duration,
) -> Result<reqwest::Client, Error> {
    Err(Error::config(
        "invent-sdk was built without TLS (features `rustls` and `native-tls` are off): \
         pass your own reqwest::Client with ClientBuilder::http_client, or enable one of them",
    ))
}

/// rustls with *ring*: reqwest's own `rustls` feature would bring aws-lc-rs,
/// whose C build is the most expensive unit of a consumer's build. A provider
/// the program installed as the process default is used instead, so a
/// program standardised on aws-lc-rs (e.g. for FIPS) keeps it. Nothing
/// process-wide is changed here.
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn rustls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    use std::sync::Arc;

    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let tls_error = |e: rustls::Error| Error::config(format!("TLS configuration: {e}"));
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    // What reqwest offers by default: HTTP/2 if the server agrees, else 1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn the_default_client_builds() {
        let client = default_client(Duration::from_secs(1), Duration::from_secs(2));
        assert!(client.is_ok(), "{:?}", client.err());
    }

    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    #[test]
    fn rustls_offers_http2_and_uses_ring_without_a_process_default() {
        let config = rustls_config().map_err(|e| e.to_string());
        let config = config.as_ref().map_err(String::as_str);
        assert_eq!(
            config.map(|c| c.alpn_protocols.clone()),
            Ok(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
        );
        // Building the SDK's client installs nothing process-wide.
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_tls_the_error_says_what_to_do() {
        let err = default_client(Duration::from_secs(1), Duration::from_secs(2))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("ClientBuilder::http_client"), "{err}");
    }
}
