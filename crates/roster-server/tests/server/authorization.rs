//! SPEC.md's "who may do what" over HTTP: every endpoint of `/openapi.json` × every role,
//! each answer checked (allowed, 401 without a session, 403 for a member whose rights do
//! not reach). The walk fails when an endpoint of the document has no row here.

use serde_json::{Value, json};

use crate::fixture::{Client, Server, link_in};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Anonymous,
    /// `member` on X.
    Plain,
    /// Infra Admin of Y only.
    IaElsewhere,
    IaOfX,
    CompanyAdmin,
}

const ROLES: [Role; 5] = [
    Role::Anonymous,
    Role::Plain,
    Role::IaElsewhere,
    Role::IaOfX,
    Role::CompanyAdmin,
];
const PASSWORD: &str = "Quartz-Meadow-Lantern-8!";

struct World {
    server: Server,
    ca: Client,
    plain: Client,
    ia_x: Client,
    ia_y: Client,
    emails: [String; 3],
    x: String,
    environment: String,
    subscription: String,
    app: String,
    role: String,
    counter: std::cell::Cell<u32>,
}

impl World {
    fn unique(&self, prefix: &str) -> String {
        self.counter.set(self.counter.get() + 1);
        format!("{prefix}{}", self.counter.get())
    }

    /// A session of its own for `role`, for calls that end the session they are made with.
    fn fresh_session(&self, role: Role) -> Client {
        match role {
            Role::Anonymous => self.server.anonymous(),
            Role::Plain => self.server.sign_in(&self.emails[0], PASSWORD),
            Role::IaOfX => self.server.sign_in(&self.emails[1], PASSWORD),
            Role::IaElsewhere => self.server.sign_in(&self.emails[2], PASSWORD),
            Role::CompanyAdmin => self.server.admin(),
        }
    }

    fn client(&self, role: Role) -> Client {
        match role {
            Role::Anonymous => self.server.anonymous(),
            Role::Plain => Client {
                token: self.plain.token.clone(),
                ..self.server.anonymous()
            },
            Role::IaElsewhere => Client {
                token: self.ia_y.token.clone(),
                ..self.server.anonymous()
            },
            Role::IaOfX => Client {
                token: self.ia_x.token.clone(),
                ..self.server.anonymous()
            },
            Role::CompanyAdmin => Client {
                token: self.ca.token.clone(),
                ..self.server.anonymous()
            },
        }
    }

    /// A new pending member with `member` on X, invited by the Company Admin.
    fn pending(&self) -> String {
        let email = format!("{}@acme.example", self.unique("pending"));
        let answer = self.ca.post(
            "/api/v1/members",
            json!({ "email": email, "grants": [{ "infra": self.x, "level": "member" }] }),
        );
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.body["id"].as_str().expect("id").to_owned()
    }

    /// A new active member with `grants`, who accepted their invitation.
    fn active(&self, grants: Value) -> (String, String) {
        let email = format!("{}@acme.example", self.unique("active"));
        let answer = self.ca.post(
            "/api/v1/members",
            json!({ "email": email, "grants": grants }),
        );
        assert_eq!(answer.status, 201, "{}", answer.text);
        let link = link_in(&self.server.inbox.wait_for(&email));
        let anonymous = self.server.anonymous();
        let accepted = anonymous.send(
            anonymous
                .http
                .post(&link)
                .form(&[("password", PASSWORD), ("confirm", PASSWORD)]),
        );
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        (answer.body["id"].as_str().expect("id").to_owned(), email)
    }

    fn case_by_plain(&self, cc: &[&str]) -> String {
        let answer = self.plain.post(
            "/api/v1/support-cases",
            json!({ "infra": self.x, "title": self.unique("case "), "cc": cc }),
        );
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.body["id"].as_str().expect("case id").to_owned()
    }
}

