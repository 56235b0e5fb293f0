// Part of the generated test kit crate, copied from generator/runtime/fake/ (the generator fills in
// the file name of the spec's get example below).

//! The fake's state and what each endpoint answers. Everything here is synchronous and runs
//! under the state's lock; the HTTP side lives in `server.rs`.

use super::{FakeError, Fault, LinkTokenRecord, Op, RecordedRequest, SentWebhook, Step, WebhookDelivery};
use crate::types::{
    DashboardUser, DashboardUserGetRequest, DashboardUserListRequest, IdentityVerification,
    IdentityVerificationCreateRequest, IdentityVerificationGetRequest, IdentityVerificationListRequest,
    IdentityVerificationResponse, IdentityVerificationRetryRequest, LinkTokenCreateRequest,
    WebhookVerificationKeyGetRequest,
};
use plaid_idv::{decode, Error};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};

/// The spec's example of an `/identity_verification/get` response. Every session the fake
/// creates is this example with its identity, user, status, steps and results replaced, so
/// each response has every field the spec defines.
pub(super) const SEED_SESSION: &str = include_str!("../spec-examples/identity_verification_get_200_example_1.json");

/// Each step's result field, filled from the seed (with the outcome as its `status`) when the
/// step finishes.
const STEP_RESULTS: &[(&str, &str)] = &[
    ("verify_sms", "verify_sms"),
    ("kyc_check", "kyc_check"),
    ("documentary_verification", "documentary_verification"),
    ("selfie_check", "selfie_check"),
    ("risk_check", "risk_check"),
    ("watchlist_screening", "watchlist_screening_id"),
];

/// Fields that are empty on a new session.
const EMPTY_ON_CREATE: &[&str] = &[
    "completed_at",
    "previous_attempt_id",
    "shareable_url",
    "documentary_verification",
    "selfie_check",
    "kyc_check",
    "risk_check",
    "verify_sms",
    "watchlist_screening_id",
    "beacon_user_id",
    "user_id",
    "redacted_at",
    "latest_scored_protect_event",
];

/// The order in which Link takes the user through the steps (JSON objects here are sorted by
/// key, so the order is kept here). Steps a later spec adds come after these.
const STEP_ORDER: &[&str] = &[
    "accept_tos",
    "verify_sms",
    "kyc_check",
    "documentary_verification",
    "selfie_check",
    "watchlist_screening",
    "risk_check",
];

/// The keys of a steps object in Link's order.
fn step_keys(steps: &Value) -> Vec<String> {
    let Value::Object(m) = steps else {
        return Vec::new();
    };
    let mut keys: Vec<String> = STEP_ORDER.iter().filter(|k| m.contains_key(**k)).map(|k| k.to_string()).collect();
    keys.extend(m.keys().filter(|k| !STEP_ORDER.contains(&k.as_str())).cloned());
    keys
}

fn step_is(steps: &Value, key: &str, set: &[&str]) -> bool {
    steps.get(key).and_then(Value::as_str).is_some_and(|s| set.contains(&s))
}

/// Step outcomes after which the step needs nothing more from the user.
const DONE: &[&str] = &["success", "skipped", "not_applicable", "manually_approved"];
/// Step outcomes of a step the user has not finished.
const PENDING: &[&str] = &["active", "waiting_for_prerequisite"];

/// Bounds on what the fake keeps; see `FakePlaidBuilder`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub sessions: usize,
    pub link_tokens: usize,
    pub requests: usize,
    pub webhooks: usize,
    pub faults_per_op: usize,
}

/// One verification session and what it is keyed by.
pub(super) struct Session {
    /// The session as `IdentityVerification` JSON (no `request_id`), canonical: decoded into the
    /// typed model and encoded again.
    pub value: Value,
    pub template_id: String,
    pub client_user_id: String,
}

/// A webhook to sign and send once the state's lock is released.
#[derive(Debug, Clone)]
pub(super) struct Outgoing {
    pub code: &'static str,
    pub id: String,
    pub url: Option<String>,
}

/// What the server sends back: a status, a JSON body, extra headers, and webhooks to send
/// after answering.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
    pub webhooks: Vec<Outgoing>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply { status: 200, body, headers: Vec::new(), webhooks: Vec::new() }
    }
}

