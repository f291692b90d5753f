//! One function per command: parse, call one service, report.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use roster_client::{
    CreateOptions, ExportFormat, InviteRequest, MemberQuery, Session, parse_grant,
};
use serde_json::json;

use crate::args::{
    AppAction, Cli, Command, EnvironmentAction, ExportWhat, Format, InfraAction, InitArgs,
    KeychainAction, MemberAction, PassphraseAction, RoleAction, SubscriptionAction,
};
use crate::report::{self, Report};
use crate::{Failure, Outcome, sync, unlock};

const DEMO_COMPANY: &str = "Northwind Systems";
const DEMO_ADMIN: &str = "admin@northwind.example";

/// The workspace folder: `--workspace`, `ROSTER_WORKSPACE`, or the platform's data directory.
fn workspace_dir(cli: &Cli) -> Result<PathBuf, Failure> {
    if let Some(dir) = &cli.workspace {
        return Ok(dir.clone());
    }
    dirs::data_dir()
        .map(|dir| dir.join("roster").join("workspace"))
        .ok_or_else(|| Failure::usage("no data directory on this platform; give --workspace DIR"))
}

pub fn run(cli: Cli) -> Outcome {
    let dir = workspace_dir(&cli)?;
    match cli.command {
        Command::Init(args) => init(&dir, args),
        Command::Login(args) => sync::login(&dir, args),
        Command::Sync => sync::sync(&dir),
        Command::Conflicts { action } => sync::conflicts(&dir, action),
        Command::Passphrase {
            action: PassphraseAction::Change,
        } => {
            let session = unlock::open(&dir)?;
            let new = unlock::new_passphrase(true)?;
            session.change_passphrase(&new)?;
            Ok(Report::new(
                "done: passphrase changed; the key file was re-sealed",
                json!({ "result": "applied" }),
            ))
        }
        Command::Keychain { action } => {
            let session = unlock::open(&dir)?;
            match action {
                KeychainAction::Remember => session.remember()?,
                KeychainAction::Forget => session.forget()?,
            }
            let what = if matches!(action, KeychainAction::Remember) {
                "remembered in"
            } else {
                "forgotten from"
            };
            Ok(Report::new(
                format!("done: workspace key {what} the OS keychain"),
                json!({ "result": "applied" }),
            ))
        }
        Command::Status => Ok(report::status(&unlock::open(&dir)?.status()?)),
        Command::Check => {
            let health = unlock::open(&dir)?.check()?;
            let report = report::health(&health);
            if health.is_healthy() {
                Ok(report)
            } else {
                Err(Failure::Other(anyhow::anyhow!(report.text)))
            }
        }
        Command::Subscriptions { action } => subscriptions(&mut unlock::open(&dir)?, action),
        Command::Infras { action } => infras(&mut unlock::open(&dir)?, action),
        Command::Environments { action } => environments(&mut unlock::open(&dir)?, action),
        Command::Members { action } => members(&mut unlock::open(&dir)?, action),
        Command::Apps { action } => apps(&mut unlock::open(&dir)?, action),
        Command::Roles { action } => roles(&mut unlock::open(&dir)?, action),
        Command::Audit(args) => {
            let session = unlock::open(&dir)?;
            if args.verify {
                let chain = session.verify_audit()?;
                if chain.is_intact() {
                    return Ok(report::chain(&chain));
                }
                return Err(Failure::Other(anyhow::anyhow!(report::chain(&chain).text)));
            }
            Ok(report::audit(
                &session.audit(args.member.as_deref(), args.limit)?,
            ))
        }
        Command::Export {
            what: ExportWhat::Members { format, out },
        } => export(&unlock::open(&dir)?, format, out.as_deref()),
    }
}