fn world() -> World {
    let server = Server::start();
    let ca = server.admin();
    let id = |answer: crate::fixture::Answer| answer.body["id"].as_str().expect("id").to_owned();
    let subscription = id(ca.post(
        "/api/v1/subscriptions",
        json!({ "name": "Acme Enterprise", "edition": "enterprise" }),
    ));
    let x = id(ca.post(
        "/api/v1/infrastructures",
        json!({ "name": "X", "subscription": subscription, "hosting": "cloud" }),
    ));
    let y = id(ca.post(
        "/api/v1/infrastructures",
        json!({ "name": "Y", "subscription": subscription, "hosting": "cloud" }),
    ));
    let environment = id(ca.post(
        &format!("/api/v1/infrastructures/{x}/environments"),
        json!({ "name": "Production" }),
    ));
    let app = id(ca.post("/api/v1/apps", json!({ "name": "Portal" })));
    let role = id(ca.post(
        &format!("/api/v1/apps/{app}/roles"),
        json!({ "name": "viewer" }),
    ));
    crate::updates::publish_example(&server, "0.2.0");
    let placeholder = || server.anonymous();
    let (plain, ia_x, ia_y) = (placeholder(), placeholder(), placeholder());
    let mut world = World {
        ca,
        plain,
        ia_x,
        ia_y,
        emails: Default::default(),
        x: x.clone(),
        environment,
        subscription,
        app,
        role,
        counter: std::cell::Cell::new(0),
        server,
    };
    let (_, plain) = world.active(json!([{ "infra": x, "level": "member" }]));
    let (_, ia_x) = world.active(json!([{ "infra": x, "level": "infra_admin" }]));
    let (_, ia_y) = world.active(json!([{ "infra": y, "level": "infra_admin" }]));
    world.plain = world.server.sign_in(&plain, PASSWORD);
    world.ia_x = world.server.sign_in(&ia_x, PASSWORD);
    world.ia_y = world.server.sign_in(&ia_y, PASSWORD);
    world.emails = [plain, ia_x, ia_y];
    world
}

