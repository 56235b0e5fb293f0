//! Issue 25: the generated crate's `sqlx` feature, through a real database (SQLite in memory):
//! identifiers and string enums bind as parameters and read back from rows as their own types,
//! `Option<Id>` is SQL `NULL`, an enum value the crate does not list reads as `Unknown` (and
//! writes back unchanged), and a column of another SQL type is an error, not a panic. Then the
//! onboarding scenario end to end, against a local mock of Plaid: a stored prefill profile
//! creates a session, the session's ids and status are stored, and a failed session is retried
//! with the user data Plaid holds, read back from the database by id.

use plaid_idv::types::{
    ClientUserId, IdNumberType, IdentityVerification, IdentityVerificationCreateRequest,
    IdentityVerificationCreateRequestRequired, IdentityVerificationCreateRequestUser, IdentityVerificationGetRequest,
    IdentityVerificationId, IdentityVerificationRequestUserName, IdentityVerificationRequestUserNameRequired,
    IdentityVerificationRetryRequest, IdentityVerificationRetryRequestRequired, IdentityVerificationStatus,
    IdentityVerificationTemplateId, Strategy, UserAddress, UserIdentity,
};
use plaid_idv::{Client, Environment, RetryPolicy};
use serde_json::{json, Value};
use sqlx::{Connection, Row, SqliteConnection};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GET_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json");

/// A fresh in-memory database with the onboarding service's two tables. One connection: each
/// connection to `sqlite::memory:` is a database of its own.
async fn database() -> SqliteConnection {
    let mut db = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    for ddl in [
        "CREATE TABLE profiles (client_user_id TEXT PRIMARY KEY, prefill TEXT NOT NULL)",
        "CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            client_user_id TEXT NOT NULL,
            template_id TEXT NOT NULL,
            status TEXT NOT NULL,
            previous_attempt_id TEXT
        )",
    ] {
        sqlx::query(ddl).execute(&mut db).await.unwrap();
    }
    db
}

type SessionRow = (
    IdentityVerificationId,
    ClientUserId,
    IdentityVerificationTemplateId,
    IdentityVerificationStatus,
    Option<IdentityVerificationId>,
);

async fn insert_session(db: &mut SqliteConnection, s: &SessionRow) {
    sqlx::query("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)")
        .bind(&s.0)
        .bind(&s.1)
        .bind(&s.2)
        .bind(&s.3)
        .bind(&s.4)
        .execute(db)
        .await
        .unwrap();
}