/// A Plaid error body, with the fields Plaid's error object has.
pub(super) fn error_body(status: u16, error_type: &str, code: &str, message: &str, request_id: &str) -> Value {
    let body = json!({
        "error_type": error_type,
        "error_code": code,
        "error_message": message,
        "display_message": null,
        "request_id": request_id,
        "causes": [],
        "status": status,
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": null,
    });
    canonical::<plaid_idv::ErrorBody>(&body).unwrap_or(body)
}

/// `value` decoded into `T` and encoded again: the JSON the typed model produces.
pub(super) fn canonical<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = decode(value.to_string().as_bytes()).map_err(|e| match e {
        Error::Decode { path, message, .. } => format!("{path}: {message}"),
        other => other.to_string(),
    })?;
    serde_json::to_value(&typed).map_err(|e| plaid_idv::__private::describe(&e))
}

/// Adds `null` for every key of `shape` (recursively, for objects) that `value` lacks, so a
/// value supplied in a request type has every key of the response type.
fn fill_nulls(value: &mut Value, shape: &Value) {
    if let (Value::Object(v), Value::Object(s)) = (value, shape) {
        for (k, sv) in s {
            let entry = v.entry(k.clone()).or_insert(Value::Null);
            fill_nulls(entry, sv);
        }
    }
}

/// `body` without a top-level `secret` member.
pub(super) fn without_secret(body: &Value) -> Value {
    let mut body = body.clone();
    if let Value::Object(m) = &mut body {
        m.remove("secret");
    }
    body
}

