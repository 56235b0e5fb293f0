//! Operations → client methods: request and response types, examples. Retry safety and
//! pagination are resolved after the IR passes, in [`crate::op_rules`].

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_op(
        &mut self,
        op: &crate::select::SelectedOp<'a>,
        namer: &mut Namer,
    ) -> Result<(Operation, Vec<Example>)> {
        let o = &op.model.op;
        let id = match o.operation_id.as_deref() {
            Some(s) if !s.trim().is_empty() => s.to_string(),
            _ => format!("{}_{}", op.method, op.path),
        };
        let method_name = namer.claim(&snake_name(&id));
        if !o.parameters.is_empty() {
            return Err(GenError::at(
                &join(&op.pointer, "parameters"),
                "operation parameters are not supported (Plaid's API takes everything in the JSON body)",
            ));
        }
        if op.path.contains('{') {
            return Err(GenError::at(&op.pointer, "path templates like {id} are not supported"));
        }
        let base_hint = type_name(&id);
        let description = o.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let doc = match (o.summary.as_deref(), description) {
            (Some(s), Some(d)) => Some(format!("{}\n\n{d}", s.trim())),
            (Some(s), None) => Some(s.trim().to_string()),
            (None, d) => d.map(String::from),
        };
        let mut request = None;
        if let Some(rb) = &op.model.request_body {
            let cptr = join(&join(&op.pointer, "requestBody"), "content");
            match crate::model::json_media(rb.content, &cptr)? {
                Some(media) => {
                    let schema =
                        media.schema.ok_or_else(|| GenError::at(&media.pointer, "media type has no `schema`"))?;
                    let (ty, _, _) =
                        self.field_ty(schema, &join(&media.pointer, "schema"), &format!("{base_hint}Request"))?;
                    request = Some(ty);
                }
                None => return Err(GenError::at(&cptr, "only JSON request bodies are supported")),
            }
        }
        let rptr = join(&op.pointer, "responses");
        let responses = op.model.responses;
        let mut response = Ty::Json;
        let mut examples = Vec::new();
        let ok = responses
            .iter()
            .find(|(k, _)| k.as_str() == "200")
            .or_else(|| responses.iter().find(|(k, _)| k.starts_with('2')));
        if let Some((code, r)) = ok {
            let cptr = join(&rptr, code);
            // Response keys are any text (`2XX`, `2 ok`): test names made from them go through
            // `snake_name` like every other identifier.
            let r = crate::model::response(r, &cptr)?;
            if let Some(content) = r.content {
                if let Some(media) = crate::model::json_media(content, &join(&cptr, "content"))? {
                    if let Some(schema) = media.schema {
                        let (ty, _, _) =
                            self.field_ty(schema, &join(&media.pointer, "schema"), &format!("{base_hint}Response"))?;
                        response = ty;
                    }
                    // `examples` wins over `example` (OpenAPI makes them exclusive); `$ref`
                    // examples and examples without a `value` make no test.
                    if !media.media.examples.is_empty() {
                        for (name, ex) in media.media.examples {
                            if let openapiv3::ReferenceOr::Item(openapiv3::Example { value: Some(v), .. }) = ex {
                                examples.push(Example {
                                    test_name: snake_name(&format!("{method_name}_{code}_{}", snake_name(&name))),
                                    ty: response.clone(),
                                    value: v,
                                    unknown_variant: None,
                                });
                            }
                        }
                    } else if let Some(v) = media.media.example {
                        examples.push(Example {
                            test_name: snake_name(&format!("{method_name}_{code}_example")),
                            ty: response.clone(),
                            value: v,
                            unknown_variant: None,
                        });
                    }
                }
            }
        }
        let http_method = op.method.to_uppercase();
        let deprecated = o.deprecated;
        Ok((
            Operation {
                method_name,
                id,
                http_method,
                path: op.path.clone(),
                doc,
                request,
                response,
                deprecated,
                // Resolved from the final types by `op_rules` (see `crate::passes`).
                retry: RetrySafety::Never,
                pagination: None,
            },
            examples,
        ))
    }
}