/// Who may call an endpoint.
enum Rule {
    /// Anyone, without a session.
    Public,
    /// Every signed-in member (their own account, or browsing).
    SignedIn,
    /// These roles; every other signed-in role gets 403.
    Only(&'static [Role]),
}

use Role::{CompanyAdmin as CA, IaElsewhere as IAY, IaOfX as IAX, Plain};

/// The rule and how to call each endpoint (method, path template). No row, no pass.
type Call<'w> = Box<dyn Fn(Role) -> (String, Option<Value>) + 'w>;

fn row<'w>(world: &'w World, method: &str, path: &str) -> Option<(Rule, Call<'w>)> {
    let w = world;
    let fixed = move |p: &str, body: Option<Value>| -> Call<'w> {
        let p = p.to_owned();
        Box::new(move |_| (p.clone(), body.clone()))
    };
    Some(match (method, path) {
        ("get", "/health") => (Rule::Public, fixed("/health", None)),
        ("post", "/api/v1/auth/sign-in") => (
            Rule::Public,
            fixed(
                "/api/v1/auth/sign-in",
                Some(json!({ "email": "a@acme.example", "password": "x" })),
            ),
        ),
        ("post", "/api/v1/auth/sign-out") => (Rule::SignedIn, fixed("/api/v1/auth/sign-out", None)),
        ("post", "/api/v1/auth/password") => (
            Rule::SignedIn,
            fixed(
                "/api/v1/auth/password",
                Some(json!({ "old_password": "wrong", "new_password": "x" })),
            ),
        ),
        ("post", "/api/v1/members/{id}/password-reset") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/password-reset", w.active(json!([])).0),
                    None,
                )
            }),
        ),
        ("get", "/api/v1/members") => (Rule::SignedIn, fixed("/api/v1/members", None)),
        ("post", "/api/v1/members") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| {
                (
                    "/api/v1/members".into(),
                    Some(
                        json!({ "email": format!("{}@acme.example", w.unique("new")), "grants": [{ "infra": w.x, "level": "member" }] }),
                    ),
                )
            }),
        ),
        ("get", "/api/v1/members/{id}") => (
            Rule::SignedIn,
            Box::new(move |_| (format!("/api/v1/members/{}", w.pending()), None)),
        ),
        ("patch", "/api/v1/members/{id}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}", w.pending()),
                    Some(json!({ "name": "Renamed" })),
                )
            }),
        ),
        ("delete", "/api/v1/members/{id}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| (format!("/api/v1/members/{}", w.pending()), None)),
        ),
        ("post", "/api/v1/members/{id}/invitation") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| (format!("/api/v1/members/{}/invitation", w.pending()), None)),
        ),
        ("delete", "/api/v1/members/{id}/invitation") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| (format!("/api/v1/members/{}/invitation", w.pending()), None)),
        ),
        ("put", "/api/v1/members/{id}/company-admin") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/company-admin", w.pending()),
                    Some(json!({ "on": true })),
                )
            }),
        ),
        ("put", "/api/v1/members/{id}/administrator") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/administrator", w.pending()),
                    Some(json!({ "on": true })),
                )
            }),
        ),
        ("put", "/api/v1/members/{id}/security-contact") => (
            Rule::Only(&[CA, IAX, IAY]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/security-contact", w.pending()),
                    Some(json!({ "phone": "+41 44 668 18 00" })),
                )
            }),
        ),
        ("delete", "/api/v1/members/{id}/security-contact") => (
            Rule::Only(&[CA, IAX, IAY]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/security-contact", w.pending()),
                    None,
                )
            }),
        ),
        ("post", "/api/v1/members/{id}/deactivate") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/deactivate", w.active(json!([])).0),
                    None,
                )
            }),
        ),
        ("post", "/api/v1/members/{id}/reactivate") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                let (id, _) = w.active(json!([]));
                assert_eq!(
                    w.ca.post(&format!("/api/v1/members/{id}/deactivate"), json!({}))
                        .status,
                    200
                );
                (format!("/api/v1/members/{id}/reactivate"), None)
            }),
        ),
        ("put", "/api/v1/members/{id}/permissions/{infra}") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/permissions/{}", w.pending(), w.x),
                    Some(json!({ "level": "infra_admin" })),
                )
            }),
        ),
        ("delete", "/api/v1/members/{id}/permissions/{infra}") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/permissions/{}", w.pending(), w.x),
                    None,
                )
            }),
        ),
        ("put", "/api/v1/members/{id}/roles/{role}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/roles/{}", w.pending(), w.role),
                    None,
                )
            }),
        ),
        ("delete", "/api/v1/members/{id}/roles/{role}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/members/{}/roles/{}", w.pending(), w.role),
                    None,
                )
            }),
        ),
        ("get", "/api/v1/company") => (Rule::SignedIn, fixed("/api/v1/company", None)),
        ("patch", "/api/v1/company") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    "/api/v1/company".into(),
                    Some(json!({ "name": w.unique("Acme ") })),
                )
            }),
        ),
        ("get", "/api/v1/subscriptions") => (Rule::SignedIn, fixed("/api/v1/subscriptions", None)),
        ("post", "/api/v1/subscriptions") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    "/api/v1/subscriptions".into(),
                    Some(json!({ "name": w.unique("Plan "), "edition": "standard" })),
                )
            }),
        ),
        ("patch", "/api/v1/subscriptions/{id}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/subscriptions/{}", w.subscription),
                    Some(json!({ "name": w.unique("Enterprise ") })),
                )
            }),
        ),
        ("get", "/api/v1/infrastructures") => {
            (Rule::SignedIn, fixed("/api/v1/infrastructures", None))
        }
        ("post", "/api/v1/infrastructures") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    "/api/v1/infrastructures".into(),
                    Some(
                        json!({ "name": w.unique("Infra "), "subscription": w.subscription, "hosting": "hybrid" }),
                    ),
                )
            }),
        ),
        ("patch", "/api/v1/infrastructures/{id}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/infrastructures/{}", w.x),
                    Some(json!({ "hosting": "cloud" })),
                )
            }),
        ),
        ("post", "/api/v1/infrastructures/{id}/environments") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/infrastructures/{}/environments", w.x),
                    Some(json!({ "name": w.unique("Stage "), "licence_expires": "2030-01-31" })),
                )
            }),
        ),
        ("put", "/api/v1/environments/{id}/slot") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| (format!("/api/v1/environments/{}/slot", w.environment), None)),
        ),
        ("delete", "/api/v1/environments/{id}/slot") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| (format!("/api/v1/environments/{}/slot", w.environment), None)),
        ),
        ("patch", "/api/v1/environments/{id}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/environments/{}", w.environment),
                    Some(json!({ "licence_expires": "2031-01-31" })),
                )
            }),
        ),
        ("get", "/api/v1/environments/{id}/licence") => (
            Rule::Only(&[CA, IAX]),
            Box::new(move |_| {
                (
                    format!("/api/v1/environments/{}/licence", w.environment),
                    None,
                )
            }),
        ),
        // Every member may ask; the list holds only the cases they may see (tested below).
        ("get", "/api/v1/support-cases") => (
            Rule::SignedIn,
            Box::new(move |_| (format!("/api/v1/support-cases?infra={}", w.x), None)),
        ),
        ("get", "/api/v1/apps") => (Rule::SignedIn, fixed("/api/v1/apps", None)),
        ("post", "/api/v1/apps") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    "/api/v1/apps".into(),
                    Some(json!({ "name": w.unique("App ") })),
                )
            }),
        ),
        ("post", "/api/v1/apps/{id}/roles") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                (
                    format!("/api/v1/apps/{}/roles", w.app),
                    Some(json!({ "name": w.unique("role ") })),
                )
            }),
        ),
        // The Company Admin holds no permission on X, so is not associated with it.
        ("post", "/api/v1/support-cases") => (
            Rule::Only(&[IAX, Plain]),
            Box::new(move |_| {
                (
                    "/api/v1/support-cases".into(),
                    Some(json!({ "infra": w.x, "title": w.unique("Case ") })),
                )
            }),
        ),
        ("post", "/api/v1/support-cases/{id}/approve") => (
            Rule::Only(&[IAX]),
            Box::new(move |_| {
                (
                    format!("/api/v1/support-cases/{}/approve", w.case_by_plain(&[])),
                    None,
                )
            }),
        ),
        ("delete", "/api/v1/support-contacts/{email}") => (
            Rule::Only(&[CA]),
            Box::new(move |_| {
                let contact = format!("{}@partner.example", w.unique("contact"));
                w.case_by_plain(&[&contact]);
                (format!("/api/v1/support-contacts/{contact}"), None)
            }),
        ),
        ("get", "/api/v1/audit") => (Rule::Only(&[CA, IAX, IAY]), fixed("/api/v1/audit", None)),
        // Every member may sync what they may browse; what each op pushed may do is decided
        // per op (tests/server/sync.rs), and the snapshot is filtered per account.
        ("get", "/api/v1/sync/snapshot") => (Rule::SignedIn, fixed("/api/v1/sync/snapshot", None)),
        ("get", "/api/v1/sync/changes") => {
            (Rule::SignedIn, fixed("/api/v1/sync/changes?after=0", None))
        }
        ("post", "/api/v1/sync/push") => (
            Rule::SignedIn,
            fixed("/api/v1/sync/push", Some(json!({ "ops": [] }))),
        ),
        // Apps ask for updates before anyone signs in on them; the file is trusted only if
        // its signature verifies against the key built into the app.
        ("get", "/api/v1/updates/{target}/{arch}/{current_version}") => (
            Rule::Public,
            fixed("/api/v1/updates/linux/x86_64/0.1.0?bundle_type=deb", None),
        ),
        ("get", "/api/v1/updates/files/{id}/{file_name}") => (
            Rule::Public,
            Box::new(move |_| {
                let offer = w
                    .server
                    .anonymous()
                    .get("/api/v1/updates/linux/x86_64/0.1.0?bundle_type=deb");
                let url = offer.body["url"].as_str().expect("a release is offered");
                let path = url.strip_prefix(&w.server.url).expect("on this server");
                (path.to_owned(), None)
            }),
        ),
        _ => return None,
    })
}

