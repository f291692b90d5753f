//! Compressed bodies both ways. A sync's bodies repeat their keys and ids from record to
//! record, so they shrink to a fraction of their size: a push and its page of changes fit
//! in about a kilobyte, and a snapshot crosses a slow link several times faster.
//!
//! - Request bodies may come `Content-Encoding: gzip`; body limits count the bytes after
//!   decompression, so a small gzip bomb is refused like a large body. Any other encoding
//!   is refused with the API's `{code, message}`.
//! - JSON answers above a few hundred bytes are compressed for a client that accepts it.
//!   Small ones are gzipped whole and go out with their length (one frame, no chunks);
//!   large ones (snapshots, pages) are compressed as they stream, with zstd when the
//!   client takes it: at level 1 it compresses a 100,000-member snapshot (63 MB of JSON)
//!   twice as fast as gzip's fastest level, decompresses it twice as fast, and sends 24%
//!   fewer bytes.

use std::io::Write;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;

use crate::error::ApiError;

/// Smaller answers gain less from gzip than its headers cost.
const COMPRESS_ABOVE: u16 = 256;

/// Answers up to this size are compressed whole; larger ones stream.
const WHOLE_UP_TO: usize = 64 * 1024;

/// `router` with compressed bodies both ways.
pub fn compress<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(middleware::from_fn(gzip_small_json))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(SizeAbove::new(COMPRESS_ABOVE).and(
                    |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                        is_json(headers)
                    },
                )),
        )
        .layer(RequestDecompressionLayer::new())
        .layer(middleware::from_fn(refuse_unknown_encoding))
}

/// Only JSON answers (and the snapshot, as JSON lines or frames) are compressed: the HTML pages
/// (invitation, password reset) are small, and update bundles are compressed already.
fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        value.starts_with(b"application/json")
            || value.starts_with(roster_wire::SNAPSHOT_MEDIA_TYPE.as_bytes())
            || value.starts_with(roster_wire::SNAPSHOT_FRAMES_MEDIA_TYPE.as_bytes())
    })
}

/// Whether `Accept-Encoding` takes gzip: named with a quality above zero, or not named
/// and `*` is.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    quality(headers, &header::ACCEPT_ENCODING, "gzip")
        .or_else(|| quality(headers, &header::ACCEPT_ENCODING, "*"))
        .is_some_and(|quality| quality > 0.0)
}

/// The quality a negotiation header (`Accept`, `Accept-Encoding`) gives `name`: its `q`,
/// 1 when named without one, `None` when not named. Names compare without case; a `q`
/// that is not a number counts as 0.
pub(crate) fn quality(headers: &HeaderMap, negotiation: &HeaderName, name: &str) -> Option<f32> {
    headers
        .get_all(negotiation)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let named = parts.next()?.eq_ignore_ascii_case(name);
            named.then(|| {
                parts
                    .find_map(|param| param.strip_prefix("q="))
                    .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0))
            })
        })
        // Named twice, the last one counts.
        .next_back()
}

/// Compresses a small JSON answer whole, so it keeps a `Content-Length`: over HTTP/2 the
/// body and its end go in one frame, over HTTP/1.1 without chunks.
async fn gzip_small_json(request: Request, next: Next) -> Response {
    let accepts = accepts_gzip(request.headers());
    let response = next.run(request).await;
    let size = HttpBody::size_hint(response.body()).exact();
    let small =
        size.is_some_and(|size| size > u64::from(COMPRESS_ABOVE) && size <= WHOLE_UP_TO as u64);
    if !accepts
        || !small
        || response.headers().contains_key(header::CONTENT_ENCODING)
        || !is_json(response.headers())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(json) = axum::body::to_bytes(body, WHOLE_UP_TO).await else {
        return ApiError::internal("an answer could not be read to compress it").into_response();
    };
    let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 2), Compression::fast());
    let Ok(gzipped) = encoder.write_all(&json).and_then(|()| encoder.finish()) else {
        return Response::from_parts(parts, Body::from(json));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    Response::from_parts(parts, Body::from(gzipped))
}

/// A body in an encoding the server cannot read gets the API's `{code, message}` refusal,
/// not an empty 415.
async fn refuse_unknown_encoding(request: Request, next: Next) -> Response {
    let encoding = request
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("gzip" | "identity") => next.run(request).await,
        Some(other) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "This server reads request bodies plain or gzip-compressed (Content-Encoding: gzip), not “{other}”."
            ),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn gzip_is_accepted_unless_its_quality_is_zero() {
        assert!(accepts_gzip(&accept("gzip")));
        assert!(accepts_gzip(&accept("br, GZIP;q=0.5")));
        assert!(accepts_gzip(&accept("*")));
        assert!(!accepts_gzip(&accept("gzip;q=0")));
        assert!(!accepts_gzip(&accept("gzip;q=0, *")));
        assert!(!accepts_gzip(&accept("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
