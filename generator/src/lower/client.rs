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

/// Which optional modules the lowered IR supports (run after every IR pass: the runtime's
/// needs are checked against the final types). The needs are the runtime contract
/// ([`crate::contract`]); a module left out adds a warning naming what it lacks, and a module
/// the selection file `require`s is an error instead. The fake also needs an example of the get
/// response to build its sessions from.
pub(super) fn features(ir: &mut Ir, required: &[String]) -> Result<()> {
    let (present, left_out) = crate::contract::check(ir, required)?;
    ir.warnings.extend(left_out.iter().map(crate::contract::Unmet::warning));
    let seed = ir.examples.iter().find(|e| {
        e.test_name.starts_with("identity_verification_get_200")
            && matches!(&e.ty, Ty::Named(n) if n == "IdentityVerificationResponse")
    });
    let fake = match seed {
        Some(e) if present.contains("fake") => Some(Fake { seed_example: e.test_name.clone() }),
        None if present.contains("fake") => {
            let why = "it builds its sessions from an example of the `/identity_verification/get` response, and this \
                       portion has none";
            if required.iter().any(|r| r == "fake") {
                return Err(GenError::at(
                    "#/paths",
                    format!("the `fake` module is required by the selection file (`require`), but {why}"),
                ));
            }
            ir.warnings.push(
                crate::contract::Unmet { module: "fake".into(), pointer: "#/paths".into(), what: why.into() }.warning(),
            );
            None
        }
        _ => None,
    };
    ir.features = Features {
        flow: present.contains("flow"),
        fake,
        verify: present.contains("verify"),
        inbox: present.contains("inbox"),
        readme: present.contains("readme"),
        readme_ignored: crate::contract::readme_example_keys()
            .iter()
            .enumerate()
            .filter(|(_, k)| present.contains("readme") && !present.contains(*k))
            .map(|(i, _)| i + 1)
            .collect(),
    };
    Ok(())
}