async fn session_row(db: &mut SqliteConnection, id: &str) -> SessionRow {
    sqlx::query_as("SELECT id, client_user_id, template_id, status, previous_attempt_id FROM sessions WHERE id = ?")
        .bind(id)
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn ids_and_enums_bind_and_read_back_as_their_types() {
    let mut db = database().await;
    let first: SessionRow =
        ("idv_1".into(), "customer-8841".into(), "idvtmp_1".into(), IdentityVerificationStatus::Active, None);
    let second: SessionRow = (
        "idv_2".into(),
        "customer-8841".into(),
        "idvtmp_1".into(),
        IdentityVerificationStatus::PendingReview,
        Some(first.0.clone()),
    );
    insert_session(&mut db, &first).await;
    insert_session(&mut db, &second).await;

    // Stored as the plain text a person (or another service) reads in the table.
    let raw: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, previous_attempt_id FROM sessions ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(
        raw,
        [
            ("idv_1".to_string(), "active".to_string(), None),
            ("idv_2".to_string(), "pending_review".to_string(), Some("idv_1".to_string()))
        ]
    );

    // Read back as the crate's types, by tuple and by column name; bound by id or by `&str`.
    assert_eq!(session_row(&mut db, "idv_1").await, first);
    assert_eq!(session_row(&mut db, "idv_2").await, second);
    let row = sqlx::query("SELECT * FROM sessions WHERE previous_attempt_id = ?")
        .bind(&first.0)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(row.try_get::<IdentityVerificationId, _>("id").unwrap(), "idv_2");
    assert_eq!(
        row.try_get::<IdentityVerificationStatus, _>("status").unwrap(),
        IdentityVerificationStatus::PendingReview
    );
    assert_eq!(row.try_get::<Option<IdentityVerificationId>, _>("previous_attempt_id").unwrap(), Some(first.0.clone()));
    let by_status: Vec<IdentityVerificationId> = sqlx::query_scalar("SELECT id FROM sessions WHERE status = ?")
        .bind(IdentityVerificationStatus::Active)
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(by_status.len(), 1);
    assert_eq!(by_status[0], first.0);

    // Enums of request types (only ever sent, so without `Deserialize` by default) too.
    let (strategy, id_type): (Strategy, IdNumberType) = sqlx::query_as("SELECT ?, ?")
        .bind(Strategy::Incomplete)
        .bind(IdNumberType::UsSsnLast4)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!((strategy, id_type), (Strategy::Incomplete, IdNumberType::UsSsnLast4));
}

#[tokio::test]
async fn an_unlisted_enum_value_in_the_database_reads_as_unknown_and_writes_back_verbatim() {
    let mut db = database().await;
    // Written by a newer version of the service, or by hand.
    sqlx::query("INSERT INTO sessions VALUES ('idv_9', 'customer-1', 'idvtmp_1', 'manual_hold', NULL)")
        .execute(&mut db)
        .await
        .unwrap();
    let (id, .., status, previous) = session_row(&mut db, "idv_9").await;
    assert_eq!(status, IdentityVerificationStatus::Unknown("manual_hold".into()));
    assert_eq!(previous, None);
    sqlx::query("UPDATE sessions SET status = ? WHERE id = ?").bind(&status).bind(&id).execute(&mut db).await.unwrap();
    let text: String =
        sqlx::query_scalar("SELECT status FROM sessions WHERE id = 'idv_9'").fetch_one(&mut db).await.unwrap();
    assert_eq!(text, "manual_hold");
    // The empty string too: any text decodes, as in JSON.
    let empty: IdentityVerificationStatus = sqlx::query_scalar("SELECT ''").fetch_one(&mut db).await.unwrap();
    assert_eq!(empty, IdentityVerificationStatus::Unknown(String::new()));
}

#[tokio::test]
async fn a_value_of_another_sql_type_is_an_error_not_a_panic() {
    let mut db = database().await;
    for (sql, what) in [("SELECT 3", "an integer"), ("SELECT 4.5", "a real"), ("SELECT x'00ff'", "a blob")] {
        let status = sqlx::query_scalar::<_, IdentityVerificationStatus>(sql).fetch_one(&mut db).await;
        assert!(matches!(status, Err(sqlx::Error::ColumnDecode { .. })), "{what}: {status:?}");
        let id = sqlx::query_scalar::<_, IdentityVerificationId>(sql).fetch_one(&mut db).await;
        assert!(matches!(id, Err(sqlx::Error::ColumnDecode { .. })), "{what}: {id:?}");
    }
    // SQL NULL is an error for the type itself (SQLite's `String` would read it as ""), `None`
    // for `Option` of it.
    let text: String = sqlx::query_scalar("SELECT NULL").fetch_one(&mut db).await.unwrap();
    assert_eq!(text, "", "what the impls delegate to");
    let null = sqlx::query_scalar::<_, IdentityVerificationStatus>("SELECT NULL").fetch_one(&mut db).await;
    assert!(
        matches!(&null, Err(sqlx::Error::ColumnDecode { source, .. }) if source.to_string().contains("NULL")),
        "{null:?}"
    );
    let null = sqlx::query_scalar::<_, IdentityVerificationId>("SELECT NULL").fetch_one(&mut db).await;
    assert!(matches!(null, Err(sqlx::Error::ColumnDecode { .. })), "{null:?}");
    let none: Option<IdentityVerificationStatus> = sqlx::query_scalar("SELECT NULL").fetch_one(&mut db).await.unwrap();
    assert_eq!(none, None);
}

/// The onboarding service: what it keeps, and how it talks to Plaid.
struct Onboarding {
    client: Client,
    db: SqliteConnection,
    template: IdentityVerificationTemplateId,
}

impl Onboarding {
    /// Keeps what the user told us at sign-up, as the request user Plaid's create takes (JSON).
    async fn save_profile(&mut self, customer: &ClientUserId, profile: &IdentityVerificationCreateRequestUser) {
        sqlx::query("INSERT INTO profiles VALUES (?, ?)")
            .bind(customer)
            .bind(serde_json::to_string(profile).unwrap())
            .execute(&mut self.db)
            .await
            .unwrap();
    }

    /// Starts a session prefilled from the stored profile, and records it.
    async fn start(&mut self, customer: &ClientUserId) -> IdentityVerificationId {
        let prefill: String = sqlx::query_scalar("SELECT prefill FROM profiles WHERE client_user_id = ?")
            .bind(customer)
            .fetch_one(&mut self.db)
            .await
            .unwrap();
        // Decoding a request type needs the `deserialize-requests` feature (this test crate has it).
        let profile: IdentityVerificationCreateRequestUser = plaid_idv::decode(prefill.as_bytes()).unwrap();
        let create = IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
            template_id: self.template.clone(),
            gave_consent: true,
            is_shareable: false,
            identity: UserIdentity::ClientUserId(customer.clone()),
        })
        .with_user(profile)
        .with_is_idempotent(true);
        let session: IdentityVerification = self.client.identity_verification_create(&create).await.unwrap().into();
        self.record(&session).await;
        session.id
    }

    async fn record(&mut self, s: &IdentityVerification) {
        sqlx::query(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status",
        )
        .bind(&s.id)
        .bind(&s.client_user_id)
        .bind(&s.template.id)
        .bind(&s.status)
        .bind(&s.previous_attempt_id)
        .execute(&mut self.db)
        .await
        .unwrap();
    }

    /// A webhook named `id`: fetch the session, store its status; a failed one is retried,
    /// prefilled with what Plaid holds about the user. Returns the session the user is on now.
    async fn refresh(&mut self, id: &IdentityVerificationId) -> IdentityVerificationId {
        let session: IdentityVerification =
            self.client.identity_verification_get(&IdentityVerificationGetRequest::new(id)).await.unwrap().into();
        self.record(&session).await;
        if session.status != IdentityVerificationStatus::Failed {
            return session.id;
        }
        // Who and which template, from our own table (not from the webhook).
        let (customer, template): (ClientUserId, IdentityVerificationTemplateId) =
            sqlx::query_as("SELECT client_user_id, template_id FROM sessions WHERE id = ?")
                .bind(id)
                .fetch_one(&mut self.db)
                .await
                .unwrap();
        let retry = IdentityVerificationRetryRequest::new(IdentityVerificationRetryRequestRequired {
            client_user_id: customer,
            template_id: template,
            strategy: Strategy::Reset,
        })
        // `IdentityVerificationUserData` into the retry's user: a `From` declared in the portion.
        .with_user(session.user);
        let next: IdentityVerification = self.client.identity_verification_retry(&retry).await.unwrap().into();
        self.record(&next).await;
        next.id
    }
}

