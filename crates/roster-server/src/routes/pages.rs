//! The pages people open from their e-mail: accept an invitation by choosing a password,
//! or choose a new password from a reset link. Plain HTML forms; the policy is checked as
//! the person types (a small script) and enforced on submit by `roster_core::password`.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use roster_core::{Actor, InvitationState, MemberId, Op, password};
use serde::Deserialize;

use crate::app::{AppState, now, run_as};
use crate::error::ApiError;
use crate::extract::Path;
use crate::secrets;
use crate::storage::{Caller, LinkToken, SideEffect};

/// What the form posts.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · Roster</title><link rel=\"stylesheet\" href=\"/assets/page.css\"></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn form(email: &str, errors: &[String]) -> String {
    let errors = if errors.is_empty() {
        String::new()
    } else {
        format!(
            "<ul class=\"errors\" role=\"alert\">{}</ul>",
            errors
                .iter()
                .map(|e| format!("<li>{}</li>", escape(e)))
                .collect::<String>()
        )
    };
    format!(
        "<p>Choose the password for <strong>{email}</strong>.</p>{errors}\
         <form method=\"post\"><label>Password <input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"new-password\" required></label>\
         <ul id=\"rules\" aria-live=\"polite\"><li data-rule=\"length\">At least 12 characters</li><li data-rule=\"upper\">An upper-case letter</li>\
         <li data-rule=\"lower\">A lower-case letter</li><li data-rule=\"digit\">A digit</li>\
         <li data-rule=\"special\">One of {specials}</li></ul>\
         <label>Repeat it <input type=\"password\" name=\"confirm\" autocomplete=\"new-password\" required></label>\
         <button type=\"submit\">Set my password</button></form><script src=\"/assets/password-policy.js\"></script>",
        email = escape(email),
        specials = escape(
            &password::SPECIALS
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        )
    )
}

fn link_gone() -> Response {
    page(
        StatusCode::GONE,
        "This link no longer works",
        "<p>It was already used, has expired, or a newer one was sent. Ask your administrator for a new one.</p>",
    )
}

/// A valid, unused link of `purpose`, with the member it is for.
async fn valid_link(
    state: &AppState,
    token: &str,
    purpose: &'static str,
) -> Result<Option<(LinkToken, roster_core::Member)>, ApiError> {
    let hash = secrets::token_hash(token);
    Ok(state
        .db
        .run(move |db| {
            let Some(link) = db.link_token(&hash)? else {
                return Ok(None);
            };
            if link.purpose != purpose || link.used || link.expires_at <= now() {
                return Ok(None);
            }
            let Some(member) = db.member(link.member)? else {
                return Ok(None);
            };
            Ok(Some((link, member)))
        })
        .await?)
}

/// Whether the link names the member's current, pending invitation (resend and revoke
/// make older links stop working; SPEC rule 5).
async fn invitation_is_current(state: &AppState, link: &LinkToken) -> Result<bool, ApiError> {
    let member = link.member;
    let expected = link.invitation.clone();
    Ok(state
        .db
        .run(move |db| {
            let current = db.invitation(member)?;
            Ok(current.is_some_and(|i| {
                Some(i.id.to_string()) == expected && i.state_at(now()) == InvitationState::Pending
            }))
        })
        .await?)
}

/// The invitation page.
pub async fn invitation_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some((link, member)) = valid_link(&state, &token, "invitation").await? else {
        return Ok(link_gone());
    };
    if !invitation_is_current(&state, &link).await? {
        return Ok(link_gone());
    }
    Ok(page(
        StatusCode::OK,
        "Welcome to Roster",
        &form(member.email.as_str(), &[]),
    ))
}