#[test]
fn every_endpoint_answers_every_role_as_spec_says() {
    let world = world();
    let doc = world.server.anonymous().get("/openapi.json").body;
    let mut endpoints = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("methods").keys() {
            endpoints.push((method.clone(), path.clone()));
        }
    }
    assert!(
        endpoints.len() >= 40,
        "the document lists the API: {}",
        endpoints.len()
    );
    let missing: Vec<String> = endpoints
        .iter()
        .filter(|(m, p)| row(&world, m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "endpoints without an authorization row: {missing:?}"
    );

    for (method, path) in &endpoints {
        let (rule, call) = row(&world, method, path).expect("checked above");
        for role in ROLES {
            // Sign-out ends the session it is called with: each role uses a fresh one.
            let client = if path == "/api/v1/auth/sign-out" {
                world.fresh_session(role)
            } else {
                world.client(role)
            };
            let (url, body): (String, Option<Value>) = call(role);
            let answer = client.call(&method.to_uppercase(), &url, body);
            let expected: Vec<u16> = match (&rule, role) {
                (Rule::Public, _) if path == "/api/v1/auth/sign-in" => vec![401],
                (Rule::Public, _) => vec![200],
                (_, Role::Anonymous) => vec![401],
                (Rule::SignedIn, _) if path == "/api/v1/auth/password" => vec![403],
                (Rule::SignedIn, _) => vec![200, 204],
                (Rule::Only(allowed), role) if allowed.contains(&role) => vec![200, 201, 202, 204],
                (Rule::Only(_), _) => vec![403],
            };
            assert!(
                expected.contains(&answer.status),
                "{} {url} as {role:?}: expected {expected:?}, got {} {}",
                method.to_uppercase(),
                answer.status,
                answer.text.chars().take(300).collect::<String>()
            );
            if answer.status == 403 {
                assert_eq!(
                    answer.body["code"], "forbidden",
                    "{method} {path} as {role:?}"
                );
            }
        }
    }
}