fn session_json(id: &str, status: &str, previous: Option<&str>, user: Value) -> Value {
    let mut v: Value = serde_json::from_str(GET_EXAMPLE).unwrap();
    v["id"] = json!(id);
    v["client_user_id"] = json!("customer-8841");
    v["template"] = json!({"id": "idvtmp_onboard", "version": 3});
    v["status"] = json!(status);
    v["previous_attempt_id"] = json!(previous);
    v["user"] = user;
    v
}

#[tokio::test]
async fn onboarding_prefills_stores_and_retries_through_sqlite() {
    let server = MockServer::start().await;
    let client = Client::builder("test-client-id", plaid_idv::Secret::new("test-secret"))
        .environment(Environment::Custom(server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut service = Onboarding { client, db: database().await, template: "idvtmp_onboard".into() };

    let customer = ClientUserId::from("customer-8841");
    let profile = IdentityVerificationCreateRequestUser::new()
        .with_email_address("jane@example.com")
        .with_name(IdentityVerificationRequestUserName::new(IdentityVerificationRequestUserNameRequired {
            given_name: "Jane".into(),
            family_name: "Doe".into(),
        }))
        .with_address(UserAddress::new("US").with_city("Austin"));
    service.save_profile(&customer, &profile).await;

    // Plaid receives the stored profile; what it holds about the user afterwards (the user
    // added a phone number and a street in Link) comes back on the session.
    let sent_user = json!({
        "email_address": "jane@example.com",
        "name": {"given_name": "Jane", "family_name": "Doe"},
        "address": {"city": "Austin", "country": "US"}
    });
    let held = json!({
        "phone_number": "+15125550100", "date_of_birth": null, "ip_address": "203.0.113.7",
        "email_address": "jane@example.com", "name": {"given_name": "Jane", "family_name": "Doe"},
        "address": {"street": "1 Main St", "street2": null, "city": "Austin", "region": "TX",
                    "postal_code": "78701", "country": "US"},
        "id_number": null
    });
    Mock::given(method("POST"))
        .and(path("/identity_verification/create"))
        .and(body_partial_json(json!({
            "client_user_id": "customer-8841", "template_id": "idvtmp_onboard", "user": sent_user.clone()
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(session_json("idv_first", "active", None, sent_user)))
        .expect(1)
        .mount(&server)
        .await;
    let first = service.start(&customer).await;
    assert_eq!(first, "idv_first");
    let (id, who, template, status, previous) = session_row(&mut service.db, "idv_first").await;
    assert_eq!(
        (id, who, status, previous),
        (first.clone(), customer.clone(), IdentityVerificationStatus::Active, None)
    );
    assert_eq!(template, "idvtmp_onboard");

    // The session failed; the retry is prefilled from the session's user data (nulls left out,
    // `ip_address` dropped: the request user has no such field).
    Mock::given(path("/identity_verification/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session_json("idv_first", "failed", None, held.clone())))
        .mount(&server)
        .await;
    Mock::given(path("/identity_verification/retry"))
        .and(body_partial_json(json!({
            "client_user_id": "customer-8841",
            "template_id": "idvtmp_onboard",
            "strategy": "reset",
            "user": {
                "phone_number": "+15125550100",
                "email_address": "jane@example.com",
                "name": {"given_name": "Jane", "family_name": "Doe"},
                "address": {"street": "1 Main St", "city": "Austin", "region": "TX", "postal_code": "78701", "country": "US"}
            }
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(session_json("idv_second", "active", Some("idv_first"), held)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let now = service.refresh(&first).await;
    assert_eq!(now, "idv_second");
    let retry_body: Value = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .find(|r| r.url.path() == "/identity_verification/retry")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    let user = retry_body["user"].as_object().unwrap();
    assert!(!user.contains_key("date_of_birth") && !user.contains_key("id_number"), "null in the session: left out");
    assert!(!user.contains_key("ip_address"));

    assert_eq!(session_row(&mut service.db, "idv_first").await.3, IdentityVerificationStatus::Failed);
    let latest: (IdentityVerificationId, Option<IdentityVerificationId>) = sqlx::query_as(
        "SELECT id, previous_attempt_id FROM sessions WHERE client_user_id = ? ORDER BY rowid DESC LIMIT 1",
    )
    .bind(&customer)
    .fetch_one(&mut service.db)
    .await
    .unwrap();
    assert_eq!(latest, (now, Some(first)));
}