fn now() -> chrono::DateTime<chrono::Utc> {
    // chrono's `clock` feature is not enabled; `std` converts a `SystemTime`.
    std::time::SystemTime::now().into()
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A cursor that names the last item of the page it ends, opaque to clients.
fn cursor_after(id: &str) -> String {
    crate::signer::b64(format!("fake-cursor:{id}").as_bytes())
}

fn id_of_cursor(cursor: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("fake-cursor:").map(str::to_owned)
}

/// Everything the fake holds.
pub(super) struct State {
    /// The seed session (no `request_id`).
    seed: Value,
    pub sessions: HashMap<String, Session>,
    /// Session ids in creation order.
    pub order: Vec<String>,
    pub link_tokens: Vec<LinkTokenRecord>,
    pub dashboard_users: Vec<Value>,
    pub requests: VecDeque<RecordedRequest>,
    /// The kept webhooks, each with its number (1 for the first the fake recorded).
    pub webhooks: VecDeque<(u64, SentWebhook)>,
    /// Webhooks recorded since the start, including those no longer kept: the number of the
    /// newest.
    pub webhooks_sent: u64,
    /// How webhooks are delivered from now on.
    pub delivery: WebhookDelivery,
    /// Webhooks held (`WebhookDelivery::Held`), oldest first, with their record's number.
    pub held: VecDeque<(u64, SentWebhook)>,
    pub faults: HashMap<Op, VecDeque<Fault>>,
    pub webhook_url: Option<String>,
    pub page_size: usize,
    pub limits: Limits,
    /// The signing key's id and `/webhook_verification_key/get` body.
    kid: String,
    key: Value,
    next_session: u64,
    next_recorded: u64,
    next_request: u64,
    next_token: u64,
    next_dashboard_user: u64,
    /// Plaid user ids (`user_id`, made by `FakePlaid::add_user` as `/user/create` would) and
    /// the `client_user_id` each was created from.
    users: HashMap<String, String>,
}

type Answer = Result<Reply, Reply>;

impl State {
    /// A state seeded from the spec's get example. Fails when the example does not decode,
    /// which would be a generator bug.
    pub fn new(
        limits: Limits,
        page_size: usize,
        webhook_url: Option<String>,
        kid: String,
        key: Value,
    ) -> Result<State, String> {
        let mut seed: Value =
            serde_json::from_str(SEED_SESSION).map_err(|e| format!("the seed example is not JSON: {e}"))?;
        if let Value::Object(m) = &mut seed {
            m.remove("request_id");
        }
        let seed = canonical::<IdentityVerification>(&seed).map_err(|e| format!("the seed example: {e}"))?;
        let mut state = State {
            seed,
            sessions: HashMap::new(),
            order: Vec::new(),
            link_tokens: Vec::new(),
            dashboard_users: Vec::new(),
            requests: VecDeque::new(),
            webhooks: VecDeque::new(),
            webhooks_sent: 0,
            delivery: WebhookDelivery::Normal,
            held: VecDeque::new(),
            faults: HashMap::new(),
            webhook_url,
            page_size: page_size.max(1),
            limits,
            kid,
            key,
            next_session: 0,
            next_recorded: 0,
            next_request: 0,
            next_token: 0,
            next_dashboard_user: 0,
            users: HashMap::new(),
        };
        state.add_dashboard_user("reviewer@example.com", "active")?;
        Ok(state)
    }

    /// A fresh `request_id`.
    pub fn request_id(&mut self) -> String {
        self.next_request += 1;
        format!("fakereq{:08}", self.next_request)
    }

    /// Records a request, dropping the oldest beyond the limit. Returns its sequence number,
    /// for [`State::answered`].
    pub fn record(&mut self, mut r: RecordedRequest) -> u64 {
        self.next_recorded += 1;
        r.seq = self.next_recorded;
        if self.limits.requests == 0 {
            return r.seq;
        }
        while self.requests.len() >= self.limits.requests {
            self.requests.pop_front();
        }
        self.requests.push_back(r);
        self.next_recorded
    }

    /// Sets the answer time of recorded request `seq` (if it is still kept).
    pub fn answered(&mut self, seq: u64, at: std::time::Instant) {
        if let Some(r) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            r.answered_at = at;
        }
    }

    /// Records a webhook, dropping the oldest beyond the limit; returns its number.
    pub fn record_webhook(&mut self, w: SentWebhook) -> u64 {
        self.webhooks_sent += 1;
        let seq = self.webhooks_sent;
        if self.limits.webhooks == 0 {
            return seq;
        }
        while self.webhooks.len() >= self.limits.webhooks {
            self.webhooks.pop_front();
        }
        self.webhooks.push_back((seq, w));
        seq
    }

    /// Replaces the record of webhook `seq` (if it is still kept), after a late delivery.
    pub fn update_webhook(&mut self, seq: u64, w: &SentWebhook) {
        if let Some((_, kept)) = self.webhooks.iter_mut().rev().find(|(n, _)| *n == seq) {
            *kept = w.clone();
        }
    }

    /// Queues a fault; `false` when the op's queue is full.
    pub fn push_fault(&mut self, op: Op, fault: Fault) -> bool {
        let queue = self.faults.entry(op).or_default();
        if queue.len() >= self.limits.faults_per_op {
            return false;
        }
        queue.push_back(fault);
        true
    }

    pub fn pop_fault(&mut self, op: Op) -> Option<Fault> {
        self.faults.get_mut(&op)?.pop_front()
    }

    /// Adds a Dashboard user; returns its id.
    pub fn add_dashboard_user(&mut self, email: &str, status: &str) -> Result<String, String> {
        self.next_dashboard_user += 1;
        let id = format!("usr_fake{:010}", self.next_dashboard_user);
        let user = json!({
            "id": id, "created_at": timestamp(now()), "email_address": email, "status": status,
        });
        let user = canonical::<DashboardUser>(&user)?;
        self.dashboard_users.push(user);
        Ok(id)
    }

    fn error(&mut self, status: u16, error_type: &str, code: &str, message: &str) -> Reply {
        let request_id = self.request_id();
        Reply {
            status,
            body: error_body(status, error_type, code, message, &request_id),
            headers: Vec::new(),
            webhooks: Vec::new(),
        }
    }

    /// 400 `INVALID_REQUEST` / `INVALID_FIELD`.
    fn invalid_field(&mut self, message: &str) -> Reply {
        self.error(400, "INVALID_REQUEST", "INVALID_FIELD", message)
    }

    /// 400 `INVALID_REQUEST` / `MISSING_FIELDS`.
    fn missing(&mut self, fields: &str) -> Reply {
        self.error(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            &format!("the following required fields are missing: {fields}"),
        )
    }

    /// Checks `body` against the typed request model, answering like Plaid when it does not fit.
    fn check<T: serde::de::DeserializeOwned>(&mut self, body: &Value) -> Result<(), Reply> {
        match decode::<T>(body.to_string().as_bytes()) {
            Ok(_) => Ok(()),
            Err(Error::Decode { path, message, .. }) if message.starts_with("missing field") => {
                Err(self.missing(&path))
            }
            Err(Error::Decode { path, message, .. }) => Err(self.invalid_field(&format!("{path}: {message}"))),
            Err(e) => Err(self.invalid_field(&e.to_string())),
        }
    }

    fn with_request_id(&mut self, mut v: Value) -> Value {
        let id = self.request_id();
        if let Value::Object(m) = &mut v {
            m.insert("request_id".into(), Value::String(id));
        }
        v
    }

    /// The newest session for the pair.
    fn latest_for(&self, template_id: &str, client_user_id: &str) -> Option<&Session> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.sessions.get(id))
            .find(|s| s.template_id == template_id && s.client_user_id == client_user_id)
    }

    /// Where webhooks about the pair go: the newest Link token for it that has a webhook,
    /// else the fake's own webhook URL.
    pub fn webhook_url_for(&self, template_id: &str, client_user_id: &str) -> Option<String> {
        self.link_tokens
            .iter()
            .rev()
            .filter(|t| t.template_id.as_deref() == Some(template_id) && t.client_user_id == client_user_id)
            .find_map(|t| t.webhook.clone())
            .or_else(|| self.webhook_url.clone())
    }

    fn outgoing(&self, code: &'static str, id: &str) -> Result<Outgoing, FakeError> {
        let s = self.sessions.get(id).ok_or_else(|| FakeError::UnknownSession(id.to_string()))?;
        Ok(Outgoing { code, id: id.to_string(), url: self.webhook_url_for(&s.template_id, &s.client_user_id) })
    }

    /// Answers one authenticated request.
    pub fn handle(&mut self, op: Op, body: &Value) -> Reply {
        let answer = match op {
            Op::IdentityVerificationCreate => self.create(body),
            Op::IdentityVerificationGet => self.get(body),
            Op::IdentityVerificationList => self.list(body),
            Op::IdentityVerificationRetry => self.retry(body),
            Op::LinkTokenCreate => self.link_token(body),
            Op::DashboardUserGet => self.dashboard_user_get(body),
            Op::DashboardUserList => self.dashboard_user_list(body),
            Op::WebhookVerificationKeyGet => self.key_get(body),
        };
        answer.unwrap_or_else(|e| e)
    }

    fn session_reply(&mut self, id: &str) -> Answer {
        match self.sessions.get(id).map(|s| s.value.clone()) {
            Some(v) => Ok(Reply::ok(self.with_request_id(v))),
            None => Err(self.invalid_field("identity_verification_id: no identity verification has this id")),
        }
    }

    fn room_for_session(&mut self) -> Result<(), Reply> {
        if self.sessions.len() >= self.limits.sessions {
            let n = self.limits.sessions;
            return Err(self.error(
                400,
                "INVALID_REQUEST",
                "FAKE_SESSION_LIMIT",
                &format!("the fake holds at most {n} sessions (FakePlaidBuilder::max_sessions)"),
            ));
        }
        Ok(())
    }

    /// Fresh steps: everything waits, the first step that is not done is active.
    fn fresh_steps(&self, gave_consent: bool) -> Value {
        let mut steps = Map::new();
        if let Some(Value::Object(seed)) = self.seed.get("steps") {
            for k in seed.keys() {
                let status = if k == "accept_tos" && gave_consent { "skipped" } else { "waiting_for_prerequisite" };
                steps.insert(k.clone(), json!(status));
            }
        }
        let mut steps = Value::Object(steps);
        activate_next(&mut steps);
        steps
    }

    /// A new active session of the pair, built from the seed.
    #[allow(clippy::too_many_arguments)]
    fn new_session(
        &mut self,
        template_id: &str,
        client_user_id: &str,
        shareable: bool,
        steps: Value,
        user: Option<&Value>,
        previous: Option<&str>,
    ) -> Result<String, Reply> {
        self.room_for_session()?;
        self.next_session += 1;
        let id = format!("idv_fake{:010}", self.next_session);
        let mut v = self.seed.clone();
        for k in EMPTY_ON_CREATE {
            if let Some(slot) = v.get_mut(*k) {
                *slot = Value::Null;
            }
        }
        v["id"] = json!(id);
        v["client_user_id"] = json!(client_user_id);
        v["created_at"] = json!(timestamp(now()));
        v["status"] = json!("active");
        v["steps"] = steps;
        if let Some(p) = previous {
            v["previous_attempt_id"] = json!(p);
        }
        if shareable && v.get("shareable_url").is_some() {
            v["shareable_url"] = json!(format!("https://flow.plaid.com/verify/{id}?key=fake"));
        }
        if let Some(t) = v.get_mut("template").filter(|t| t.is_object()) {
            t["id"] = json!(template_id);
        }
        // The user: what the request supplied, under the keys the response has.
        let shape = self.seed.get("user").cloned().unwrap_or(Value::Null);
        if let Value::Object(seed_user) = &shape {
            let given = user.and_then(Value::as_object);
            let mut out = Map::new();
            for k in seed_user.keys() {
                let mut field = given.and_then(|g| g.get(k)).cloned().unwrap_or(Value::Null);
                if let Some(sub) = seed_user.get(k).filter(|s| s.is_object()) {
                    if field.is_object() {
                        fill_nulls(&mut field, sub);
                    }
                }
                out.insert(k.clone(), field);
            }
            v["user"] = Value::Object(out);
        }
        let value = match canonical::<IdentityVerification>(&v) {
            Ok(value) => value,
            Err(e) => {
                self.next_session -= 1;
                return Err(self.invalid_field(&format!("user.{e}")));
            }
        };
        self.sessions.insert(
            id.clone(),
            Session { value, template_id: template_id.to_string(), client_user_id: client_user_id.to_string() },
        );
        self.order.push(id.clone());
        Ok(id)
    }

    /// Adds a Plaid user for `client_user_id`, as `/user/create` does; returns its `user_id`.
    pub fn add_user(&mut self, client_user_id: &str) -> String {
        let id = format!("usr_fake{:010}", self.users.len() + 1);
        self.users.insert(id.clone(), client_user_id.to_string());
        id
    }

    /// The `client_user_id` a request is about, from `client_user_id`, `user_id` (a user made
    /// with `add_user`) or both (which must agree, as Plaid requires), with the `user_id`.
    /// `Ok(None)` when the request names neither.
    fn identity(
        &mut self,
        client_user_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<(String, Option<String>)>, Reply> {
        match (client_user_id, user_id) {
            (None, None) => Ok(None),
            (Some(c), None) => Ok(Some((c.to_string(), None))),
            (c, Some(u)) => match self.users.get(u).cloned() {
                None => Err(self.invalid_field("user_id: no user has this id (create it with /user/create)")),
                Some(owner) if c.is_some_and(|c| c != owner) => {
                    Err(self.invalid_field("user_id: this user was not created from the given client_user_id"))
                }
                Some(owner) => Ok(Some((owner, Some(u.to_string())))),
            },
        }
    }

    fn create(&mut self, body: &Value) -> Answer {
        self.check::<IdentityVerificationCreateRequest>(body)?;
        let template = text(body, "template_id").unwrap_or_default().to_string();
        let Some((user, user_id)) = self.identity(text(body, "client_user_id"), text(body, "user_id"))? else {
            return Err(self.missing("client_user_id or user_id"));
        };
        if let Some(existing) = self.latest_for(&template, &user).map(|s| s.value.clone()) {
            if body.get("is_idempotent") == Some(&Value::Bool(true)) {
                // Returned unmodified, whatever its status.
                return Ok(Reply::ok(self.with_request_id(existing)));
            }
            return Err(self.invalid_field(
                "an identity verification already exists for this client_user_id and template_id; \
                 pass is_idempotent: true to get it back",
            ));
        }
        let consent = body.get("gave_consent") == Some(&Value::Bool(true));
        let shareable = body.get("is_shareable") == Some(&Value::Bool(true));
        let steps = self.fresh_steps(consent);
        let id = self.new_session(&template, &user, shareable, steps, body.get("user"), None)?;
        if let (Some(u), Some(s)) = (user_id, self.sessions.get_mut(&id)) {
            if s.value.get("user_id").is_some() {
                s.value["user_id"] = json!(u);
            }
        }
        self.session_reply(&id)
    }

    fn get(&mut self, body: &Value) -> Answer {
        self.check::<IdentityVerificationGetRequest>(body)?;
        let id = text(body, "identity_verification_id").unwrap_or_default().to_string();
        self.session_reply(&id)
    }

    /// One page of `items` after `cursor`, and the cursor of the next page.
    fn page(&mut self, items: Vec<(String, Value)>, cursor: Option<&str>) -> Result<(Vec<Value>, Value), Reply> {
        let start = match cursor {
            None => 0,
            Some(c) => match id_of_cursor(c).and_then(|id| items.iter().position(|(i, _)| *i == id)) {
                Some(pos) => pos + 1,
                None => return Err(self.invalid_field("cursor: not a cursor this list returned")),
            },
        };
        let end = start.saturating_add(self.page_size).min(items.len());
        let next = if end < items.len() { json!(cursor_after(&items[end - 1].0)) } else { Value::Null };
        Ok((items.get(start..end).unwrap_or_default().iter().map(|(_, v)| v.clone()).collect(), next))
    }

    fn list(&mut self, body: &Value) -> Answer {
        self.check::<IdentityVerificationListRequest>(body)?;
        let template = text(body, "template_id").unwrap_or_default().to_string();
        let template = template.as_str();
        // Plaid's rule: a list names its user, by `client_user_id` or `user_id` (or both); a
        // `user_id` stands for the `client_user_id` it was created from.
        let Some((user, _)) = self.identity(text(body, "client_user_id"), text(body, "user_id"))? else {
            return Err(self.missing("client_user_id or user_id"));
        };
        // Newest first.
        let items: Vec<(String, Value)> = self
            .order
            .iter()
            .rev()
            .filter_map(|id| self.sessions.get(id))
            .filter(|s| s.template_id == template && s.client_user_id == user)
            .map(|s| (text(&s.value, "id").unwrap_or_default().to_string(), s.value.clone()))
            .collect();
        let (page, next) = self.page(items, text(body, "cursor"))?;
        let v = json!({ "identity_verifications": page, "next_cursor": next });
        Ok(Reply::ok(self.with_request_id(v)))
    }

    fn retry(&mut self, body: &Value) -> Answer {
        self.check::<IdentityVerificationRetryRequest>(body)?;
        let template = text(body, "template_id").unwrap_or_default().to_string();
        let user = text(body, "client_user_id").unwrap_or_default().to_string();
        let Some(prev) = self.latest_for(&template, &user).map(|s| s.value.clone()) else {
            return Err(
                self.invalid_field("no identity verification exists for this client_user_id and template_id to retry")
            );
        };
        let prev_steps = prev.get("steps").cloned().unwrap_or(Value::Null);
        // Steps whose result the new session keeps from the previous one.
        let keep: Vec<String> = match text(body, "strategy").unwrap_or_default() {
            "reset" => Vec::new(),
            "incomplete" | "infer" => done_steps(&prev_steps, |_| true),
            "custom" => {
                let Some(redo) = body.get("steps").filter(|s| s.is_object()).cloned() else {
                    return Err(self.missing("steps"));
                };
                done_steps(&prev_steps, |k| redo.get(k) != Some(&Value::Bool(true)))
            }
            other => return Err(self.invalid_field(&format!("strategy: unknown value {other:?}"))),
        };
        let mut steps = self.fresh_steps(false);
        for k in &keep {
            steps[k.as_str()] = prev_steps[k.as_str()].clone();
        }
        activate_next(&mut steps);
        let mut given = prev.get("user").cloned().unwrap_or(Value::Null);
        if let (Value::Object(g), Some(Value::Object(new))) = (&mut given, body.get("user")) {
            for (k, v) in new {
                if !v.is_null() {
                    g.insert(k.clone(), v.clone());
                }
            }
        }
        let shareable = match body.get("is_shareable") {
            Some(Value::Bool(b)) => *b,
            _ => !prev.get("shareable_url").unwrap_or(&Value::Null).is_null(),
        };
        let prev_id = text(&prev, "id").unwrap_or_default().to_string();
        let id = self.new_session(&template, &user, shareable, steps, Some(&given), Some(&prev_id))?;
        // Kept steps keep their results.
        if let Some(s) = self.sessions.get_mut(&id) {
            for (step, field) in STEP_RESULTS {
                if keep.iter().any(|k| k == step) {
                    if let Some(r) = prev.get(*field) {
                        s.value[*field] = r.clone();
                    }
                }
            }
        }
        let mut reply = self.session_reply(&id)?;
        reply.webhooks.extend(self.outgoing("RETRIED", &id).ok());
        Ok(reply)
    }

    fn link_token(&mut self, body: &Value) -> Answer {
        self.check::<LinkTokenCreateRequest>(body)?;
        let wants_idv = body
            .get("products")
            .and_then(Value::as_array)
            .is_some_and(|p| p.iter().any(|x| x.as_str() == Some("identity_verification")));
        let template = body.get("identity_verification").and_then(|i| text(i, "template_id")).map(str::to_owned);
        if wants_idv && template.is_none() {
            return Err(self.missing("identity_verification.template_id"));
        }
        let named = body.get("user").and_then(|u| text(u, "client_user_id"));
        let identity = self.identity(named, text(body, "user_id"))?;
        if self.link_tokens.len() >= self.limits.link_tokens {
            let n = self.limits.link_tokens;
            return Err(self.error(
                400,
                "INVALID_REQUEST",
                "FAKE_LINK_TOKEN_LIMIT",
                &format!("the fake holds at most {n} Link tokens"),
            ));
        }
        self.next_token += 1;
        let n = self.next_token;
        let token = format!("link-sandbox-{n:08x}-fake-4000-8000-{n:012x}");
        let record = LinkTokenRecord {
            link_token: token.clone(),
            template_id: template,
            client_user_id: identity.as_ref().map(|(c, _)| c.clone()).unwrap_or_default(),
            user_id: identity.and_then(|(_, u)| u),
            webhook: text(body, "webhook").map(str::to_owned),
            request: without_secret(body),
        };
        self.link_tokens.push(record);
        let expiration = timestamp(now() + chrono::Duration::hours(4));
        let v = json!({ "link_token": token, "expiration": expiration });
        Ok(Reply::ok(self.with_request_id(v)))
    }

    fn dashboard_user_get(&mut self, body: &Value) -> Answer {
        self.check::<DashboardUserGetRequest>(body)?;
        let id = text(body, "dashboard_user_id").unwrap_or_default();
        match self.dashboard_users.iter().find(|u| text(u, "id") == Some(id)).cloned() {
            Some(u) => Ok(Reply::ok(self.with_request_id(u))),
            None => Err(self.invalid_field("dashboard_user_id: no Dashboard user has this id")),
        }
    }

    fn dashboard_user_list(&mut self, body: &Value) -> Answer {
        self.check::<DashboardUserListRequest>(body)?;
        let items =
            self.dashboard_users.iter().map(|u| (text(u, "id").unwrap_or_default().to_string(), u.clone())).collect();
        let (page, next) = self.page(items, text(body, "cursor"))?;
        let v = json!({ "dashboard_users": page, "next_cursor": next });
        Ok(Reply::ok(self.with_request_id(v)))
    }

    fn key_get(&mut self, body: &Value) -> Answer {
        self.check::<WebhookVerificationKeyGetRequest>(body)?;
        if text(body, "key_id") != Some(self.kid.as_str()) {
            return Err(self.error(
                400,
                "INVALID_INPUT",
                "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
                "key_id: no webhook verification key has this id",
            ));
        }
        let v = json!({ "key": self.key.clone() });
        Ok(Reply::ok(self.with_request_id(v)))
    }

    // -- Scripted progress ---------------------------------------------------------------

    /// The session, typed.
    pub fn session(&self, id: &str) -> Option<IdentityVerification> {
        serde_json::from_value(self.sessions.get(id)?.value.clone()).ok()
    }

    /// Sets the overall status (and the steps it implies); the `STATUS_UPDATED` webhook to
    /// send. `Unchanged` when the session already has the status.
    pub fn set_status(&mut self, id: &str, status: &str) -> Result<Outgoing, FakeError> {
        let seed = self.seed.clone();
        let s = self.sessions.get_mut(id).ok_or_else(|| FakeError::UnknownSession(id.to_string()))?;
        if text(&s.value, "status") == Some(status) {
            return Err(FakeError::Unchanged(format!("{id} already has status {status}")));
        }
        let mut v = s.value.clone();
        v["status"] = json!(status);
        let steps = &mut v["steps"];
        match status {
            "success" => {
                let keys = pending_steps(steps);
                for k in &keys {
                    steps[k.as_str()] = json!("success");
                }
                for k in &keys {
                    fill_result(&mut v, &seed, k, "success");
                }
            }
            "failed" | "pending_review" => {
                // The first unfinished step gets the outcome, unless a step already has it.
                let has_it = step_keys(steps).iter().any(|k| step_is(steps, k, &[status]));
                if let Some(k) = pending_steps(steps).into_iter().next().filter(|_| !has_it) {
                    steps[k.as_str()] = json!(status);
                    fill_result(&mut v, &seed, &k, status);
                }
            }
            "expired" | "canceled" => {
                for k in pending_steps(steps) {
                    steps[k.as_str()] = json!(status);
                }
            }
            _ => {}
        }
        v["completed_at"] = if status == "active" { Value::Null } else { json!(timestamp(now())) };
        s.value = canonical::<IdentityVerification>(&v).map_err(FakeError::Invalid)?;
        self.outgoing("STATUS_UPDATED", id)
    }

    /// Sets one step; the `STEP_UPDATED` webhook to send. `Unchanged` when the step already
    /// has the outcome.
    pub fn set_step(&mut self, id: &str, step: Step, outcome: &str) -> Result<Outgoing, FakeError> {
        let seed = self.seed.clone();
        let s = self.sessions.get_mut(id).ok_or_else(|| FakeError::UnknownSession(id.to_string()))?;
        let key = step.as_str();
        let Some(current) = s.value.get("steps").and_then(|st| st.get(key)) else {
            return Err(FakeError::Invalid(format!("this spec's sessions have no step {key}")));
        };
        if current.as_str() == Some(outcome) {
            return Err(FakeError::Unchanged(format!("{id} already has step {key} {outcome}")));
        }
        let mut v = s.value.clone();
        v["steps"][key] = json!(outcome);
        if !PENDING.contains(&outcome) {
            fill_result(&mut v, &seed, key, outcome);
        }
        if DONE.contains(&outcome) {
            activate_next(&mut v["steps"]);
        }
        s.value = canonical::<IdentityVerification>(&v).map_err(FakeError::Invalid)?;
        self.outgoing("STEP_UPDATED", id)
    }

    /// The typed response form of a session, as get returns it (for tests of this module).
    #[allow(dead_code)]
    pub fn response(&mut self, id: &str) -> Option<IdentityVerificationResponse> {
        let v = self.sessions.get(id)?.value.clone();
        serde_json::from_value(self.with_request_id(v)).ok()
    }
}

