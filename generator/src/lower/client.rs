//! What `lib.rs` and the optional modules are built from: the servers, the auth headers, and
//! whether the portion supports the IDV flow helpers and the fake. Every rule that reads the
//! spec (or the lowered IR) for these facts is here; the emitters only read the results.

use super::*;

/// Base URLs used when the spec lists no server for an environment.
const SANDBOX_URL: &str = "https://sandbox.plaid.com";
const PRODUCTION_URL: &str = "https://production.plaid.com";

/// The environments' base URLs: the first server whose description or URL names the
/// environment (`sandbox`, `production`), else Plaid's.
pub(super) fn servers(doc: &Value) -> Result<Servers> {
    // Typed (`openapiv3::Server`); a malformed server is an error at its pointer.
    let list: Vec<(String, String)> =
        crate::model::servers(doc)?.into_iter().map(|s| (s.description.unwrap_or_default(), s.url)).collect();
    let pick = |word: &str, fallback: &str| {
        list.iter()
            .find(|(d, u)| d.to_lowercase().contains(word) || u.contains(word))
            .map(|(_, u)| u.clone())
            .unwrap_or_else(|| fallback.to_string())
    };
    Ok(Servers { sandbox: pick("sandbox", SANDBOX_URL), production: pick("production", PRODUCTION_URL) })
}

/// The headers from the `apiKey`-in-header security schemes (in scheme-name order): the
/// first whose header name contains `client`, `secret` or `version` (any case) carries the
/// client id, the secret or the API version. A role no scheme names gets Plaid's header.
pub(super) fn auth(doc: &Value) -> Result<Auth> {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    if let Some(Value::Object(schemes)) = doc.pointer("/components/securitySchemes") {
        for (k, v) in schemes {
            let ptr = join("#/components/securitySchemes", k);
            // A scheme `openapiv3` cannot read (a `$ref`, a type newer than 3.0) adds no header.
            use serde::Deserialize;
            if let Ok(openapiv3::SecurityScheme::APIKey { location: openapiv3::APIKeyLocation::Header, name, .. }) =
                openapiv3::SecurityScheme::deserialize(v)
            {
                headers.insert(k.clone(), name);
            } else if !v.is_object() {
                return Err(GenError::at(&ptr, "a security scheme must be a mapping"));
            }
        }
    }
    let pick = |word: &str, fallback: &str| {
        headers
            .iter()
            .find(|(_, h)| h.to_lowercase().contains(word))
            .map(|(scheme, h)| AuthHeader { header: h.clone(), scheme: Some(scheme.clone()) })
            .unwrap_or_else(|| AuthHeader { header: fallback.to_string(), scheme: None })
    };
    Ok(Auth {
        client_id: pick("client", "PLAID-CLIENT-ID"),
        secret: pick("secret", "PLAID-SECRET"),
        version: pick("version", "Plaid-Version"),
    })
}

/// The API version sent in the version header: `info.version` up to its first `_` (our spec's
/// `2020-09-14_plaid-idv.3` sends `2020-09-14`).
pub(super) fn api_version(spec_version: &str) -> String {
    spec_version.split('_').next().unwrap_or(spec_version).to_string()
}

/// Operations the flow helpers (`runtime/flow.rs`) call, by method name.
const FLOW_OPERATIONS: &[&str] =
    &["identity_verification_create", "identity_verification_get", "identity_verification_retry", "link_token_create"];
/// Types the flow helpers name.
const FLOW_TYPES: &[&str] = &[
    "IdentityVerificationStatus",
    "IdentityVerificationResponse",
    "IdentityVerificationId",
    "CountryCode",
    "IdentityVerificationRequestUser",
];
/// `Webhook` variants the flow helpers match.
const FLOW_WEBHOOKS: &[&str] = &["StatusUpdated", "StepUpdated", "Retried"];
/// Operations the fake (`runtime/fake/`) serves besides the flow's.
const FAKE_OPERATIONS: &[&str] =
    &["identity_verification_list", "dashboard_user_get", "dashboard_user_list", "webhook_verification_key_get"];
/// Types the fake names.
const FAKE_TYPES: &[&str] = &[
    "IdentityVerification",
    "IdentityVerificationStepStatus",
    "IdentityVerificationCreateRequest",
    "IdentityVerificationGetRequest",
    "IdentityVerificationListRequest",
    "IdentityVerificationRetryRequest",
    "LinkTokenCreateRequest",
    "DashboardUser",
    "DashboardUserGetRequest",
    "DashboardUserListRequest",
    "WebhookVerificationKeyGetRequest",
];

/// Which optional modules the lowered IR supports (run after every IR pass: the flow names
/// the merged `IdentityVerificationResponse`).
pub(super) fn features(ir: &Ir) -> Features {
    let has_ops = |names: &[&str]| names.iter().all(|m| ir.operations.iter().any(|o| o.method_name == *m));
    let has_types = |names: &[&str]| names.iter().all(|t| ir.types.contains_key(*t));
    let flow = has_ops(FLOW_OPERATIONS)
        && has_types(FLOW_TYPES)
        && FLOW_WEBHOOKS.iter().all(|v| ir.webhooks.iter().any(|w| w.variant == *v));
    // The fake builds its sessions from the get response's first example.
    let seed = ir.examples.iter().find(|e| {
        e.test_name.starts_with("identity_verification_get_200")
            && matches!(&e.ty, Ty::Named(n) if n == "IdentityVerificationResponse")
    });
    let fake = match seed {
        Some(e) if flow && has_ops(FAKE_OPERATIONS) && has_types(FAKE_TYPES) => {
            Some(Fake { seed_example: e.test_name.clone() })
        }
        _ => None,
    };
    Features { flow, fake }
}
