//! The HTTP server: the `/api/v1` routes with their OpenAPI document, the pages, `/health`,
//! and the mail sender, over one [`AppState`]; plain HTTP, or HTTPS with a certificate.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsConfig;
use roster_wire::Health;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppState, Config};
use crate::encoding;
use crate::error::ApiError;
use crate::mailer::{self, Mailer};
use crate::routes::{apps, audit, auth, company, members, pages, sync, updates};
use crate::storage::Db;

/// Request bodies larger than this are refused (413): no legitimate body comes close.
pub const MAX_BODY: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "Roster company server", version = "1", description = "Every action of SPEC.md's who-may-do-what table. Errors are ErrorResponse {code, message}."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "members"), (name = "company"), (name = "apps"), (name = "support"), (name = "audit"), (name = "sync"), (name = "updates"), (name = "health"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The server is up.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        api_version: roster_wire::API_VERSION,
    })
}

async fn not_found() -> ApiError {
    ApiError::not_found("No such endpoint; see /openapi.json.")
}

/// The API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(auth::sign_in))
        .routes(routes!(auth::sign_out))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::send_password_reset))
        .routes(routes!(members::list, members::invite))
        .routes(routes!(members::show, members::edit, members::delete))
        .routes(routes!(
            members::resend_invitation,
            members::revoke_invitation
        ))
        .routes(routes!(members::set_company_admin))
        .routes(routes!(members::set_administrator))
        .routes(routes!(
            members::set_security_contact,
            members::clear_security_contact
        ))
        .routes(routes!(members::deactivate))
        .routes(routes!(members::reactivate))
        .routes(routes!(members::grant, members::revoke))
        .routes(routes!(members::assign_role, members::revoke_role))
        .routes(routes!(company::show, company::edit))
        .routes(routes!(company::subscriptions, company::add_subscription))
        .routes(routes!(company::edit_subscription))
        .routes(routes!(
            company::infrastructures,
            company::add_infrastructure
        ))
        .routes(routes!(company::edit_infrastructure))
        .routes(routes!(company::add_environment))
        .routes(routes!(company::register_slot, company::release_slot))
        .routes(routes!(company::edit_environment))
        .routes(routes!(company::licence))
        .routes(routes!(apps::list, apps::add))
        .routes(routes!(apps::add_role))
        .routes(routes!(apps::cases, apps::register_case))
        .routes(routes!(apps::approve_case))
        .routes(routes!(apps::remove_contact))
        .routes(routes!(audit::list))
        .routes(routes!(sync::snapshot))
        .routes(routes!(sync::changes))
        .routes(routes!(updates::check))
        .routes(routes!(updates::download))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(sync::push))
                .layer(DefaultBodyLimit::max(sync::MAX_PUSH_BODY)),
        )
        .split_for_parts()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let app = api
        .route(
            "/openapi.json",
            get(move || {
                let doc = Arc::clone(&openapi);
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route(
            "/invite/{token}",
            get(pages::invitation_form).post(pages::accept_invitation),
        )
        .route(
            "/reset/{token}",
            get(pages::reset_form).post(pages::reset_password),
        )
        .route("/assets/password-policy.js", get(pages::policy_script))
        .route("/assets/page.css", get(pages::stylesheet))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY));
    encoding::compress(app).with_state(state)
}

/// How long requests in flight get to finish once the server is asked to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves until the process is stopped: plain HTTP, or HTTPS with `tls` (a certificate
/// and key loaded with [`load_tls`]).
pub async fn serve(
    listener: TcpListener,
    db: Db,
    config: Config,
    mailer: Option<Mailer>,
    tls: Option<RustlsConfig>,
) -> std::io::Result<()> {
    let mail_queued = Arc::new(Notify::new());
    let state = AppState {
        db: db.clone(),
        config: Arc::new(config),
        throttle: Arc::default(),
        mail_queued: Arc::clone(&mail_queued),
    };
    tokio::spawn(mailer::run(db, mailer, mail_queued));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Answers go out in several writes (HTTP/2 frames, gzip chunks); with Nagle's algorithm
    // each later write would wait for the client's delayed ACK, some 40 ms.
    let Some(tls) = tls else {
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!("could not set TCP_NODELAY on a connection: {err}");
            }
        });
        return axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
    };
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stopping.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    axum_server::tls_rustls::from_tcp_rustls(listener.into_std()?, tls)?
        .map(|tls| tls.acceptor(NoDelayAcceptor::new()))
        .handle(handle)
        .serve(app)
        .await
}

/// Reads a PEM certificate chain and its private key for HTTPS. The error names the file
/// and what is wrong with it, for the operator starting the server.
pub async fn load_tls(cert: &Path, key: &Path) -> Result<RustlsConfig, String> {
    for (path, what) in [(cert, "certificate"), (key, "private key")] {
        if let Err(err) = tokio::fs::metadata(path).await {
            return Err(format!(
                "cannot read the TLS {what} {}: {err}",
                path.display()
            ));
        }
    }
    RustlsConfig::from_pem_file(cert, key).await.map_err(|err| {
        format!(
            "the TLS certificate {} and key {} cannot be used together ({err}); give a PEM certificate chain and the PEM private key it was issued for",
            cert.display(),
            key.display()
        )
    })
}