/// Steps the user has not finished, in Link's order.
fn pending_steps(steps: &Value) -> Vec<String> {
    step_keys(steps).into_iter().filter(|k| step_is(steps, k, PENDING)).collect()
}

/// Steps that are done and that `keep` accepts.
fn done_steps(steps: &Value, keep: impl Fn(&str) -> bool) -> Vec<String> {
    step_keys(steps).into_iter().filter(|k| step_is(steps, k, DONE) && keep(k)).collect()
}

/// Makes the first waiting step (in Link's order) active, unless a step is active already.
fn activate_next(steps: &mut Value) {
    let keys = step_keys(steps);
    if keys.iter().any(|k| step_is(steps, k, &["active"])) {
        return;
    }
    if let Some(k) = keys.iter().find(|k| step_is(steps, k, &["waiting_for_prerequisite"])) {
        steps[k.as_str()] = json!("active");
    }
}

/// Fills the result field of `step` from the seed, with `outcome` as its status.
fn fill_result(v: &mut Value, seed: &Value, step: &str, outcome: &str) {
    let Some((_, field)) = STEP_RESULTS.iter().find(|(s, _)| *s == step) else {
        return;
    };
    let Some(mut result) = seed.get(*field).filter(|r| !r.is_null()).cloned() else {
        return;
    };
    if let Some(status) = result.get_mut("status").filter(|s| s.is_string()) {
        *status = json!(outcome);
    }
    if let Some(slot) = v.get_mut(*field) {
        *slot = result;
    }
}
