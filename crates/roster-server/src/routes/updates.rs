//! What tauri-plugin-updater asks: is there a newer release for my platform, and the file.
//! Both are public: an app asks before anyone has signed in on it, release files are not
//! secret, and the app trusts a file only if its signature verifies against the key built
//! into it.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_wire::{ErrorResponse, UpdateManifest};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::releases::{self, ARCHES, BUNDLES, OSES, Release};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckParams {
    /// How the app was installed: `deb`, `rpm`, `appimage`, `msi`, `nsis`, `app`, or
    /// `unknown` for a build that did not come from a package.
    bundle_type: Option<String>,
}

/// The newest release for this platform if it is newer than `current_version`, else 204.
#[utoipa::path(get, path = "/api/v1/updates/{target}/{arch}/{current_version}", tag = "updates",
    params(("target" = String, Path, description = "linux, windows or darwin"),
        ("arch" = String, Path, description = "x86_64, aarch64, i686, armv7 or riscv64"),
        ("current_version" = String, Path, description = "The app's version, e.g. 0.1.0"),
        CheckParams),
    responses((status = 200, body = UpdateManifest), (status = 204, description = "The app is current"),
        (status = 400, body = ErrorResponse)))]
pub async fn check(
    State(state): State<AppState>,
    Path((target, arch, current_version)): Path<(String, String, String)>,
    Query(params): Query<CheckParams>,
) -> Result<Response, ApiError> {
    if !OSES.contains(&target.as_str()) {
        return Err(ApiError::bad_request(format!(
            "{target} is not a target the updater sends; expected one of {}",
            OSES.join(", ")
        )));
    }
    if !ARCHES.contains(&arch.as_str()) {
        return Err(ApiError::bad_request(format!(
            "{arch} is not an architecture the updater sends; expected one of {}",
            ARCHES.join(", ")
        )));
    }
    let current = releases::parse_version(&current_version)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let bundle = match params.bundle_type.as_deref() {
        None | Some("unknown") => None,
        Some(b) if BUNDLES.contains(&b) => Some(b.to_owned()),
        Some(b) => {
            return Err(ApiError::bad_request(format!(
                "{b} is not a bundle type; expected one of {} or unknown",
                BUNDLES.join(", ")
            )));
        }
    };
    let all = state.db.run(|db| db.releases()).await?;
    let Some(release) = releases::newest_for(&all, &target, &arch, bundle.as_deref(), &current)
    else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    Ok(Json(manifest(&state.config.public_url, release)?).into_response())
}

fn manifest(public_url: &str, release: &Release) -> Result<UpdateManifest, ApiError> {
    let published =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(release.published_at) * 1_000_000)
            .map_err(ApiError::internal)?;
    let bundle = &release.bundle;
    Ok(UpdateManifest {
        version: bundle.version.to_string(),
        notes: bundle.notes.clone(),
        pub_date: published.format(&Rfc3339).map_err(ApiError::internal)?,
        url: format!(
            "{}/api/v1/updates/files/{}/{}",
            public_url.trim_end_matches('/'),
            release.id,
            bundle.file_name
        ),
        signature: bundle.signature.clone(),
    })
}

/// A published bundle, streamed from the data folder.
#[utoipa::path(get, path = "/api/v1/updates/files/{id}/{file_name}", tag = "updates",
    params(("id" = i64, Path, description = "The release"), ("file_name" = String, Path, description = "The bundle's file name")),
    responses((status = 200, description = "The bundle", content_type = "application/octet-stream"),
        (status = 404, body = ErrorResponse)))]
pub async fn download(
    State(state): State<AppState>,
    Path((id, file_name)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("No such release file; ask the server for updates again.");
    let release = state
        .db
        .run(move |db| db.release(id))
        .await?
        .filter(|r| r.bundle.file_name == file_name)
        .ok_or_else(missing)?;
    let (id, bundle) = (release.id, release.bundle);
    let path = releases::file_path(
        &state.config.releases_dir,
        &bundle.sha256,
        &bundle.file_name,
    );
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(
                release = id,
                "a published release's file is missing from the data folder"
            );
            return Err(missing());
        }
        Err(err) => return Err(ApiError::internal(err)),
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bundle.size));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", bundle.file_name))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}