fn init(dir: &Path, args: InitArgs) -> Outcome {
    let demo = args.demo || args.members.is_some();
    let company = args
        .company
        .or_else(|| demo.then(|| DEMO_COMPANY.to_owned()));
    let admin = args.admin.or_else(|| demo.then(|| DEMO_ADMIN.to_owned()));
    let (Some(company), Some(admin_email)) = (company, admin) else {
        return Err(Failure::usage(
            "a new workspace needs --company NAME and --admin EMAIL (or --demo)",
        ));
    };
    if Session::exists(dir) {
        return Err(Failure::usage(format!(
            "a workspace already exists at {}; choose another --workspace or remove it first",
            dir.display()
        )));
    }
    let passphrase = unlock::new_passphrase(false)?;
    let options = CreateOptions {
        company,
        admin_email,
        admin_name: args.name,
        demo_members: demo.then(|| {
            args.members
                .map_or(roster_client::DEMO_DEFAULT_MEMBERS, |n| n as usize)
        }),
        remember: args.remember,
    };
    let session = Session::create(dir, &passphrase, &options)?;
    let status = session.status()?;
    let text = format!(
        "done: created the workspace at {} for {} with {} members; you act as {} (Company Admin){}",
        status.workspace,
        status.company,
        status.members.active + status.members.pending + status.members.deactivated,
        status.acting_as,
        if options.remember {
            "; its key is kept in the OS keychain"
        } else {
            ""
        }
    );
    Ok(Report::new(
        text,
        json!({ "result": "applied", "status": status }),
    ))
}

fn subscriptions(session: &mut Session, action: SubscriptionAction) -> Outcome {
    match action {
        SubscriptionAction::Add { name, edition } => Ok(report::outcome(
            &session.add_subscription(&name, edition.into())?,
        )),
        SubscriptionAction::List => {
            let subs = session
                .workspace()
                .subscriptions()
                .map_err(roster_client::ClientError::from)?;
            let text = subs
                .iter()
                .map(|s| format!("{}  ({})", s.name, s.edition))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Report::new(
                text,
                serde_json::to_value(&subs).unwrap_or_default(),
            ))
        }
    }
}

fn infras(session: &mut Session, action: InfraAction) -> Outcome {
    match action {
        InfraAction::Add {
            name,
            subscription,
            hosting,
        } => Ok(report::outcome(&session.add_infrastructure(
            &name,
            &subscription,
            hosting.into(),
        )?)),
        InfraAction::List => Ok(report::infrastructures(&session.infrastructures()?)),
    }
}

fn environments(session: &mut Session, action: EnvironmentAction) -> Outcome {
    let outcome = match action {
        EnvironmentAction::Add {
            infra,
            name,
            licence_expires,
        } => {
            let date = licence_expires
                .map(|text| {
                    roster_core::Date::parse(&text, time_format()).map_err(|_| {
                        Failure::usage(format!(
                            "the licence expiry must be a date YYYY-MM-DD, not “{text}”"
                        ))
                    })
                })
                .transpose()?;
            session.add_environment(&infra, &name, date)?
        }
        EnvironmentAction::Register { infra, name } => {
            session.set_environment_slot(&infra, &name, true)?
        }
        EnvironmentAction::Release { infra, name } => {
            session.set_environment_slot(&infra, &name, false)?
        }
    };
    Ok(report::outcome(&outcome))
}

fn time_format() -> &'static [time::format_description::BorrowedFormatItem<'static>] {
    time::macros::format_description!("[year]-[month]-[day]")
}

fn members(session: &mut Session, action: MemberAction) -> Outcome {
    let outcome = match action {
        MemberAction::List(args) => {
            let infra = args
                .infra
                .as_deref()
                .map(|name| session.infrastructure_by_name(name))
                .transpose()?;
            let query = MemberQuery {
                search: args.search,
                status: args.status.map(Into::into),
                infra: infra.map(|i| i.id),
                level: args.level.map(Into::into),
                company_admin: None,
                limit: args.limit,
                offset: args.offset,
                with_total: true,
            };
            return Ok(report::member_page(&session.members(&query)?));
        }
        MemberAction::Show { email } => return Ok(report::member_detail(&session.member(&email)?)),
        MemberAction::Invite(args) => {
            let grants = args
                .grants
                .iter()
                .map(|g| parse_grant(g))
                .collect::<Result<_, _>>()?;
            session.invite(&InviteRequest {
                email: args.email,
                name: args.name,
                kind: args.kind.into(),
                company_admin: args.company_admin,
                grants,
                dev: args.dev,
                roles: args.roles,
            })?
        }
        MemberAction::Resend { email } => session.resend_invitation(&email)?,
        MemberAction::RevokeInvitation { email } => session.revoke_invitation(&email)?,
        MemberAction::Grant {
            email,
            infra,
            level,
        } => session.grant(&email, &infra, level.into())?,
        MemberAction::Revoke { email, infra } => session.revoke(&email, &infra)?,
        MemberAction::CompanyAdmin { email, state } => {
            session.set_company_admin(&email, state.is_on())?
        }
        MemberAction::Administrator { email, state } => {
            session.set_administrator(&email, state.is_on())?
        }
        MemberAction::SecurityContact {
            email,
            phone,
            clear: _,
        } => session.set_security_contact(&email, phone.as_deref())?,
        MemberAction::Edit { email, name } => session.rename_member(&email, &name)?,
        MemberAction::Deactivate { email } => session.deactivate(&email)?,
        MemberAction::Reactivate { email } => session.reactivate(&email)?,
        MemberAction::Delete { email } => session.delete(&email)?,
        MemberAction::Import { csv } => return import(session, &csv),
    };
    Ok(report::outcome(&outcome))
}

