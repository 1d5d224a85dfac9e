//! The API's OpenAPI 3.1 document, built from the handlers' own descriptions
//! (`#[utoipa::path]` beside each handler, schemas derived from the types they return), served
//! at `/api/v1/openapi.json`, and a reference page rendered from it at `/api/docs` — by this
//! binary, without a CDN or a front-end build.

use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::error::{FieldError, ProblemDoc};
use crate::html_escape as esc;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tevreden API",
        version = "1",
        description = "Customer and employee feedback, owned by the organisation that collects it.\n\n\
            Authenticate with `Authorization: Bearer tvd_…` (a token from the admin app's *API tokens* \
            page or `tevreden token create`). A token acts with its role (`admin`, `manager`, \
            `member`) and, when it has one, only within its unit and the units under it.\n\n\
            Lists are paged: pass `next_cursor` of one page as `cursor` for the next; `limit` sets \
            the page size. Errors are `application/problem+json` (RFC 9457); validation errors \
            list each field in `errors`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(ProblemDoc, FieldError)),
    tags(
        (name = "surveys", description = "Surveys, their versions and templates"),
        (name = "responses", description = "Submitting and reading responses, invitations"),
        (name = "scorecards", description = "The north-star indicator, targets per unit and period, scorecards"),
        (name = "results", description = "Measures with intervals, trends with control limits, breakdowns, key drivers"),
        (name = "organisation", description = "Units, employees, contacts, channels, touchpoints"),
        (name = "people", description = "Users, API tokens and the audit log"),
    )
)]
struct Base;

/// The document's fixed part; routes add their paths to it.
pub fn base_document() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// Every operation answers problems as `application/problem+json` and needs the bearer token.
fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearer".into(),
        SecurityScheme::Http({
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.bearer_format = Some("tvd_…".into());
            http
        }),
    );
    components.responses.insert(
        "Problem".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("A problem (RFC 9457): what went wrong and what to do next")
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ProblemDoc")))
                        .build(),
                )
                .build(),
        ),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for status in ["4XX", "5XX"] {
                op.responses.responses.insert(
                    status.into(),
                    RefOr::Ref(Ref::new("#/components/responses/Problem")),
                );
            }
        }
    }
    doc
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let doc = finish(super::open_router().into_openapi());
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
});

/// The OpenAPI document as JSON text.
pub fn document_json() -> &'static str {
    &DOCUMENT
}

/// `GET /api/v1/openapi.json` (no token needed).
pub async fn openapi_json() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        document_json(),
    )
        .into_response()
}

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(document_json()).unwrap_or(Value::Null);
    render(&doc)
});

/// `GET /api/docs`: the API reference, rendered from the OpenAPI document.
pub async fn page() -> Html<&'static str> {
    Html(&PAGE)
}

/// `code` spans for text between backticks; everything else escaped.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

fn paragraphs(s: &str) -> String {
    s.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", inline(p.trim())))
        .collect()
}

/// A short type name for a schema: `string`, `integer | null`, `UnitOut`, `array of UnitOut`.
fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(all) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        return all.iter().map(type_name).collect::<Vec<_>>().join(" | ");
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => vec!["any".to_string()],
    };
    kind.iter()
        .map(|t| match t.as_str() {
            "array" => format!(
                "array of {}",
                schema
                    .get("items")
                    .map(type_name)
                    .unwrap_or_else(|| "any".into())
            ),
            other => esc(other),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn render(doc: &Value) -> String {
    let mut out = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body class=\"api-docs\"><main class=\"content\"><h1>{t}</h1>{intro}\
         <p><a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI 3.1)</p>",
        t = esc(title),
        css = crate::assets::ADMIN_CSS.path,
        intro = paragraphs(doc["info"]["description"].as_str().unwrap_or("")),
    );
    let base = doc["servers"][0]["url"].as_str().unwrap_or("");
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or("").to_string(),
                        t["description"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.push_str("<nav><ul>");
    for (name, _) in &tags {
        let _ = write!(out, "<li><a href=\"#tag-{0}\">{0}</a></li>", esc(name));
    }
    out.push_str("<li><a href=\"#schemas\">schemas</a></li></ul></nav>");
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (tag, about) in &tags {
        let _ = write!(
            out,
            "<section id=\"tag-{0}\"><h2>{0}</h2><p>{1}</p>",
            esc(tag),
            esc(about)
        );
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let in_tag = op["tags"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|t| t == tag.as_str()));
                if !in_tag {
                    continue;
                }
                render_operation(&mut out, method, base, path, op);
            }
        }
        out.push_str("</section>");
    }
    out.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                out,
                "<h3 id=\"schema-{0}\">{0}</h3>{1}",
                esc(name),
                paragraphs(schema["description"].as_str().unwrap_or(""))
            );
            if let Some(props) = schema["properties"].as_object() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                out.push_str(
                    "<table><thead><tr><th>field</th><th>type</th><th>about</th></tr></thead><tbody>",
                );
                for (field, p) in props {
                    let _ = write!(
                        out,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            " *"
                        } else {
                            ""
                        },
                        type_name(p),
                        inline(p["description"].as_str().unwrap_or(""))
                    );
                }
                out.push_str("</tbody></table>");
            } else if let Some(values) = schema["enum"].as_array() {
                let _ = write!(
                    out,
                    "<p>One of: {}</p>",
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|v| format!("<code>{}</code>", esc(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }
    out.push_str("<p>* required</p></section></main></body></html>");
    out
}

fn render_operation(out: &mut String, method: &str, base: &str, path: &str, op: &Value) {
    let _ = write!(
        out,
        "<article class=\"api-op\"><h3><span class=\"method method-{m}\">{mu}</span> <code>{b}{p}</code></h3>\
         <p><strong>{s}</strong></p>{d}",
        m = method,
        mu = method.to_uppercase(),
        b = esc(base),
        p = esc(path),
        s = esc(op["summary"].as_str().unwrap_or("")),
        d = paragraphs(op["description"].as_str().unwrap_or("")),
    );
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th>about</th></tr></thead><tbody>");
        for p in params {
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(p["name"].as_str().unwrap_or("")),
                if p["required"].as_bool() == Some(true) {
                    " *"
                } else {
                    ""
                },
                esc(p["in"].as_str().unwrap_or("")),
                type_name(&p["schema"]),
                inline(p["description"].as_str().unwrap_or("")),
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        out.push_str("<p>Body: ");
        let bodies: Vec<String> = content
            .iter()
            .map(|(ct, c)| format!("{} as <code>{}</code>", type_name(&c["schema"]), esc(ct)))
            .collect();
        out.push_str(&bodies.join("; "));
        out.push_str("</p>");
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<ul class=\"api-responses\">");
        for (status, r) in responses {
            let about = r["description"]
                .as_str()
                .unwrap_or(if r.get("$ref").is_some() {
                    "a problem (application/problem+json)"
                } else {
                    ""
                });
            let body = r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| format!(": {}", type_name(&c["schema"])))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<li><code>{}</code> {}{}</li>",
                esc(status),
                esc(about),
                body
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</article>");
}
