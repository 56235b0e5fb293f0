//! Webhook body schemas → `Webhook` variants and their discriminators.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_webhook(&mut self, name: &str, namer: &mut Namer) -> Result<(Webhook, Vec<Example>)> {
        let ptr = join("#/components/schemas", name);
        let rust = match self.named.get(name) {
            Some(r) if matches!(self.types.get(r).map(|t| &t.kind), Some(Kind::Struct { .. })) => r.clone(),
            _ => return Err(GenError::at(&ptr, "a webhook schema must be an object with properties")),
        };
        let s = &self.schemas[name];
        let examples_v: Vec<Value> = match s.get("x-examples") {
            Some(Value::Object(m)) => m.values().cloned().collect(),
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let find = |key: &str| -> Option<String> {
            let p = s.get("properties")?.get(key)?;
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => self.schemas.get(&ref_name(r, self.doc, "#").ok()?)?,
                None => p,
            };
            if let Some(Value::Array(vals)) = p.get("enum") {
                let vals: Vec<String> = vals.iter().filter_map(enum_wire).collect();
                if vals.len() == 1 {
                    return Some(vals[0].clone());
                }
            }
            if let Some(v) = examples_v.iter().find_map(|e| e.get(key).and_then(Value::as_str)) {
                return Some(v.to_string());
            }
            // Plaid states the value only in prose: "`IDENTITY_VERIFICATION`".
            let d = p.get("description")?.as_str()?.trim();
            let inner = d.strip_prefix('`')?.strip_suffix('`')?;
            (!inner.is_empty() && !inner.contains('`')).then(|| inner.to_string())
        };
        let webhook_type = find("webhook_type").ok_or_else(|| {
            GenError::at(
                &join(&join(&ptr, "properties"), "webhook_type"),
                "cannot tell this webhook's webhook_type value",
            )
        })?;
        let webhook_code = find("webhook_code").ok_or_else(|| {
            GenError::at(
                &join(&join(&ptr, "properties"), "webhook_code"),
                "cannot tell this webhook's webhook_code value",
            )
        })?;
        let base = variant_name(&webhook_code);
        let variant = if namer.is_taken(&base) {
            namer.claim(&variant_name(&format!("{webhook_type} {webhook_code}")))
        } else {
            namer.claim(&base)
        };
        let examples = examples_v
            .into_iter()
            .enumerate()
            .map(|(i, v)| Example {
                test_name: format!("webhook_{}_{}", snake_name(name), i + 1),
                ty: Ty::Named(rust.clone()),
                value: v,
                unknown_variant: None,
            })
            .collect();
        Ok((Webhook { variant, ty: rust, webhook_type, webhook_code, doc: desc(s) }, examples))
    }
}