/// Accepting the invitation: the password must pass the policy; the member becomes active.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form_data): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    let Some((link, member)) = valid_link(&state, &token, "invitation").await? else {
        return Ok(link_gone());
    };
    if !invitation_is_current(&state, &link).await? {
        return Ok(link_gone());
    }
    if let Err(errors) = check(&form_data, &member) {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Welcome to Roster",
            &form(member.email.as_str(), &errors),
        ));
    }
    let hash = secrets::hash_password(&form_data.password).map_err(ApiError::internal)?;
    let caller = Caller {
        actor: Actor::Member { id: member.id },
        label: member.email.to_string(),
        address: "invitation link".into(),
    };
    let effects = vec![
        SideEffect::SetPassword {
            member: member.id,
            password_hash: hash,
        },
        SideEffect::UseLinkToken {
            token_hash: secrets::token_hash(&token),
        },
    ];
    run_as(
        &state,
        caller,
        Op::AcceptInvitation { member: member.id },
        effects,
    )
    .await?;
    Ok(page(
        StatusCode::OK,
        "You are in",
        "<p>Your password is set. Sign in to Roster with your e-mail address and it.</p>",
    ))
}

/// The password-reset page.
pub async fn reset_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some((_, member)) = valid_link(&state, &token, "password_reset").await? else {
        return Ok(link_gone());
    };
    Ok(page(
        StatusCode::OK,
        "Choose a new password",
        &form(member.email.as_str(), &[]),
    ))
}

/// Setting the new password from a reset link; every session ends.
pub async fn reset_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form_data): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    let Some((_, member)) = valid_link(&state, &token, "password_reset").await? else {
        return Ok(link_gone());
    };
    if let Err(errors) = check(&form_data, &member) {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a new password",
            &form(member.email.as_str(), &errors),
        ));
    }
    let hash = secrets::hash_password(&form_data.password).map_err(ApiError::internal)?;
    let token_hash = secrets::token_hash(&token);
    let caller = Caller {
        actor: Actor::Member { id: member.id },
        label: member.email.to_string(),
        address: "reset link".into(),
    };
    let id: MemberId = member.id;
    state
        .db
        .run(move |db| {
            let effects = [
                SideEffect::SetPassword {
                    member: id,
                    password_hash: hash,
                },
                SideEffect::UseLinkToken { token_hash },
            ];
            db.commit_effects(
                &caller,
                now(),
                "reset_password",
                &format!("{} chose a new password from a reset link", caller.label),
                &effects,
            )
        })
        .await?;
    Ok(page(
        StatusCode::OK,
        "Password changed",
        "<p>Your new password is set. Sign in to Roster with it.</p>",
    ))
}

fn check(form: &PasswordForm, member: &roster_core::Member) -> Result<(), Vec<String>> {
    if form.password != form.confirm {
        return Err(vec!["The two passwords differ.".to_owned()]);
    }
    password::check(
        &form.password,
        &[member.email.as_str(), member.name.as_str()],
    )
    .map_err(|refusal| vec![refusal.message])
}

/// The script that shows the policy as the person types; the server enforces it anyway.
pub async fn policy_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        POLICY_JS,
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        PAGE_CSS,
    )
}

const POLICY_JS: &str = r##"// Mirrors roster_core::password: ASCII classes and SPEC.md's special set.
const specials = "!\\#$%&'()*+,-./:;<=>?@[";
const rules = {
  length: (p) => [...p].length >= 12,
  upper: (p) => /[A-Z]/.test(p),
  lower: (p) => /[a-z]/.test(p),
  digit: (p) => /[0-9]/.test(p),
  special: (p) => [...p].some((c) => specials.includes(c)),
};
const input = document.getElementById("password");
input.addEventListener("input", () => {
  for (const item of document.querySelectorAll("#rules li")) {
    item.classList.toggle("met", rules[item.dataset.rule](input.value));
  }
});
"##;

const PAGE_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1d23}\
label{display:block;margin:1rem 0}input{display:block;width:100%;padding:.5rem;font-size:1rem}\
#rules li{color:#8a1c1c}#rules li.met{color:#1c6b2c}#rules li.met::before{content:'✓ '}\
.errors{color:#8a1c1c;border:1px solid #8a1c1c;padding:.5rem 1.5rem}button{padding:.6rem 1.2rem;font-size:1rem}\
@media (prefers-color-scheme:dark){body{background:#15171c;color:#d8dee9}}";
