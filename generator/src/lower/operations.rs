//! Operations → client methods: request and response types, examples, retry safety, pagination.

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
        let retry = if self.portion.retry.always.iter().any(|p| p == &op.path) {
            RetrySafety::Always
        } else if let Some(field) = self.portion.retry.when_true.get(&op.path) {
            // Older specs may lack the field (Plaid added `is_idempotent` to create later): the
            // operation is then never retried, with a warning, rather than failing the spec.
            match self.request_field(&request, field) {
                None => {
                    self.warnings.push(format!(
                        "{}: retry.when_true names `{field}`, which is not a field of this request; \
                         the operation is never retried",
                        op.pointer
                    ));
                    RetrySafety::Never
                }
                Some(f) if f.ty != Ty::Bool => {
                    self.warnings.push(format!(
                        "{}: retry.when_true field `{field}` is not a boolean; the operation is never retried",
                        op.pointer
                    ));
                    RetrySafety::Never
                }
                // The request type is sent: `graph::mark_requests` gives the field this shape.
                Some(f) => RetrySafety::WhenTrue { field: f.name.clone(), shape: f.shape().sent() },
            }
        } else {
            RetrySafety::Never
        };
        let mut pagination = self.pagination(&op.path, &op.pointer, &request, &response);
        if let Some(p) = &mut pagination {
            p.pages_method = namer.claim(&format!("{method_name}_pages"));
            p.stream_method = namer.claim(&format!("{method_name}_stream"));
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
                retry,
                pagination,
            },
            examples,
        ))
    }

    pub(super) fn struct_fields(&self, ty: &Option<Ty>) -> Option<&Vec<Field>> {
        match ty {
            Some(Ty::Named(n)) => match &self.types.get(n)?.kind {
                Kind::Struct { fields, .. } => Some(fields),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn request_field(&self, req: &Option<Ty>, wire: &str) -> Option<Field> {
        self.struct_fields(req)?.iter().find(|f| f.wire == wire).cloned()
    }

    /// Pagination as `spec/portion.toml` declares it for this path. A declaration the shapes do
    /// not fit is a warning (with the pointer), and the operation is not paginated.
    pub(super) fn pagination(&mut self, path: &str, ptr: &str, req: &Option<Ty>, resp: &Ty) -> Option<Pagination> {
        let rule = self.portion.pagination.get(path)?.clone();
        let fields = |ty: &Option<Ty>| self.struct_fields(ty).cloned().unwrap_or_default();
        let (rf, pf) = (fields(req), fields(&Some(resp.clone())));
        let find = |fs: &[Field], wire: &str| fs.iter().find(|f| f.wire == wire).cloned();
        let cursor = find(&rf, &rule.cursor).filter(|f| f.ty == Ty::String);
        let next = find(&pf, &rule.next).filter(|f| f.ty == Ty::String);
        let list = find(&pf, &rule.items).filter(|f| {
            matches!(&f.ty, Ty::Vec(i) if matches!(**i, Ty::Named(_))) && f.shape() == FieldShape::Required
        });
        let (Some(cursor), Some(next), Some(list)) = (cursor, next, list) else {
            self.warnings.push(format!(
                "{ptr}: spec/portion.toml [pagination] wants a string request field `{}`, a string response field `{}` \
                 and a required list of objects `{}`; the shapes do not fit, so the operation is not paginated",
                rule.cursor, rule.next, rule.items
            ));
            return None;
        };
        let item_ty = match &list.ty {
            Ty::Vec(i) => (**i).clone(),
            _ => return None,
        };
        Some(Pagination {
            cursor_field: cursor.name.clone(),
            // The request type is sent: `graph::mark_requests` gives the cursor its `sent()` shape.
            cursor_shape: cursor.shape().sent(),
            next_field: next.name.clone(),
            next_shape: next.shape(),
            items_field: list.name.clone(),
            item_ty,
            pages_method: String::new(),
            stream_method: String::new(),
        })
    }
}