#[test]
fn an_infra_admin_cannot_make_anyone_company_admin_by_any_path() {
    let world = world();
    let invite = world.ia_x.post("/api/v1/members", json!({ "email": "sneaky@acme.example", "company_admin": true, "grants": [{ "infra": world.x, "level": "member" }] }));
    assert_eq!(
        (invite.status, invite.body["code"].as_str()),
        (403, Some("forbidden")),
        "through an invitation: {}",
        invite.text
    );
    let target = world.pending();
    let grant = world.ia_x.call(
        "PUT",
        &format!("/api/v1/members/{target}/company-admin"),
        Some(json!({ "on": true })),
    );
    assert_eq!(grant.status, 403, "through a grant");
    let edit = world.ia_x.call(
        "PATCH",
        &format!("/api/v1/members/{target}"),
        Some(json!({ "name": "x", "company_admin": true })),
    );
    assert!(
        edit.status == 403 || edit.status == 422,
        "through an edit (the field does not even exist): {}",
        edit.text
    );
    let detail = world.ca.get(&format!("/api/v1/members/{target}"));
    assert_eq!(detail.body["company_admin"], false, "nothing changed");
    let on_y = world.ia_x.post("/api/v1/members", json!({ "email": "elsewhere@acme.example", "grants": [{ "infra": world.subscription, "level": "member" }] }));
    assert!(
        on_y.status == 403 || on_y.status == 404,
        "grants only on their own infrastructures: {}",
        on_y.text
    );
}

#[test]
fn support_cases_are_listed_only_to_those_who_may_see_them() {
    let world = world();
    let mine = world.case_by_plain(&["auditor@partner.example"]);
    let by_admin = world.ia_x.post(
        "/api/v1/support-cases",
        json!({ "infra": world.x, "title": "Disk pressure" }),
    );
    assert_eq!(by_admin.status, 201, "{}", by_admin.text);
    let listed = |client: &Client| -> Vec<String> {
        let answer = client.get(&format!("/api/v1/support-cases?infra={}", world.x));
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer
            .body
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        listed(&world.ia_x).len(),
        2,
        "the Infra Admin of X sees every case of X"
    );
    assert_eq!(
        listed(&world.ca).len(),
        2,
        "a Company Admin sees every case"
    );
    assert_eq!(
        listed(&world.plain),
        vec![mine],
        "a member sees only their own"
    );
    assert!(
        listed(&world.ia_y).is_empty(),
        "an Infra Admin elsewhere sees none of X's that are not theirs"
    );
}