fn import(session: &mut Session, path: &Path) -> Outcome {
    let file =
        fs::File::open(path).with_context(|| format!("could not open {}", path.display()))?;
    let summary = session.import_members(std::io::BufReader::new(file), |row| {
        let line = match &row.result {
            Ok(roster_client::Outcome::Applied { .. }) => {
                format!("done: line {} {}", row.line, row.email)
            }
            Ok(roster_client::Outcome::Unchanged { .. }) => {
                format!("unchanged: line {} {}", row.line, row.email)
            }
            Err(err) => format!(
                "refused ({}): line {} {}: {}",
                err.code(),
                row.line,
                row.email,
                err
            ),
        };
        crate::progress(&line);
    })?;
    let text = format!(
        "imported: {} invited, {} unchanged, {} refused",
        summary.invited, summary.unchanged, summary.refused
    );
    if summary.refused > 0 {
        return Err(Failure::Client(roster_client::ClientError::Refused(
            roster_core::Refusal::new(
                roster_core::RefusalCode::InvalidInput,
                format!("{text}; see the refused lines above"),
            ),
        )));
    }
    Ok(Report::new(
        text,
        serde_json::to_value(summary).unwrap_or_default(),
    ))
}

fn apps(session: &mut Session, action: AppAction) -> Outcome {
    match action {
        AppAction::Add { name } => Ok(report::outcome(&session.add_app(&name)?)),
        AppAction::List => {
            let apps = session.apps()?;
            let text = apps
                .iter()
                .map(|(app, roles)| {
                    let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
                    format!("{}: {}", app.name, names.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            let doc: Vec<_> = apps
                .iter()
                .map(|(app, roles)| json!({ "app": app, "roles": roles }))
                .collect();
            Ok(Report::new(text, json!(doc)))
        }
    }
}

fn roles(session: &mut Session, action: RoleAction) -> Outcome {
    let outcome = match action {
        RoleAction::Add { app, role } => session.add_role(&app, &role)?,
        RoleAction::Assign { email, role } => session.assign_role(&email, &role)?,
        RoleAction::Revoke { email, role } => session.revoke_role(&email, &role)?,
    };
    Ok(report::outcome(&outcome))
}

fn export(session: &Session, format: Format, out: Option<&Path>) -> Outcome {
    let format = match format {
        Format::Csv => ExportFormat::Csv,
        Format::Json => ExportFormat::Json,
    };
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        session.export_members(format, &mut stdout)?;
        return Ok(Report::new("", serde_json::Value::Null));
    };
    // Written beside the target and renamed, so a failed export never leaves half a file.
    let tmp = path.with_extension("roster-export.tmp");
    let written = (|| -> Result<u64, Failure> {
        let mut file =
            private_file(&tmp).with_context(|| format!("could not create {}", tmp.display()))?;
        let written = session.export_members(format, &mut file)?;
        file.flush()
            .and_then(|()| file.sync_all())
            .with_context(|| format!("could not write {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("could not write {}", path.display()))?;
        Ok(written)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let written = written?;
    Ok(Report::new(
        format!(
            "done: exported {written} members to {} (plain text: keep it safe)",
            path.display()
        ),
        json!({ "result": "applied", "members": written, "path": path }),
    ))
}

/// A file only its owner can read: exports hold member data in the clear.
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
